import { paramError } from "./api-error.js";
import { readCalendarEvent } from "./calendar.js";
import { parsePruneBackups } from "./prune.js";

/**
 * PVE-style parameter validation (reference §9 recipe, mirroring pve-common `JSONSchema.pm` and the
 * normalisation in `RESTHandler.pm`). Each simulated endpoint declares a small table of its
 * parameters; this checks a request against it and collects every problem into one 400.
 */

export type Format =
  | "pve-vmid"
  | "pve-vmid-list"
  | "pve-node"
  | "pve-storage-id"
  | "pve-configid"
  | "pve-configid-list"
  | "pve-calendar-event"
  | "pve-day-of-week-list"
  | "pve-storage-content"
  | "pve-storage-content-list"
  | "email-or-username-list"
  | "prune-backups"
  | "backup-fleecing"
  | "backup-performance"
  | "notes-template";

export interface ParamSpec {
  readonly type: "string" | "integer" | "boolean" | "array";
  readonly optional?: boolean;
  readonly enum?: readonly string[];
  /** Anchored, as PVE does (`m/^$pattern$/`). */
  readonly pattern?: string;
  readonly format?: Format;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  /** Another parameter that must be present when this one is. */
  readonly requires?: string;
}

export type ParamSchema = Readonly<Record<string, ParamSpec>>;

/** A validated parameter: strings stay strings, integers and booleans (0/1) become numbers. */
export type ParamValue = string | number | readonly string[];
export type Params = Readonly<Record<string, ParamValue>>;

/** Where the raw values came from: form/query values are strings; JSON bodies carry real types. */
export type ParamSource = "form" | "json";

/** Raw request parameters: query + body + path, repeated form keys as arrays. */
export type RawParams = Record<string, unknown>;

const STORAGE_CONTENT = ["images", "rootdir", "vztmpl", "iso", "backup", "snippets", "import"];
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/** pve-common `split_list`: `,`, `;`, whitespace (and NUL) separate list items. */
export function splitList(text: string): string[] {
  return text.split(/[\s,;\0]+/).filter((s) => s !== "");
}

/** One format's check of a single value: an error message (`die` text), or undefined when fine. */
function checkSingle(format: string, value: string): string | undefined {
  switch (format) {
    case "pve-vmid":
      return /^[1-9][0-9]{2,8}$/.test(value) ? undefined : "value does not look like a valid VM ID";
    case "pve-node":
      return /^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/.test(value)
        ? undefined
        : "value does not look like a valid node name";
    case "pve-storage-id":
      return /^[a-z][a-z0-9\-_.]*[a-z0-9]$/i.test(value)
        ? undefined
        : `storage ID '${value}' contains illegal characters`;
    case "pve-configid":
      return /^[a-z][a-z0-9_-]+$/i.test(value) ? undefined : `invalid configuration ID '${value}'`;
    case "pve-day-of-week":
      return DAYS.includes(value) ? undefined : `invalid day '${value}'`;
    case "pve-storage-content":
      return STORAGE_CONTENT.includes(value) ? undefined : `invalid content type '${value}'`;
    case "email-or-username":
      return /^[^\s,;]+$/.test(value)
        ? undefined
        : `value '${value}' does not look like a valid email address or user name`;
    case "pve-calendar-event": {
      const read = readCalendarEvent(value);
      return "error" in read ? read.error : undefined;
    }
    case "prune-backups": {
      const parsed = parsePruneBackups(value);
      return parsed.ok ? undefined : parsed.error;
    }
    case "backup-fleecing":
      return checkPropertyString(
        value,
        { enabled: /^[01]$/, storage: /^[a-z][a-z0-9\-_.]*[a-z0-9]$/i },
        "enabled",
      );
    case "backup-performance":
      return checkPropertyString(value, {
        "max-workers": /^(25[0-6]|2[0-4]\d|1\d\d|[1-9]\d?)$/,
        "pbs-entries-max": /^[1-9]\d*$/,
      });
    case "notes-template":
      return checkNotesTemplate(value);
    default:
      return undefined;
  }
}

/** A `k=v,k=v` property string against allowed keys (each with a value pattern). */
function checkPropertyString(
  text: string,
  keys: Readonly<Record<string, RegExp>>,
  defaultKey?: string,
): string | undefined {
  const seen = new Set<string>();
  for (const part of text.split(",")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const key = eq < 0 ? defaultKey : part.slice(0, eq);
    const value = eq < 0 ? part : part.slice(eq + 1);
    if (key === undefined) return "value without key, but schema does not define a default key";
    const pattern = keys[key];
    if (!pattern) return `invalid key in comma-separated list property: ${key}`;
    if (seen.has(key)) return `duplicate key in comma-separated list property: ${key}`;
    seen.add(key);
    if (!pattern.test(value)) return `${key}: value does not match the regex pattern`;
  }
  return undefined;
}

/**
 * `notes-template` (pve-guest-common `verify_notes_template`): one line; only `\n` and `\\`
 * escapes; only the `{{cluster}} {{guestname}} {{node}} {{vmid}}` variables. Positions are
 * reported as PVE computes them from `pos()`.
 */
