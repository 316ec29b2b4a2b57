import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { OptionsSchema } from "../../src/config/schema.js";

/** config.yaml, repository.yaml, translations and the images, against the Supervisor's rules. */

const root = join(import.meta.dirname, "../..");
const addon = join(root, "addon");
const readYaml = (path: string) => parseYaml(readFileSync(path, "utf8")) as Record<string, unknown>;
const config = readYaml(join(addon, "config.yaml")) as Record<string, unknown> & {
  version: string;
  slug: string;
  arch: string[];
  map: { type: string; read_only?: boolean }[];
  ports: Record<string, number | null>;
  watchdog: string;
  discovery: string[];
  homeassistant: string;
  hassio_role: string;
  init?: boolean;
};
const supervisorSchema = JSON.parse(
  readFileSync(join(import.meta.dirname, "supervisor-config.schema.json"), "utf8"),
);
const validate = new Ajv({ allErrors: true, strict: true }).compile(supervisorSchema);
const problems = (doc: unknown) =>
  validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}`);

const packageJson = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
const manifest = JSON.parse(
  readFileSync(join(root, "custom_components/pve_backup/manifest.json"), "utf8"),
) as {
  domain: string;
};
const hacs = JSON.parse(readFileSync(join(root, "hacs.json"), "utf8")) as { homeassistant: string };
// biome-ignore lint/suspicious/noExplicitAny: zod's defaults are read through its definition.
const zodDefault = (key: string) => (OptionsSchema.shape as any)[key]?.def?.defaultValue;

describe("addon/config.yaml", () => {
  it("passes the Supervisor's rules", () => {
    expect(problems(config)).toEqual([]);
  });

  it.each([
    ["a slug with a space", { slug: "pve backup" }],
    ["an unknown role", { hassio_role: "root" }],
    ["a port key that is not a port", { ports: { web: 8098 } }],
    ["a watchdog without [HOST]", { watchdog: "tcp://127.0.0.1:8099" }],
    ["a stop timeout over 300 s", { timeout: 600 }],
    ["a schema element the Supervisor does not know", { schema: { x: "integer" } }],
    ["a list in a list", { schema: { x: [["int"]] } }],
    ["a typo in a key", { hassio_roles: "manager" }],
    ["a missing arch", { arch: undefined }],
  ])("the rules refuse %s", (_what, over) => {
    expect(problems({ ...config, ...over }).length).toBeGreaterThan(0);
  });

  it("has the version of package.json", () => {
    expect(config.version).toBe(packageJson.version);
  });

  it("is the add-on of the integration's domain, and may announce it", () => {
    expect(config.slug).toBe("pve_backup");
    expect(config.slug).toBe(manifest.domain);
    expect(config.discovery).toEqual([manifest.domain]);
  });

  it("builds only for the architectures current Supervisors support", () => {
    expect([...config.arch].sort()).toEqual(["aarch64", "amd64"]);
  });

  // Home Assistant reads no minimum version from an integration's manifest.json; HACS reads hacs.json.
  it("needs the same Home Assistant as the integration", () => {
    expect(config.homeassistant).toBe(hacs.homeassistant);
  });

  it("uses map names every Supervisor since 2023.11 knows (app_* names fail before 2026.07.1)", () => {
    for (const m of config.map) expect(["app_config", "all_app_configs", "local_apps"]).not.toContain(m.type);
  });

  it("maps Home Assistant's config folder writable, for install_integration", () => {
    expect(config.map).toContainEqual({ type: "homeassistant_config", read_only: false });
  });

  it("serves ingress and the watchdog on the service's API port", () => {
    const ingressPort = (config.ingress_port as number | undefined) ?? 8099;
    expect(config.ingress).toBe(true);
    expect(ingressPort).toBe(zodDefault("api_port"));
    expect(config.watchdog).toBe(`tcp://[HOST]:[PORT:${ingressPort}]`);
  });

  it("offers the webhook listener's port, off until the user gives it a host port", () => {
    expect(zodDefault("webhook_port"), "src/config/schema.ts: webhook_port, default 8098").toBeDefined();
    expect(config.ports).toEqual({ [`${zodDefault("webhook_port")}/tcp`]: null });
  });

  it("keeps Docker's init, so signals reach node and its exit stops the container", () => {
    expect(config.init).not.toBe(false);
  });

  it("is the only config.yaml in the add-on folder (the Supervisor searches recursively)", () => {
    const found: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (/^config\.(ya?ml|json)$/.test(name)) found.push(relative(addon, p));
      }
    };
    walk(addon);
    expect(found).toEqual(["config.yaml"]);
  });
});

describe("addon/translations/en.yaml", () => {
  const translations = readYaml(join(addon, "translations/en.yaml")) as {
    configuration: Record<string, unknown>;
    network: Record<string, string>;
  };
  const entry = {
    $id: "entry",
    type: "object",
    required: ["name"],
    additionalProperties: false,
    properties: {
      name: { type: "string", minLength: 1 },
      description: { type: ["string", "null"] },
      fields: { type: "object", additionalProperties: { $ref: "entry" } },
    },
  };
  const validateTranslations = new Ajv({ strict: true }).compile({
    type: "object",
    additionalProperties: false,
    properties: {
      configuration: { type: "object", additionalProperties: entry },
      network: { type: "object", additionalProperties: { type: "string" } },
    },
  });

  it("has the Supervisor's shape (SCHEMA_APP_TRANSLATIONS)", () => {
    expect(validateTranslations(translations), JSON.stringify(validateTranslations.errors)).toBe(true);
  });

  it("describes every port config.yaml exposes", () => {
    expect(Object.keys(translations.network).sort()).toEqual(Object.keys(config.ports).sort());
  });
});

describe("repository.yaml", () => {
  it("names the repository and points at it", () => {
    const repo = readYaml(join(root, "repository.yaml"));
    expect(repo.name).toBeTruthy();
    expect(repo.url).toBe(config.url);
  });
});

/** Width and height from a PNG's IHDR chunk. */
function pngSize(path: string): { width: number; height: number } {
  const b = readFileSync(path);
  expect(b.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(b.subarray(12, 16).toString("ascii")).toBe("IHDR");
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

describe("the store images", () => {
  it("has a square 128×128 icon.png", () => {
    expect(pngSize(join(addon, "icon.png"))).toEqual({ width: 128, height: 128 });
  });

  it("has a logo.png of about 250×100", () => {
    expect(pngSize(join(addon, "logo.png"))).toEqual({ width: 250, height: 100 });
  });
});

describe("the install instructions", () => {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const docs = readFileSync(join(addon, "DOCS.md"), "utf8");
  const pveum = (text: string) => text.split("\n").filter((l) => l.startsWith("pveum "));

  it("give the same pveum lines in README and DOCS.md", () => {
    expect(pveum(docs).length).toBeGreaterThan(0);
    expect(pveum(docs)).toEqual(pveum(readme));
  });

  it("point users at the repository that repository.yaml describes", () => {
    const url = readYaml(join(root, "repository.yaml")).url as string;
    expect(readme).toContain(`paste \`${url}\``);
    expect(docs).toContain(`add \`${url}\``);
  });
});
