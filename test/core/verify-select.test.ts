import { describe, expect, it } from "vitest";
import { selectArchives, type VerifySelection } from "../../src/core/verify-select.js";

const a = (vmid: number) => ({ vmid, volid: `nas:backup/vzdump-qemu-${vmid}.vma.zst` });
const base = {
  archives: [a(100), a(101), a(102), a(200)],
  // 200 was deleted; its archive stays. 105 has no archive.
  guests: [100, 101, 102, 105],
  tiers: [
    { name: "P0", guests: [100, 102] },
    { name: "P3", guests: [] },
    { name: "P4", guests: [105] },
  ],
  cluster: "home",
  storage: "nas",
};

describe("selectArchives", () => {
  it.each<[string, VerifySelection, number[] | string, Partial<typeof base>?]>([
    ["every guest with an archive when nothing is named", {}, [100, 101, 102, 200]],
    ["every guest with an archive for an empty vmid list", { vmids: [] }, [100, 101, 102, 200]],
    ["no archive at all", {}, "no guest has an archive on nas to verify", { archives: [] }],
    ["one vmid", { vmids: [101] }, [101]],
    ["a deleted guest whose archive remains", { vmids: [200] }, [200]],
    ["a tier, case-insensitive", { tier: "p0" }, [100, 102]],
    ["a tier and a vmid", { tier: "P0", vmids: [101] }, [100, 101, 102]],
    ["an unknown tier", { tier: "P9" }, "'P9' is not a tier (tiers: P0, P3, P4)"],
    [
      "an unknown tier with none configured",
      { tier: "P9" },
      "'P9' is not a tier (tiers: none)",
      { tiers: [] },
    ],
    ["an empty tier", { tier: "P3" }, "tier P3 has no guests"],
    [
      "a tier whose guests have no archive",
      { tier: "P4" },
      "tier P4's guests have no archive on nas to verify",
    ],
    ["a vmid that names no guest", { vmids: [99999] }, "guest 99999 does not exist on cluster home"],
    ["vmids that name no guest", { vmids: [998, 999] }, "guests 998, 999 do not exist on cluster home"],
    ["a guest without an archive", { vmids: [105] }, "guest 105 has no archive on nas to verify"],
    [
      "guests without archives",
      { vmids: [105, 106] },
      "guests 105, 106 have no archive on nas to verify",
      { guests: [105, 106] },
    ],
    [
      "any vmid when the guests are not known",
      { vmids: [99999] },
      "guest 99999 has no archive on nas to verify",
      { guests: undefined },
    ],
  ])("%s", (_name, sel, expected, over) => {
    const r = selectArchives({ ...base, ...over }, sel);
    if (typeof expected === "string") expect(r).toEqual({ kind: "error", message: expected });
    else expect(r.kind === "ok" ? r.targets.map((t) => t.vmid) : r).toEqual(expected);
  });
});
