/**
 * The Handlebars subset webhook targets use (reference §7.3, proxmox-notify `endpoints/webhook.rs`):
 * `{{ path }}` (dotted, `[segment]` literals), helper calls `{{ helper arg… }}` with the three
 * webhook helpers `escape` (JSON string escape), `json` (compact JSON, keys sorted as serde_json's
 * map does) and `url-encode`, comments and `~` whitespace control. No HTML escaping (proxmox-notify
 * registers `no_escape`); missing variables render empty, as in non-strict Handlebars. Block
 * helpers and partials are not supported and fail the render.
 */

export class TemplateError extends Error {
  override readonly name = "TemplateError";
}

export type TemplateHelper = (params: readonly unknown[], arity: number) => string;

/** serde_json-style compact JSON with object keys sorted (serde_json's default `Map` is a BTreeMap). */
export function sortedJson(value: unknown): string {
  if (value === undefined || value === null) return "null";
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(",")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${sortedJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The `url-encode` helper's set: controls, non-ASCII and `: / ? # [ ] @ ! $ & ' ( ) * + , ; = %` and space. */
const URL_RESERVED = new Set(":/?#[]@!$&'()*+,;=% ");

export function urlEncode(text: string): string {
  let out = "";
  for (const byte of Buffer.from(text, "utf8")) {
    const ch = String.fromCharCode(byte);
    if (byte < 0x20 || byte >= 0x7f || URL_RESERVED.has(ch)) {
      out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
    } else {
      out += ch;
    }
  }
  return out;
}

export const WEBHOOK_HELPERS: Readonly<Record<string, TemplateHelper>> = {
  escape: ([text]) => {
    if (typeof text !== "string") throw new TemplateError("escape: missing text parameter");
    return JSON.stringify(text).slice(1, -1);
  },
  json: (params, arity) => {
    if (arity < 1) throw new TemplateError("json: missing parameter");
    return sortedJson(params[0]);
  },
  "url-encode": ([text]) => {
    if (typeof text !== "string") throw new TemplateError("url-encode: missing parameter");
    return urlEncode(text);
  },
};

/** How Handlebars prints a value: strings as they are, nothing for null/missing. */
function display(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return "[object]";
}

/** Splits an expression into tokens: string literals, paths (with `[…]` segments), other words. */
function tokenize(expr: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < expr.length) {
    const ch = expr[i] as string;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    let j = i;
    if (ch === '"' || ch === "'") {
      j = expr.indexOf(ch, i + 1);
      if (j < 0) throw new TemplateError(`unterminated string literal in '{{${expr}}}'`);
      tokens.push(expr.slice(i, j + 1));
      i = j + 1;
      continue;
    }
    while (j < expr.length && !/\s/.test(expr[j] as string)) {
      if (expr[j] === "[") {
        const close = expr.indexOf("]", j);
        if (close < 0) throw new TemplateError(`unterminated segment literal in '{{${expr}}}'`);
        j = close + 1;
      } else j++;
    }
    tokens.push(expr.slice(i, j));
    i = j;
  }
  return tokens;
}

/** `fields.job-id`, `fields.[job-id]`, `this.title`, `./title` → the value, or undefined. */
function lookup(data: unknown, path: string): unknown {
  const segments: string[] = [];
  const re = /\[([^\]]*)\]|([^./[\]]+)/g;
  for (const m of path.matchAll(re)) segments.push((m[1] ?? m[2]) as string);
  let value: unknown = data;
  for (const [i, seg] of segments.entries()) {
    if (i === 0 && seg === "this") continue;
    if (seg === "..") return undefined;
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[seg];
  }
  return value;
}

function literal(token: string, data: unknown): unknown {
  if (/^(["']).*\1$/s.test(token)) return token.slice(1, -1);
  if (/^-?\d+(\.\d+)?$/.test(token)) return Number(token);
  if (token === "true" || token === "false") return token === "true";
  if (token === "null") return null;
  if (token === "undefined") return undefined;
  return lookup(data, token);
}

function evaluate(expr: string, data: unknown, helpers: Readonly<Record<string, TemplateHelper>>): string {
  const trimmed = expr.trim();
  if (/^[#/^>]/.test(trimmed) || trimmed === "else" || trimmed.startsWith("else ")) {
    throw new TemplateError(`unsupported template construct '{{${trimmed}}}'`);
  }
  const tokens = tokenize(trimmed.replace(/^&\s*/, ""));
  const [head, ...args] = tokens;
  if (head === undefined) throw new TemplateError("empty expression '{{}}'");
  const helper = Object.hasOwn(helpers, head) ? helpers[head] : undefined;
  if (helper)
    return helper(
      args.map((a) => literal(a, data)),
      args.length,
    );
  if (args.length > 0) throw new TemplateError(`Helper not defined: "${head}"`);
  return display(literal(head, data));
}

/** Renders `template` against `data`; throws {@link TemplateError} on what Handlebars would refuse. */
export function renderTemplate(
  template: string,
  data: unknown,
  helpers: Readonly<Record<string, TemplateHelper>> = WEBHOOK_HELPERS,
): string {
  let out = "";
  let i = 0;
  let trimNext = false;
  const emit = (text: string, trimEnd: boolean) => {
    let t = trimNext ? text.trimStart() : text;
    if (trimEnd) t = t.trimEnd();
    out += t;
  };
  while (i < template.length) {
    const open = template.indexOf("{{", i);
    if (open < 0) {
      emit(template.slice(i), false);
      break;
    }
    // `\{{` is a literal mustache.
    if (open > 0 && template[open - 1] === "\\") {
      emit(`${template.slice(i, open - 1)}{{`, false);
      trimNext = false;
      i = open + 2;
      continue;
    }
    const triple = template.startsWith("{{{", open);
    let j = open + (triple ? 3 : 2);
    const trimBefore = template[j] === "~";
    if (trimBefore) j++;
    let end: number;
    let closeLen: number;
    let inner: string | undefined;
    if (template.startsWith("!--", j)) {
      const m = /--(~?)\}\}/.exec(template.slice(j + 3));
      if (!m) throw new TemplateError("unterminated comment");
      end = j + 3 + m.index;
      closeLen = m[0].length;
      emit(template.slice(i, open), trimBefore);
      trimNext = m[1] === "~";
      i = end + closeLen;
      continue;
    }
    const close = triple ? "}}}" : "}}";
    end = template.indexOf(close, j);
    if (end < 0) throw new TemplateError(`unterminated mustache at char ${open}`);
    closeLen = close.length;
    inner = template.slice(j, end);
    const trimAfter = inner.endsWith("~");
    if (trimAfter) inner = inner.slice(0, -1);
    emit(template.slice(i, open), trimBefore);
    trimNext = trimAfter;
    if (!inner.startsWith("!")) out += evaluate(inner, data, helpers);
    i = end + closeLen;
  }
  return out;
}
