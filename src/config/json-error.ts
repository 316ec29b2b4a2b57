/**
 * Where a JSON text stops being JSON, as line and column, found by our own scan: `JSON.parse`'s
 * message quotes the text around the mistake, and in an options file that text may be a token
 * secret. Only the position is ever reported.
 */
export interface JsonErrorPlace {
  readonly line: number;
  readonly column: number;
  /** What was expected there, in words that quote nothing from the text. */
  readonly expected: string;
}

/** The first syntax error of `text`, or undefined when it is valid JSON. */
export function findJsonError(text: string): JsonErrorPlace | undefined {
  let i = 0;
  const fail = (expected: string): never => {
    throw new JsonStop(i, expected);
  };
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i] as string)) i++;
  };
  const literal = (word: string) => {
    for (const ch of word) {
      if (text[i] !== ch) fail(`the word ${word}`);
      i++;
    }
  };
  const string = () => {
    i++; // the opening quote
    for (;;) {
      if (i >= text.length) fail("a closing quote");
      const ch = text[i] as string;
      if (ch === '"') return void i++;
      if (ch < " ") fail("a closing quote before the end of the line");
      if (ch === "\\") {
        i++;
        const e = text[i] ?? "";
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail("four hex digits after \\u");
          i += 5;
        } else if ('"\\/bfnrt'.includes(e) && e !== "") i++;
        else fail("a valid escape after a backslash");
      } else i++;
    }
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m) fail("a number");
    i += (m as RegExpExecArray)[0].length;
  };
  const value = (): void => {
    ws();
    const ch = text[i];
    if (ch === "{") {
      i++;
      ws();
      if (text[i] === "}") return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail('a key in double quotes, like "name"');
        string();
        ws();
        if (text[i] !== ":") fail("a colon after the key");
        i++;
        value();
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") return void i++;
        fail("a comma or a closing }");
      }
    }
    if (ch === "[") {
      i++;
      ws();
      if (text[i] === "]") return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") return void i++;
        fail("a comma or a closing ]");
      }
    }
    if (ch === '"') string();
    else if (ch === "t") literal("true");
    else if (ch === "f") literal("false");
    else if (ch === "n") literal("null");
    else if (ch === "-" || (ch !== undefined && ch >= "0" && ch <= "9")) number();
    else
      fail(
        i >= text.length
          ? "a value, but the text ended"
          : "a value: text in double quotes, a number, true, false, [ or {",
      );
  };
  try {
    if (text.charCodeAt(0) === 0xfeff) i = 1;
    value();
    ws();
    if (i < text.length) fail("nothing more after the end of the options");
    return undefined;
  } catch (err) {
    if (!(err instanceof JsonStop)) throw err;
    const before = text.slice(0, err.at).split("\n");
    return { line: before.length, column: (before.at(-1) as string).length + 1, expected: err.expected };
  }
}

class JsonStop {
  constructor(
    readonly at: number,
    readonly expected: string,
  ) {}
}
