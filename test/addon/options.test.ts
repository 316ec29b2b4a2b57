import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { OptionsSchema, parseOptions } from "../../src/config/schema.js";
import {
  type Kind,
  parseElement,
  type SupervisorElement,
  supervisorOptions,
  validateLikeSupervisor,
  zodOptions,
} from "./option-tree.js";

/**
 * One source of truth for the add-on options, kept in four places: the zod schema (what the
 * service accepts), config.yaml (what the Supervisor's UI offers and writes), translations/en.yaml
 * (the UI's labels) and DOCS.md (one `### Option:` section each). Adding an option means adding it
 * to all four; this test names whichever is missing or disagrees. Nothing here lists the options.
 */

const addon = join(import.meta.dirname, "../../addon");
const config = parseYaml(readFileSync(join(addon, "config.yaml"), "utf8")) as {
  options: Record<string, unknown>;
  schema: Record<string, SupervisorElement>;
};
const translations = parseYaml(readFileSync(join(addon, "translations/en.yaml"), "utf8")) as {
  configuration: Record<string, Translation>;
};
const docs = readFileSync(join(addon, "DOCS.md"), "utf8");

interface Translation {
  name?: string;
  description?: string;
  fields?: Record<string, Translation>;
}

// biome-ignore lint/suspicious/noExplicitAny: zod's internals are read through a structural type.
const zod = zodOptions(OptionsSchema as any);
const sup = supervisorOptions(config.schema);

/** Supervisor elements that carry each zod kind. */
const ELEMENTS_FOR: Record<Kind, readonly string[]> = {
  string: ["str", "password", "match", "url", "email", "list"],
  int: ["int", "port"],
  number: ["float", "int", "port"],
  boolean: ["bool"],
  array: ["list"],
  object: ["dict"],
};

function translationAt(path: string): Translation | undefined {
  const [first, ...rest] = path.split(".");
  let t: Translation | undefined = translations.configuration[first as string];
  for (const key of rest) t = t?.fields?.[key];
  return t;
}

function translationPaths(node: Record<string, Translation>, prefix = ""): string[] {
  return Object.entries(node).flatMap(([k, t]) => {
    const path = prefix ? `${prefix}.${k}` : k;
    return [path, ...(t.fields ? translationPaths(t.fields, path) : [])];
  });
}

/** `### Option: \`path\`` sections of DOCS.md, each with its text up to the next heading. */
function docSections(): Map<string, string> {
  const out = new Map<string, string>();
  const re = /^### Option: `([^`]+)`\n([\s\S]*?)(?=^#{1,3} |(?![\s\S]))/gm;
  for (const m of docs.matchAll(re)) out.set(m[1] as string, m[2] as string);
  return out;
}
const sections = docSections();

const paths = [...zod.keys()];

