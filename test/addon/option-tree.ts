/**
 * The add-on options seen from each of their four places, flattened to dot paths
 * (`clusters.token_secret`, `tiers.guests`), so one test can hold them side by side:
 * the zod schema (runtime contract), config.yaml `schema:`/`options:` (the Supervisor's),
 * translations/en.yaml and DOCS.md.
 */

export type Kind = "string" | "int" | "number" | "boolean" | "array" | "object";

export interface ZodOption {
  readonly kind: Kind;
  /** May be left out of options.json (optional or defaulted). */
  readonly omittable: boolean;
  readonly default?: unknown;
  readonly min?: number;
  readonly max?: number;
  /** For arrays of scalars: the element's kind. */
  readonly element?: Kind;
}

// zod v4 keeps its definition on `def` and derived facts (bounds, patterns) on `_zod.bag`.
interface ZodLike {
  readonly def: {
    readonly type: string;
    readonly innerType?: ZodLike;
    readonly defaultValue?: unknown;
    readonly element?: ZodLike;
    readonly shape?: Record<string, ZodLike>;
  };
  readonly _zod: { readonly bag: { minimum?: number; maximum?: number; format?: string } };
}

function scalarKind(z: ZodLike): Kind {
  switch (z.def.type) {
    case "string":
      return "string";
    case "boolean":
      return "boolean";
    case "number":
      return z._zod.bag.format?.includes("int") ? "int" : "number";
    case "array":
      return "array";
    case "object":
      return "object";
    default:
      throw new Error(`zod type '${z.def.type}' is not mapped to an add-on option type yet`);
  }
}

/** Every option path of a zod object schema, containers included. */
export function zodOptions(schema: ZodLike, prefix = ""): Map<string, ZodOption> {
  const out = new Map<string, ZodOption>();
  const shape = schema.def.shape;
  if (!shape) throw new Error(`${prefix || "(root)"} is not a zod object`);
  for (const [key, field] of Object.entries(shape)) {
    const path = prefix ? `${prefix}.${key}` : key;
    let z = field;
    let omittable = false;
    let dflt: unknown;
    while (z.def.type === "optional" || z.def.type === "default") {
      omittable = true;
      if (z.def.type === "default") dflt = z.def.defaultValue;
      z = z.def.innerType as ZodLike;
    }
    const kind = scalarKind(z);
    const bag = z._zod.bag;
    let element: Kind | undefined;
    if (kind === "array") {
      const el = z.def.element as ZodLike;
      element = scalarKind(el);
      if (element === "object") for (const [p, o] of zodOptions(el, path)) out.set(p, o);
    }
    if (kind === "object") for (const [p, o] of zodOptions(z, path)) out.set(p, o);
    const bounds = kind === "int" || kind === "number" ? { min: bag.minimum, max: bag.maximum } : {};
    out.set(path, { kind, omittable, ...(dflt !== undefined ? { default: dflt } : {}), ...bounds, element });
  }
  return out;
}

export type SupervisorElement = string | SupervisorElement[] | { [key: string]: SupervisorElement };

export interface SupervisorOption {
  /** `list` and `dict` for containers, else the element (`int(1,)?`). */
  readonly element: string;
  readonly optional: boolean;
  /** For lists of scalars: the item element. */
  readonly item?: string;
  /** Depth in containers: 0 at the root. */
  readonly depth: number;
}

/** Every option path of a config.yaml `schema:`. */
export function supervisorOptions(
  schema: Record<string, SupervisorElement>,
  prefix = "",
  depth = 0,
): Map<string, SupervisorOption> {
  const out = new Map<string, SupervisorOption>();
  for (const [key, el] of Object.entries(schema)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (Array.isArray(el)) {
      const item = el[0] as SupervisorElement;
      if (typeof item === "string") {
        out.set(path, { element: "list", optional: item.endsWith("?"), item, depth });
      } else if (Array.isArray(item)) {
        throw new Error(`${path}: a list may not directly contain a list`);
      } else {
        out.set(path, { element: "list", optional: false, depth });
        for (const [p, o] of supervisorOptions(item, path, depth + 1)) out.set(p, o);
      }
    } else if (typeof el === "object") {
      out.set(path, { element: "dict", optional: false, depth });
      for (const [p, o] of supervisorOptions(el, path, depth + 1)) out.set(p, o);
    } else {
      out.set(path, { element: el, optional: el.endsWith("?"), depth });
    }
  }
  return out;
}

