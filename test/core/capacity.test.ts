import { describe, expect, it } from "vitest";
import { assessCapacity, type CapacityInput } from "../../src/core/capacity.js";
import type { Archive } from "../../src/core/model.js";

const NOW = Date.parse("2026-02-11T10:00:00Z");
const DAY = 86_400_000;
const GB = 1e9;

const a = (vmid: number, daysAgo: number, sizeBytes: number): Archive => ({
  vmid,
  volid: `nas-backups:backup/vzdump-qemu-${vmid}-${daysAgo}.vma.zst`,
  storage: "nas-backups",
  type: "qemu",
  timeMs: NOW - daysAgo * DAY,
  sizeBytes,
  format: "vma.zst",
  protected: false,
});

const input = (over: Partial<CapacityInput> = {}): CapacityInput => ({
  freeBytes: 1000 * GB,
  totalBytes: 8000 * GB,
  archives: [],
  keepOf: () => 3,
  nowMs: NOW,
  minFreeBytes: 100 * GB,
  warnDays: 30,
  ...over,
});

describe("assessCapacity", () => {
  it("does not forecast a fill when nothing grows", () => {
    const c = assessCapacity(
      input({ archives: [a(100, 2, 10 * GB), a(100, 1, 10 * GB), a(100, 0, 10 * GB)] }),
    );
    expect(c).toMatchObject({
      backupBytes: 30 * GB,
      steadyBytes: 30 * GB,
      growthBytesPerWeek: 0,
      fillMs: null,
      problems: [],
    });
  });

  it("forecasts from the growth of each guest's archives times the copies kept", () => {
    // 1 GB a day more each backup: 7 GB a week a copy, 21 GB a week for three copies.
    const c = assessCapacity(
      input({
        archives: [a(100, 2, 10 * GB), a(100, 1, 11 * GB), a(100, 0, 12 * GB)],
        freeBytes: 210 * GB + 3 * GB,
      }),
    );
    expect(c.growthBytesPerWeek).toBe(21 * GB);
    expect(c.steadyBytes).toBe(36 * GB);
    expect(c.backupBytes).toBe(33 * GB);
    // 3 GB go to retention catching up with today's size, then 210 GB at 21 GB a week: 10 weeks.
    expect(c.fillMs).toBe(NOW + 70 * DAY);
    expect(c.problems).toEqual([]);
  });

  it("reports a fill forecast within the warning days", () => {
    const c = assessCapacity(
      input({
        archives: [a(100, 7, 10 * GB), a(100, 0, 20 * GB)],
        freeBytes: 90 * GB,
        warnDays: 30,
        minFreeBytes: 10 * GB,
      }),
    );
    // 10 GB a week more a copy, three copies: 30 GB go to retention catching up, 60 GB last two weeks.
    expect(c.fillMs).toBe(NOW + 14 * DAY);
    expect(c.problems).toEqual([expect.stringMatching(/fills within 14 days/)]);
  });

  it("reports free space under the threshold, and a share retention alone would fill", () => {
    const c = assessCapacity(input({ archives: [a(100, 0, 60 * GB)], freeBytes: 50 * GB }));
    expect(c.fillMs).toBe(NOW);
    expect(c.problems).toEqual([
      expect.stringMatching(/50\.0 GB free, under the 100\.0 GB set in nas\.min_free_gb/),
      expect.stringMatching(/fills within 0 days/),
    ]);
  });

  it("keeps a guest outside the policy as it is, and ignores points less than a day apart", () => {
    const c = assessCapacity(
      input({ archives: [a(200, 0.5, 5 * GB), a(200, 0, 9 * GB)], keepOf: () => undefined }),
    );
    expect(c).toMatchObject({
      steadyBytes: 18 * GB,
      backupBytes: 14 * GB,
      growthBytesPerWeek: 0,
      fillMs: null,
    });
  });

  it("does not forecast a fill for shrinking archives", () => {
    const c = assessCapacity(input({ archives: [a(100, 2, 12 * GB), a(100, 0, 10 * GB)] }));
    expect(c.growthBytesPerWeek).toBeLessThan(0);
    expect(c.fillMs).toBeNull();
  });
});
