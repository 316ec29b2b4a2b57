import { describe, expect, it } from "vitest";
import type { ClusterConfig } from "../../src/config/schema.js";
import { renderStatusTable } from "../../src/report.js";

const unreachable = [
  {
    cluster: "home",
    reachable: false,
    problems: ["cluster unreachable: self-signed certificate"],
    guests: [],
  },
];
const cluster = (over: Partial<ClusterConfig>): ClusterConfig => ({
  name: "home",
  baseUrl: "https://10.0.0.5:8006",
  tokenId: "pve-backup@pve!addon",
  tokenSecret: "x",
  verifyTls: true,
  ...over,
});

describe("renderStatusTable", () => {
  it("names the time zone of its times", () => {
    expect(renderStatusTable([], "Europe/Berlin").split("\n")[0]).toContain("LAST BACKUP (Europe/Berlin)");
  });

  it.each([
    ["no fingerprint", cluster({}), true],
    ["a fingerprint", cluster({ fingerprint: "AB:CD" }), false],
    ["verification off", cluster({ verifyTls: false }), false],
  ])(
    "under an unreachable cluster with %s, hints at the fingerprint only when there is none",
    (_n, c, hinted) => {
      const text = renderStatusTable(unreachable, "UTC", [c]);
      expect(
        text.includes(
          "hint: PVE's own certificate is self-signed, so unless this machine trusts it, set fingerprint: … as shown by `pvenode cert info` or in the node's Certificates panel",
        ),
      ).toBe(hinted);
    },
  );
});