// The Supervisor's grammar of a schema element (supervisor/apps/options.py RE_SCHEMA_ELEMENT).
const RE_ELEMENT =
  /^(?:|bool|email|url|port|device(?:\((?<filter>subsystem=[a-z]+)\))?|str(?:\((?<s_min>\d+)?,(?<s_max>\d+)?\))?|password(?:\((?<p_min>\d+)?,(?<p_max>\d+)?\))?|int(?:\((?<i_min>-?\d+)?,(?<i_max>-?\d+)?\))?|float(?:\((?<f_min>-?\d*\.?\d+)?,(?<f_max>-?\d*\.?\d+)?\))?|match\((?<match>.*)\)|list\((?<list>.+)\))\??$/;

export function parseElement(el: string) {
  const m = RE_ELEMENT.exec(el);
  if (!m?.groups) return undefined;
  const g = m.groups;
  const num = (s?: string) => (s === undefined ? undefined : Number(s));
  const base = el.replace(/\?$/, "").replace(/\(.*$/, "");
  return {
    base,
    min: num(g.i_min ?? g.f_min ?? g.s_min ?? g.p_min),
    max: num(g.i_max ?? g.f_max ?? g.s_max ?? g.p_max),
    match: g.match,
    choices: g.list?.split("|"),
  };
}

/**
 * Validates options as the Supervisor does when it writes /data/options.json
 * (supervisor/apps/options.py AppOptions): unknown keys dropped, `null` refused, a missing key
 * allowed only for a `?` element, dicts never optional. Returns the cleaned options and the
 * problems, in the Supervisor's words.
 */
export function validateLikeSupervisor(
  schema: Record<string, SupervisorElement>,
  options: Record<string, unknown>,
): { options: Record<string, unknown>; problems: string[] } {
  const problems: string[] = [];

  const single = (el: string, value: unknown, key: string): unknown => {
    if (value === null || value === undefined) {
      problems.push(`Missing required option '${key}'`);
      return value;
    }
    const p = parseElement(el);
    if (!p) {
      problems.push(`Unknown type '${el}'`);
      return value;
    }
    const inRange = (n: number) => (p.min === undefined || n >= p.min) && (p.max === undefined || n <= p.max);
    const bad = () => problems.push(`'${key}': ${JSON.stringify(value)} is not a valid ${el}`);
    switch (p.base) {
      case "str":
      case "password":
        if (typeof value !== "string" || !inRange(value.length)) bad();
        return value;
      case "int":
      case "port": {
        const n = Number(value);
        const ok = Number.isInteger(n) && (p.base === "port" ? n >= 1 && n <= 65535 : inRange(n));
        if (!ok) bad();
        return n;
      }
      case "float": {
        const n = Number(value);
        if (Number.isNaN(n) || !inRange(n)) bad();
        return n;
      }
      case "bool":
        if (typeof value !== "boolean") bad();
        return value;
      case "match":
        // voluptuous Match is Python's re.match: anchored at the start only.
        if (!new RegExp(`^(?:${p.match})`).test(String(value))) bad();
        return String(value);
      case "list":
        if (!p.choices?.includes(String(value))) bad();
        return String(value);
      case "url":
        if (!/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(String(value))) bad();
        return value;
      default:
        problems.push(`'${key}': type '${el}' is not checked here`);
        return value;
    }
  };

  const element = (el: SupervisorElement, value: unknown, key: string): unknown => {
    if (Array.isArray(el)) {
      if (!Array.isArray(value)) {
        problems.push(`Invalid list for option '${key}'`);
        return value;
      }
      return value.map((v) => element(el[0] as SupervisorElement, v, key));
    }
    if (typeof el === "object") return dict(el, value, key);
    return single(el, value, key);
  };

  const dict = (schemaDict: Record<string, SupervisorElement>, value: unknown, key: string) => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      problems.push(`Invalid dict for option '${key}'`);
      return value;
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const el = schemaDict[k];
      if (el === undefined) continue; // the Supervisor drops unknown options with a warning
      out[k] = element(el, v, k);
    }
    for (const [k, el] of Object.entries(schemaDict)) {
      if (k in out) continue;
      const first = Array.isArray(el) ? el[0] : el;
      if (typeof first === "string" && first.endsWith("?")) continue;
      problems.push(`Missing option '${k}' in ${key}`);
    }
    return out;
  };

  return { options: dict(schema, options, "root") as Record<string, unknown>, problems };
}