describe("the add-on options are the same in zod, config.yaml, translations and DOCS.md", () => {
  it("config.yaml's schema has exactly the options the service accepts", () => {
    expect([...sup.keys()].sort()).toEqual([...paths].sort());
  });

  it("translations/en.yaml names exactly those options", () => {
    expect(translationPaths(translations.configuration).sort()).toEqual([...paths].sort());
  });

  it("DOCS.md has one '### Option:' section for exactly those options", () => {
    expect([...sections.keys()].sort()).toEqual([...paths].sort());
  });

  it.each(paths)("%s: the Supervisor's type carries zod's", (path) => {
    const z = zod.get(path);
    const s = sup.get(path);
    expect(s, `${path} is missing in config.yaml schema`).toBeDefined();
    if (!z || !s) return;
    const base = s.element === "list" || s.element === "dict" ? s.element : parseElement(s.element)?.base;
    expect(base, `${path}: '${s.element}' is not a Supervisor schema element`).toBeDefined();
    expect(ELEMENTS_FOR[z.kind], `${path}: zod ${z.kind} vs Supervisor '${s.element}'`).toContain(base);
    if (z.kind === "array" && z.element !== "object") {
      expect(s.item, `${path}: zod lists ${z.element}s`).toBeDefined();
      const item = parseElement(s.item as string);
      expect(ELEMENTS_FOR[z.element as Kind]).toContain(item?.base);
    }
    if ((z.kind === "int" || z.kind === "number") && base !== "port") {
      const p = parseElement(s.element);
      // The UI must not accept what the service refuses at start.
      if (z.min !== undefined) expect(p?.min, `${path}: min`).toBeGreaterThanOrEqual(z.min);
      if (z.max !== undefined && Number.isFinite(z.max) && z.max < Number.MAX_SAFE_INTEGER)
        expect(p?.max, `${path}: max`).toBeLessThanOrEqual(z.max);
    }
  });

  it.each(paths)("%s: required, optional and default agree", (path) => {
    const z = zod.get(path);
    const s = sup.get(path);
    if (!z || !s) return;
    const top = !path.includes(".");
    const inOptions = top && path in config.options;
    if (s.element === "dict") {
      // The Supervisor never treats a dict as optional: it must be in options, and then every
      // field the service needs must be there too.
      expect(inOptions, `${path}: a dict must have a default in options`).toBe(true);
      return;
    }
    if (!z.omittable) {
      expect(s.optional, `${path}: the service needs it, so it must not be optional ('?')`).toBe(false);
    }
    if (z.default !== undefined && inOptions) {
      expect(config.options[path], `${path}: the default in config.yaml options`).toEqual(z.default);
    }
    if (z.omittable && !inOptions) {
      expect(s.optional, `${path}: without a default in options it must be optional ('?')`).toBe(true);
    }
    if (!z.omittable && top) {
      expect(inOptions, `${path}: required, so it must be in options (the user fills it in)`).toBe(true);
    }
  });

  it.each(paths)("%s: DOCS.md states zod's default, or none", (path) => {
    const z = zod.get(path);
    const text = sections.get(path);
    expect(text, `DOCS.md lacks '### Option: \`${path}\`'`).toBeDefined();
    const m = /^Default: `([^`]*)`$/m.exec(text ?? "");
    if (z?.default === undefined) expect(m, `${path} has no default in the service`).toBeNull();
    else {
      expect(m, `${path}: DOCS.md must say 'Default: \`${JSON.stringify(z.default)}\`'`).not.toBeNull();
      expect(parseYaml(m?.[1] ?? "")).toEqual(z.default);
    }
  });

  it.each(paths)("%s: has a name and a description in translations/en.yaml", (path) => {
    const t = translationAt(path);
    expect(
      t?.name,
      `translations/en.yaml: configuration.${path.split(".").join(".fields.")}.name`,
    ).toBeTruthy();
    expect(t?.description, `${path}: description`).toBeTruthy();
  });

  it("asks for every secret as a password, so the UI masks it", () => {
    const secrets = paths.filter((p) => /secret|password/.test(p.split(".").at(-1) as string));
    expect(secrets.length).toBeGreaterThan(0);
    for (const p of secrets) expect(parseElement(sup.get(p)?.element ?? "")?.base, p).toBe("password");
  });

  it("nests no deeper than Supervisors before 2025 validate (no dict in a nested dict, no list in a list)", () => {
    for (const [path, s] of sup) {
      if (s.element === "dict") expect(s.depth, `${path}: a dict below the root`).toBe(0);
    }
  });
});

describe("what the Supervisor writes, the service accepts", () => {
  const cluster = {
    name: "home",
    url: "https://192.168.1.10:8006",
    token_id: "pve-backup@pve!addon",
    token_secret: "6f1e0c52-1a0b-4c1d-9e2f-3a4b5c6d7e8f",
  };

  it("starts from the defaults in config.yaml once one cluster is filled in", () => {
    const written = validateLikeSupervisor(config.schema, { ...config.options, clusters: [cluster] });
    expect(written.problems).toEqual([]);
    expect(() => parseOptions(written.options, { defaultTimeZone: "UTC" })).not.toThrow();
  });

  it("refuses to start on the untouched defaults, saying a cluster is needed", () => {
    const written = validateLikeSupervisor(config.schema, config.options);
    expect(written.problems).toEqual([]);
    expect(() => parseOptions(written.options, { defaultTimeZone: "UTC" })).toThrow(
      /clusters: add at least one/,
    );
  });

  it("accepts the example in DOCS.md in both", () => {
    const example = /## Configuration[\s\S]*?```yaml\n([\s\S]*?)```/.exec(docs)?.[1];
    expect(example).toBeDefined();
    const written = validateLikeSupervisor(config.schema, {
      ...config.options,
      ...(parseYaml(example as string) as Record<string, unknown>),
    });
    expect(written.problems).toEqual([]);
    const parsed = parseOptions(written.options, { defaultTimeZone: "UTC" });
    expect(parsed.tiers.map((t) => t.name)).toEqual(["P0", "P2"]);
  });

  it.each([
    ["a token id without a token name", { token_id: "pve-backup@pve" }],
    ["a URL with a path", { url: "https://192.168.1.10:8006/api2/json" }],
    ["a cluster name with a space", { name: "my lab" }],
  ])("the UI already refuses %s, as the service would", (_what, over) => {
    const options = { ...config.options, clusters: [{ ...cluster, ...over }] };
    expect(validateLikeSupervisor(config.schema, options).problems).not.toEqual([]);
    expect(() => parseOptions(options, { defaultTimeZone: "UTC" })).toThrow();
  });
});
