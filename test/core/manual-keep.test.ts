import { describe, expect, it } from "vitest";
import {
  isManualArchive,
  type KeptArchive,
  MANUAL_NOTES_TEMPLATE,
  planRelease,
  type ReleaseInput,
} from "../../src/core/manual-keep.js";

/** Archives of guest 102 on 'nas', one a day: `m` manual and protected by us, `p` protected by hand, `-` neither. */
function archives(pattern: string): KeptArchive[] {
  return [...pattern].map((kind, i) => ({
    volid: `nas:backup/vzdump-qemu-102-2026_02_${String(i + 1).padStart(2, "0")}-03_00_05.vma.zst`,
    timeMs: Date.UTC(2026, 1, i + 1, 3),
    protected: kind !== "-",
    notes: kind === "m" ? "vaultwarden: manual backup (PVE Backup)" : "vaultwarden",
  }));
}
const day = (volid: string) => Number(/2026_02_(\d\d)/.exec(volid)?.[1]);
const base = { guest: "102 (vaultwarden)", storage: "nas" };

describe("planRelease", () => {
  const cases: { name: string; pattern: string; keep: number; limit: number | null; release: number[] }[] = [
    { name: "nothing to release below keep", pattern: "--m-m", keep: 3, limit: 5, release: [] },
    { name: "the oldest manual beyond keep - 1", pattern: "m-m-m", keep: 3, limit: null, release: [1] },
    { name: "keep 1: every manual archive goes", pattern: "mm-m", keep: 1, limit: null, release: [1, 2, 4] },
    { name: "hand-protected never released", pattern: "pmpm-m", keep: 2, limit: null, release: [2, 4] },
    { name: "the limit releases more than keep", pattern: "ppmmm", keep: 3, limit: 4, release: [3, 4] },
    { name: "at the limit with room after trimming", pattern: "pppmm", keep: 2, limit: 5, release: [4] },
    { name: "unprotected archives do not count", pattern: "-----m", keep: 3, limit: 1, release: [6] },
    { name: "no archives at all", pattern: "", keep: 3, limit: 5, release: [] },
  ];
  it.each(cases)("$name", ({ pattern, keep, limit, release }) => {
    const plan = planRelease({ ...base, archives: archives(pattern), keep, limit });
    expect(plan.ok).toBe(true);
    if (plan.ok) expect(plan.release.map(day)).toEqual(release);
  });

  it("refuses when archives protected by hand fill the limit, and says how to make room", () => {
    const plan = planRelease({ ...base, archives: archives("pppppm"), keep: 3, limit: 5 });
    expect(plan).toEqual({
      ok: false,
      error:
        "guest 102 (vaultwarden) has 6 protected archives on 'nas' and PVE allows 5 (the storage's max-protected-backups); " +
        "5 of them were protected outside PVE Backup and stay so. Lift the protection of one in PVE " +
        "(Datacenter → Storage → Backups → Change Protection) or raise max-protected-backups on the storage",
    });
  });

  it("speaks of one archive in the singular", () => {
    const input: ReleaseInput = { ...base, archives: archives("p"), keep: 3, limit: 1 };
    const plan = planRelease(input);
    expect(plan.ok ? "" : plan.error).toContain("has 1 protected archive on 'nas' and PVE allows 1");
    expect(plan.ok ? "" : plan.error).toContain("1 of them was protected outside");
  });

  it("orders archives of the same time by volid, newest name kept", () => {
    const twins: KeptArchive[] = ["a", "b"].map((s) => ({
      volid: `nas:backup/${s}`,
      timeMs: 1,
      protected: true,
      notes: "x: manual backup (PVE Backup)",
    }));
    expect(planRelease({ ...base, archives: twins, keep: 2, limit: null })).toEqual({
      ok: true,
      release: ["nas:backup/a"],
    });
    expect(planRelease({ ...base, archives: [...twins].reverse(), keep: 2, limit: null })).toEqual({
      ok: true,
      release: ["nas:backup/a"],
    });
  });
});

describe("manual archive notes", () => {
  it("tells archives made by a manual backup from others by the end of their notes", () => {
    expect(MANUAL_NOTES_TEMPLATE).toBe("{{guestname}}: manual backup (PVE Backup)");
    expect(isManualArchive("vaultwarden: manual backup (PVE Backup)")).toBe(true);
    expect(isManualArchive("manual backup (PVE Backup)")).toBe(false);
    expect(isManualArchive("vaultwarden")).toBe(false);
    expect(isManualArchive(undefined)).toBe(false);
  });
});
