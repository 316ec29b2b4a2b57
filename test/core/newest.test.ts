import { describe, expect, it } from "vitest";
import type { Archive } from "../../src/core/model.js";
import { isNewer, NewestArchives } from "../../src/core/newest.js";

const archive = (vmid: number, type: Archive["type"], time: string, storage = "nas"): Archive => {
  const stamp = time.replace(/[-:]/g, "_").replace("T", "-").slice(0, 19);
  return {
    vmid,
    volid: `${storage}:backup/vzdump-${type}-${vmid}-${stamp}.tar.zst`,
    storage,
    type,
    timeMs: Date.parse(`${time}Z`),
    sizeBytes: 1,
    format: "tar.zst",
    protected: false,
  };
};

describe("NewestArchives", () => {
  it("keeps the newest archive of each vmid and type, whatever the order offered", () => {
    const all = [
      archive(100, "qemu", "2026-03-01T03:00:00"),
      archive(100, "qemu", "2026-03-03T03:00:00"),
      archive(100, "qemu", "2026-03-02T03:00:00"),
      archive(101, "lxc", "2026-03-01T03:00:00"),
      // a reused vmid of another type is another guest
      archive(101, "qemu", "2026-03-05T03:00:00"),
    ];
    for (const order of [all, [...all].reverse()]) {
      const newest = new NewestArchives();
      for (const a of order) newest.offer(a);
      expect(newest.get(100, "qemu")?.timeMs).toBe(Date.parse("2026-03-03T03:00:00Z"));
      expect(newest.get(100, "lxc")).toBeUndefined();
      expect(newest.get(101, "lxc")?.timeMs).toBe(Date.parse("2026-03-01T03:00:00Z"));
      expect(newest.get(101, "qemu")?.timeMs).toBe(Date.parse("2026-03-05T03:00:00Z"));
      expect(newest.values()).toHaveLength(3);
    }
  });

  it("merges per-storage picks into the same pick as one pass over all archives", () => {
    const nas = new NewestArchives();
    const local = new NewestArchives();
    nas.offer(archive(100, "qemu", "2026-03-02T03:00:00", "nas"));
    local.offer(archive(100, "qemu", "2026-03-03T03:00:00", "local"));
    local.offer(archive(102, "qemu", "2026-03-01T03:00:00", "local"));
    nas.merge(local);
    expect(nas.get(100, "qemu")?.storage).toBe("local");
    expect(nas.get(102, "qemu")?.storage).toBe("local");
  });

  it("breaks a tie of the same second by volid, so the order of listings does not matter", () => {
    const a = archive(100, "qemu", "2026-03-02T03:00:00", "local");
    const b = archive(100, "qemu", "2026-03-02T03:00:00", "nas");
    expect(isNewer(a, b)).toBe(true);
    expect(isNewer(b, a)).toBe(false);
    const one = new NewestArchives();
    one.offer(b);
    one.offer(a);
    const other = new NewestArchives();
    other.offer(a);
    other.offer(b);
    expect(one.get(100, "qemu")).toBe(a);
    expect(other.get(100, "qemu")).toBe(a);
  });
});
