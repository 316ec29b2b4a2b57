import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/app.js";
import { findJsonError } from "../../src/config/json-error.js";
import { ConfigError } from "../../src/errors.js";

const SECRET = "5d1c6a0e-8f3b-4c2a-9e71-2b8d4f6a9c10";

function loadError(text: string): ConfigError {
  const file = join(mkdtempSync(join(tmpdir(), "pve-backup-options-")), "options.json");
  writeFileSync(file, text);
  try {
    loadConfig(file);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error("the options were accepted");
}

describe("loadConfig", () => {
  it("tells a JSON syntax error by line and column, never quoting the token secret", () => {
    // A missing comma right after the secret: JSON.parse quotes the text around it.
    const text = `{\n  "clusters": [{\n    "name": "home",\n    "token_secret": "${SECRET}"\n    "url": "https://10.0.0.5:8006"\n  }]\n}\n`;
    const err = loadError(text);
    expect(err.message).not.toContain(SECRET.slice(0, 8));
    expect(err.message).not.toContain(SECRET.slice(-8));
    expect(err.problems[0]).toMatch(/: not valid JSON at line 5, column 5: expected a comma or a closing }$/);
  });

  it("does not echo a secret pasted with typographic quotes", () => {
    // JSON.parse: `Unexpected token '“', ..."_secret": “5d1c6a0e-"... is not valid JSON`
    const err = loadError(`{"clusters": [{"token_secret": \u201c${SECRET}\u201d}]}`);
    expect(err.message).not.toContain(SECRET.slice(0, 8));
    expect(err.problems[0]).toMatch(
      /line 1, column 32: expected a value: text in double quotes, a number, true, false, \[ or \{$/,
    );
  });
});

describe("findJsonError", () => {
  it.each([
    ["{}", undefined],
    [' { "a": [1, -2.5e3, true, false, null, "x\\u00e9\\n"] } ', undefined],
    ["\ufeff[]", undefined],
    ["", { line: 1, column: 1, expected: "a value, but the text ended" }],
    ["{'a': 1}", { line: 1, column: 2, expected: 'a key in double quotes, like "name"' }],
    ['{"a" 1}', { line: 1, column: 6, expected: "a colon after the key" }],
    ['{"a": 1,}', { line: 1, column: 9, expected: 'a key in double quotes, like "name"' }],
    ["[1 2]", { line: 1, column: 4, expected: "a comma or a closing ]" }],
    ["[tru]", { line: 1, column: 5, expected: "the word true" }],
    ["[01]", { line: 1, column: 3, expected: "a comma or a closing ]" }],
    ["[-]", { line: 1, column: 2, expected: "a number" }],
    ['["\\x"]', { line: 1, column: 4, expected: "a valid escape after a backslash" }],
    ['["\\u12"]', { line: 1, column: 4, expected: "four hex digits after \\u" }],
    ['["abc', { line: 1, column: 6, expected: "a closing quote" }],
    ["{}\n}", { line: 2, column: 1, expected: "nothing more after the end of the options" }],
    [
      "[\n  @]",
      { line: 2, column: 3, expected: "a value: text in double quotes, a number, true, false, [ or {" },
    ],
  ])("%j", (text, place) => {
    expect(findJsonError(text)).toEqual(place);
  });
});
