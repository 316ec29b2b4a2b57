import { describe, expect, it } from "vitest";
import { parseOptions } from "../../src/config/schema.js";
import type { ConfigError } from "../../src/errors.js";

const base = {
  clusters: [
    {
      name: "home",
      url: "https://10.0.0.5:8006",
      token_id: "pve-backup@pve!addon",
      token_secret: "5d1c6a0e-8f3b-4c2a-9e71-2b8d4f6a9c10",
    },
  ],
  timezone: "Europe/Berlin",
};
const parse = (nas: unknown) => parseOptions({ ...base, nas }, { defaultTimeZone: "UTC" });
const problems = (nas: unknown) => {
  try {
    parse(nas);
    return [];
  } catch (err) {
    return (err as ConfigError).problems;
  }
};
const FP = `${"ab:".repeat(31)}ab`;

describe("options: nas", () => {
  it("is off when left out or as the Supervisor's empty block", () => {
    expect(parseOptions(base, { defaultTimeZone: "UTC" }).nas).toBeUndefined();
    expect(parse({}).nas).toBeUndefined();
  });

  it("maps a filled block, with defaults and the options' time zone", () => {
    expect(
      parse({ url: "https://10.0.0.150:5001/", username: "pve-backup", password: "pw", fingerprint: FP }).nas,
    ).toEqual({
      baseUrl: "https://10.0.0.150:5001",
      username: "pve-backup",
      password: "pw",
      deviceToken: undefined,
      fingerprint: `${"AB:".repeat(31)}AB`,
      timeZone: "Europe/Berlin",
      minFreeBytes: 100e9,
      fillWarnDays: 30,
      nfsServers: [],
    });
    expect(
      parse({
        url: "https://nas.lan:5001",
        username: "u",
        password: "pw",
        nfs_server: " 10.0.0.150, ,10.1.0.150 ",
      }).nas?.nfsServers,
    ).toEqual(["10.0.0.150", "10.1.0.150"]);
  });

  it.each<[string, unknown, string[]]>([
    [
      "a partial block",
      { url: "https://nas:5001" },
      ["nas.username: needed once nas is filled in", "nas.password: needed once nas is filled in"],
    ],
    [
      "plain HTTP",
      { url: "http://nas:5000", username: "u", password: "p" },
      [
        "nas.url: must be the DSM address over HTTPS, like https://10.0.0.150:5001 (the password travels to it)",
      ],
    ],
    [
      "a password in the URL",
      { url: "https://u:hunter2@nas:5001", username: "u", password: "p" },
      [
        "nas.url: must not carry a user name or password (user:pass@): remove them; username and password are options of their own",
      ],
    ],
    [
      "a short fingerprint",
      { url: "https://nas:5001", username: "u", password: "p", fingerprint: "AB:CD" },
      ["nas.fingerprint: must be the SHA-256 fingerprint of the NAS certificate, AB:CD:… (32 bytes)"],
    ],
    [
      "an unknown zone",
      { url: "https://nas:5001", username: "u", password: "p", timezone: "Mars/Base" },
      [
        "nas.timezone: must be an IANA time zone like Europe/Berlin (the NAS's zone in DSM's Regional Options)",
      ],
    ],
    [
      "a typo",
      { url: "https://nas:5001", username: "u", password: "p", pasword: "x" },
      ["nas.pasword: unknown option; did you mean password?"],
    ],
  ])("refuses %s with a sentence that never repeats a secret", (_, nas, expected) => {
    const got = problems(nas);
    expect(got).toEqual(expected);
    expect(got.join("\n")).not.toMatch(/hunter2/);
  });
});
