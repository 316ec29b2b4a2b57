import { describe, expect, it } from "vitest";
import { normaliseFingerprint, type Options, parseOptions } from "../../src/config/schema.js";
import { ConfigError } from "../../src/errors.js";

const SECRET = "5D1C6A0E-8F3B-4C2A-9E71-2B8D4F6A9C10";
const FP = "ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89";
const env = { defaultTimeZone: "Europe/Berlin" };

const good = (): Options => ({
  clusters: [
    {
      name: "home",
      url: "https://10.0.0.5:8006/",
      token_id: "pve-backup@pve!addon",
      token_secret: SECRET,
      fingerprint: FP,
    },
  ],
  storage: "nas-backups",
  tiers: [
    { name: "P0", schedule: "03:00", keep_last: 3, guests: [100, 102], grace_min: 30 },
    { name: "P2", schedule: "sun 04:00", keep_last: 3, guests: [103] },
  ],
});

function problems(raw: unknown): string[] {
  try {
    parseOptions(raw, env);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  throw new Error("options were accepted");
}

describe("parseOptions", () => {
  it("maps the add-on options to a frozen camelCase config with defaults", () => {
    const c = parseOptions(good(), env);
    expect(c).toMatchObject({
      clusters: [
        {
          name: "home",
          baseUrl: "https://10.0.0.5:8006",
          tokenId: "pve-backup@pve!addon",
          tokenSecret: SECRET.toLowerCase(),
          fingerprint: FP.toUpperCase(),
          verifyTls: true,
        },
      ],
      storage: "nas-backups",
      tiers: [
        { name: "P0", schedule: "03:00", keepLast: 3, guests: [100, 102], graceMin: 30 },
        { name: "P2", keepLast: 3, graceMin: 60 },
      ],
      graceMin: 60,
      timeZone: "Europe/Berlin",
      refreshIntervalMs: 60_000,
      requestTimeoutMs: 20_000,
    });
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.clusters[0])).toBe(true);
  });

  it("needs nothing but a cluster", () => {
    const c = parseOptions({ clusters: good().clusters }, env);
    expect(c.tiers).toEqual([]);
    expect(c.storage).toBeUndefined();
  });

  it.each<[string, (o: Options) => unknown, string]>([
    ["no clusters", (o) => ({ ...o, clusters: [] }), "clusters: add at least one Proxmox VE cluster"],
    [
      "missing clusters",
      () => ({}),
      'clusters: missing; add the Proxmox VE cluster(s) to watch: "clusters": [{"name": "home", "url": "https://192.168.1.10:8006", "token_id": "pve-backup@pve!addon", "token_secret": "<the UUID PVE showed>"}]',
    ],
    [
      "a missing token id",
      (o) => ({ ...o, clusters: [{ ...o.clusters[0], token_id: undefined }] }),
      'clusters.0.token_id: missing; add the API token id, e.g. "token_id": "pve-backup@pve!addon"',
    ],
    [
      "a list where an object belongs",
      (o) => ({ ...o, push: ["http://x"] }),
      "push: must be an object { … }, not a list",
    ],
    ["text for a number", (o) => ({ ...o, grace_min: "60" }), "grace_min: must be a number, not text"],
    ["a port out of range", (o) => ({ ...o, webhook_port: 70000 }), "webhook_port: must be at most 65535"],
    [
      "a typo in a cluster key",
      (o) => ({ ...o, clusters: [{ ...o.clusters[0], tokn_id: "x" }] }),
      "clusters.0.tokn_id: unknown option; did you mean token_id?",
    ],
    [
      "a typo in a top-level key",
      (o) => ({ ...o, refresh_intervall_s: 30 }),
      "refresh_intervall_s: unknown option; did you mean refresh_interval_s?",
    ],
    [
      "a typo in a tier key",
      (o) => ({ ...o, tiers: [{ ...o.tiers?.[0], keeplast: 3 }] }),
      "tiers.0.keeplast: unknown option; did you mean keep_last?",
    ],
    [
      "an unknown key like nothing valid",
      (o) => ({
        ...o,
        push: { url: "http://10.0.0.2:8098/api/pve-webhook", secret: "x".repeat(16), zzz: 1 },
      }),
      "push.zzz: unknown option; the options here are url, secret",
    ],
    [
      "user and password in a cluster URL",
      (o) => ({ ...o, clusters: [{ ...o.clusters[0], url: "https://root:hunter2@10.0.0.5:8006" }] }),
      "clusters.0.url: must not carry a user name or password (user:pass@): remove them; the API token is what authenticates",
    ],
    [
      "user and password in the push URL",
      (o) => ({ ...o, push: { url: "http://u:p@10.0.0.2:8098/api/pve-webhook", secret: "x".repeat(16) } }),
      "push.url: must not carry a user name or password (user:pass@): remove them",
    ],
    [
      "an http:// cluster URL",
      (o) => ({ ...o, clusters: [{ ...o.clusters[0], url: "http://10.0.0.5:8006" }] }),
      "clusters.0.url: PVE serves its API over HTTPS only: write https://, like https://192.168.1.10:8006",
    ],
    [
      "a URL without scheme",
      (o) => ({ ...o, clusters: [{ ...o.clusters[0], url: "10.0.0.5:8006" }] }),
      "clusters.0.url: must be the base URL of the PVE API, like https://192.168.1.10:8006",
    ],
    [
      "a bad token id",
      (o) => ({ ...o, clusters: [{ ...o.clusters[0], token_id: "root@pam" }] }),
      "clusters.0.token_id: must look like user@realm!tokenname, e.g. pve-backup@pve!addon",
    ],
    [
      "a bad secret",
      (o) => ({ ...o, clusters: [{ ...o.clusters[0], token_secret: "hunter2-not-a-uuid" }] }),
      "clusters.0.token_secret: must be the token secret PVE showed at creation (a UUID)",
    ],
    [
      "a short fingerprint",
      (o) => ({ ...o, clusters: [{ ...o.clusters[0], fingerprint: "AB:CD" }] }),
      "clusters.0.fingerprint: must be the SHA-256 fingerprint of the PVE certificate, AB:CD:… (32 bytes)",
    ],
    [
      "keep_last 0",
      (o) => ({ ...o, tiers: [{ ...o.tiers?.[0], keep_last: 0 }] }),
      "tiers.0.keep_last: must be at least 1",
    ],
    [
      "a vmid below 100",
      (o) => ({ ...o, tiers: [{ ...o.tiers?.[0], guests: [99] }] }),
      "tiers.0.guests.0: must be a vmid (100 or more)",
    ],
    [
      "duplicate tier names",
      (o) => ({ ...o, tiers: [o.tiers?.[0], { ...o.tiers?.[1], name: "P0" }] }),
      "tiers.1.name: duplicate tier name 'P0'",
    ],
    [
      "a guest in two tiers",
      (o) => ({ ...o, tiers: [o.tiers?.[0], { ...o.tiers?.[1], guests: [102] }] }),
      "tiers.1.guests: guest 102 is already in tier 'P0'; a guest belongs to one tier",
    ],
    [
      "duplicate cluster names",
      (o) => ({ ...o, clusters: [o.clusters[0], o.clusters[0]] }),
      "clusters.1.name: duplicate cluster name 'home'",
    ],
    [
      "an unknown time zone",
      (o) => ({ ...o, timezone: "Mars/Olympus" }),
      "timezone: must be an IANA time zone like Europe/Berlin (the PVE nodes' zone)",
    ],
    [
      "a storage id with spaces",
      (o) => ({ ...o, storage: "my nas" }),
      "storage: must be a PVE storage id, e.g. nas-backups",
    ],
    [
      "a too short refresh",
      (o) => ({ ...o, refresh_interval_s: 1 }),
      "refresh_interval_s: must be at least 5 seconds",
    ],
  ])("rejects %s with one path: message line", (_name, mutate, line) => {
    expect(problems(mutate(good()))).toContain(line);
  });

  it("lists every problem at once", () => {
    const raw = {
      clusters: [{ name: "bad name!", url: "x", token_id: "x", token_secret: "x" }],
      tiers: [{ name: "", schedule: "", keep_last: 0, guests: [] }],
    };
    expect(problems(raw).length).toBeGreaterThanOrEqual(7);
  });

  it("says nothing else about a URL with a password in it", () => {
    const raw = { clusters: [{ ...good().clusters[0], url: "https://root:hunter2@10.0.0.5:8006" }] };
    expect(problems(raw)).toHaveLength(1);
    expect(problems(raw).join("\n")).not.toContain("hunter2");
  });

  it("does not quote an unknown key that looks like a token secret", () => {
    const raw = { ...good(), [SECRET]: true };
    expect(problems(raw)).toEqual(["(options): an unknown option whose name looks like a token secret"]);
  });

  it("opens PVE's webhook on 8098 by default", () => {
    expect(parseOptions(good(), env).webhookPort).toBe(8098);
  });

  it("never repeats the token secret in an error", () => {
    const leaky = "s3cr3t-value-that-must-not-leak";
    const raw = { clusters: [{ ...good().clusters[0], token_secret: leaky, url: "nope" }] };
    const err = (() => {
      try {
        parseOptions(raw, env);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err?.message).not.toContain(leaky);
    expect(err?.message).toContain("clusters.0.token_secret");
  });
});

describe("normaliseFingerprint", () => {
  it.each([
    ["abcd".repeat(16), `${"AB:CD:".repeat(15)}AB:CD`],
    [FP, FP.toUpperCase()],
  ])("%s", (input, output) => {
    expect(normaliseFingerprint(input)).toBe(output);
  });
});