function checkNotesTemplate(template: string): string | undefined {
  if (template.includes("\n")) return "contains a line feed";
  const problems: string[] = [];
  for (const m of template.matchAll(/\\(.)/gs)) {
    if (!/^[n\\]$/.test(m[1] as string)) problems.push(`escape sequence '\\${m[1]}' at char ${m.index}`);
  }
  for (const m of template.matchAll(/\{\{([^\s{}]+)\}\}/g)) {
    const name = m[1] as string;
    if (!/^(cluster|guestname|node|vmid)$/.test(name))
      problems.push(`variable '${name}' at char ${m.index + 4}`);
  }
  return problems.length ? `found unknown: ${problems.join(", ")}` : undefined;
}

/** A format check incl. `-list` formats (each item checked), or undefined when fine. */
export function checkFormat(format: string, value: string): string | undefined {
  if (format.endsWith("-list")) {
    const item = format.slice(0, -"-list".length);
    for (const v of splitList(value)) {
      const err = checkSingle(item, v);
      if (err) return err;
    }
    return undefined;
  }
  return checkSingle(format, value);
}

type Checked = { ok: true; value: ParamValue } | { ok: false; error: string };

function typeError(type: string, got: unknown): Checked {
  const shown =
    typeof got === "object" && got !== null ? (Array.isArray(got) ? "ARRAY" : "HASH") : `'${got}'`;
  return { ok: false, error: `type check ('${type}') failed - got ${shown}` };
}

/** Type, enum, pattern, length, range and format of one parameter. */
function checkValue(spec: ParamSpec, raw: unknown, source: ParamSource): Checked {
  let value: ParamValue;
  switch (spec.type) {
    case "boolean":
      // Form values must be exactly 0/1 (reference §11.1); JSON may also use true/false.
      if (raw === "0" || raw === "1") value = Number(raw);
      else if (source === "json" && (raw === true || raw === false || raw === 0 || raw === 1))
        value = raw ? 1 : 0;
      else return typeError("boolean", raw);
      break;
    case "integer":
      if (typeof raw === "number" && Number.isInteger(raw)) value = raw;
      else if (typeof raw === "string" && /^-?\d+$/.test(raw)) value = Number(raw);
      else return typeError("integer", raw);
      break;
    case "array":
      value = (Array.isArray(raw) ? raw : [raw]).map(String);
      break;
    default:
      if (typeof raw === "number" && source === "json") value = String(raw);
      else if (typeof raw === "string") value = raw;
      else return typeError("string", raw);
  }
  if (typeof value === "number") {
    if (spec.minimum !== undefined && value < spec.minimum)
      return { ok: false, error: `value must have a minimum value of ${spec.minimum}` };
    if (spec.maximum !== undefined && value > spec.maximum)
      return { ok: false, error: `value must have a maximum value of ${spec.maximum}` };
  }
  if (typeof value === "string") {
    if (spec.maxLength !== undefined && value.length > spec.maxLength)
      return { ok: false, error: `value may only be ${spec.maxLength} characters long` };
    if (spec.enum && !spec.enum.includes(value))
      return {
        ok: false,
        error: `value '${value}' does not have a value in the enumeration '${spec.enum.join(", ")}'`,
      };
    if (spec.pattern && !new RegExp(`^(?:${spec.pattern})$`).test(value))
      return { ok: false, error: "value does not match the regex pattern" };
    if (spec.format) {
      const err = checkFormat(spec.format, value);
      // `invalid format - ` wraps the format's own `die` text, trailing newline included.
      if (err) return { ok: false, error: `invalid format - ${err}\n` };
    }
  }
  return { ok: true, value };
}

/**
 * Validates raw request parameters against a schema and returns the normalised values, or throws
 * a 400 `Parameter verification failed.` listing every bad parameter: unknown ones, missing
 * required ones, type/format errors and unmet `requires`.
 */
export function validateParams(
  schema: ParamSchema,
  raw: RawParams,
  source: ParamSource,
): Record<string, ParamValue> {
  const errors: Record<string, string> = {};
  const out: Record<string, ParamValue> = {};
  for (const [key, given] of Object.entries(raw)) {
    const spec = schema[key];
    if (!spec) {
      errors[key] = "property is not defined in schema and the schema does not allow additional properties";
      continue;
    }
    let value = given;
    // Repeated form keys: joined for `-list` formats, kept for arrays (RESTHandler normalisation).
    if (Array.isArray(value) && spec.type === "string" && spec.format?.endsWith("-list"))
      value = value.join(",");
    const checked = checkValue(spec, value, source);
    if (checked.ok) out[key] = checked.value;
    else errors[key] = checked.error;
  }
  for (const [key, spec] of Object.entries(schema)) {
    if (!spec.optional && !(key in raw)) errors[key] = "property is missing and it is not optional";
    if (spec.requires && key in raw && !(spec.requires in raw)) {
      errors[spec.requires] = `missing property required by '${key}'`;
    }
  }
  if (Object.keys(errors).length > 0) throw paramError(errors);
  return out;
}
