import { parse as parseCsv } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import type { Archive } from "../../src/core/model.js";
import {
  buildRegister,
  csvField,
  type GuestExtras,
  guestKey,
  mdCell,
  type RegisterInput,
  renderRegisterCsv,
  renderRegisterMarkdown,
} from "../../src/core/register.js";
import type { GuestReport } from "../../src/core/status.js";

const T0 = Date.parse("2026-02-11T03:00:02Z");
const DAY = 86_400_000;

const guest = (over: Partial<GuestReport> = {}): GuestReport => ({
  cluster: "home",
  vmid: 100,
  name: "homeassistant",
  type: "qemu",
  node: "pve",
  tier: "P0",
  status: "ok",
  lastBackup: {
    timeMs: T0,
    volid: "nas-backups:backup/vzdump-qemu-100-2026_02_11-03_00_02.vma.zst",
    storage: "nas-backups",
    sizeBytes: 3_400_000_000,
    notes: null,
  },
  lastAttempt: null,
  expectedByMs: null,
  reason: "",
  jobs: ["pve-backup-p0"],
  ...over,
});

const archive = (vmid: number, daysAgo: number, sizeBytes: number, prot = false): Archive => ({
  vmid,
  volid: `nas-backups:backup/vzdump-qemu-${vmid}-${daysAgo}.vma.zst`,
  storage: "nas-backups",
  type: "qemu",
  timeMs: T0 - daysAgo * DAY,
  sizeBytes,
  format: "vma.zst",
  protected: prot,
});

const base = (over: Partial<RegisterInput> = {}): RegisterInput => ({
  guests: [guest()],
  jobs: [
    {
      cluster: "home",
      id: "pve-backup-p0",
      enabled: true,
      schedule: "03:00",
      storage: "nas-backups",
      retention: "keep-last=3",
    },
  ],
  tiers: [{ name: "P0", schedule: "03:00", keepLast: 3 }],
  archives: new Map([
    [guestKey("home", 100), [archive(100, 0, 3_400_000_000), archive(100, 1, 3_300_000_000)]],
  ]),
  ...over,
});

const row = (over: Partial<RegisterInput> = {}) => buildRegister(base(over)).guests[0];

describe("buildRegister", () => {
  it("lists a guest with its job, schedule, storage, retention, last ok and copies", () => {
    expect(row()).toEqual({
      cluster: "home",
      vmid: 100,
      name: "homeassistant",
      type: "qemu",
      tier: "P0",
      status: "ok",
      jobs: ["pve-backup-p0"],
      schedule: "03:00",
      storage: "nas-backups",
      retention: "keep-last=3",
      lastOk: "2026-02-11T03:00:02.000Z",
      lastVolid: "nas-backups:backup/vzdump-qemu-100-2026_02_11-03_00_02.vma.zst",
      sizeBytes: 3_400_000_000,
      sizeTrend: "steady",
      sizeTrendPct: 3,
      pveCopies: 2,
      protectedCopies: 0,
      nasCopies: "unknown",
      offNas: "unknown",
      offNasTime: "unknown",
      coverageGaps: [],
      lastVerified: "unknown",
      lastVerifiedResult: "unknown",
      lastTestRestore: "unknown",
      lastTestRestoreResult: "unknown",
    });
  });

  it("keeps rows in cluster then vmid order whatever order the snapshot had", () => {
    const r = buildRegister(
      base({
        guests: [
          guest({ cluster: "lab", vmid: 100 }),
          guest({ vmid: 105 }),
          guest({ vmid: 101 }),
          guest({ cluster: "lab", vmid: 99 }),
          guest({ vmid: 100 }),
        ],
      }),
    );
    expect(r.guests.map((g) => `${g.cluster}/${g.vmid}`)).toEqual([
      "home/100",
      "home/101",
      "home/105",
      "lab/99",
      "lab/100",
    ]);
  });

  it("has no volatile keys unless asked, then the time it was made and each backup's age", () => {
    expect(buildRegister(base())).not.toHaveProperty("generatedAt");
    expect(row()).not.toHaveProperty("ageHours");
    const v = buildRegister(base({ volatileAtMs: T0 + 5 * 3_600_000 + 59_000 }));
    expect(v.generatedAt).toBe("2026-02-11T08:01:01.000Z");
    expect(v.guests[0]?.ageHours).toBe(5);
    expect(
      buildRegister(base({ volatileAtMs: T0, guests: [guest({ lastBackup: null })] })).guests[0]?.ageHours,
    ).toBeNull();
  });

  it.each([
    ["growing", [archive(100, 0, 1200), archive(100, 1, 1100), archive(100, 2, 1000)], 20],
    ["shrinking", [archive(100, 1, 1000), archive(100, 0, 900)], -10],
    ["steady", [archive(100, 0, 1040), archive(100, 9, 1000)], 4],
    // Only the last five count: the sixth, much smaller, is left out.
    ["steady", [0, 1, 2, 3, 4].map((d) => archive(100, d, 1000)).concat(archive(100, 5, 10)), 0],
    ["unknown", [archive(100, 0, 1000)], null],
    ["unknown", [archive(100, 0, 1000), archive(100, 1, 0)], null],
    ["unknown", [], null],
  ] as const)("calls the size trend %s", (trend, archives, pct) => {
    const r = row({ archives: new Map([[guestKey("home", 100), archives]]) });
    expect([r?.sizeTrend, r?.sizeTrendPct]).toEqual([trend, pct]);
  });

  it("counts protected copies and says unknown when the storages could not be listed", () => {
    const listed = row({
      archives: new Map([[guestKey("home", 100), [archive(100, 0, 1, true), archive(100, 1, 1)]]]),
    });
    expect([listed?.pveCopies, listed?.protectedCopies]).toEqual([2, 1]);
    const unlisted = row({ archives: new Map() });
    expect([unlisted?.pveCopies, unlisted?.protectedCopies, unlisted?.sizeTrend]).toEqual([
      "unknown",
      "unknown",
      "unknown",
    ]);
  });

  it("falls back to the tier for schedule and retention when no enabled job backs the guest up", () => {
    const r = row({ guests: [guest({ status: "not_in_job", jobs: [], lastBackup: null })] });
    expect(r).toMatchObject({
      schedule: "03:00",
      storage: null,
      retention: "keep-last=3",
      lastOk: null,
      lastVolid: null,
      sizeBytes: null,
      coverageGaps: ["not in any enabled backup job"],
    });
    const untiered = row({ guests: [guest({ tier: null, jobs: ["gone"] })] });
    expect(untiered).toMatchObject({ schedule: null, retention: null, storage: null });
    expect(untiered?.coverageGaps).toEqual(["no tier in the policy"]);
  });

  it("joins the distinct schedules of several jobs and names the double backup a gap", () => {
    const r = row({
      guests: [guest({ jobs: ["b", "a"] })],
      jobs: [
        {
          cluster: "home",
          id: "a",
          enabled: true,
          schedule: "03:00",
          storage: "nas",
          retention: "keep-last=3",
        },
        { cluster: "home", id: "b", enabled: true, schedule: "sun 04:00", storage: "nas", retention: "" },
        { cluster: "other", id: "a", enabled: true, schedule: "05:00" },
      ],
    });
    expect(r).toMatchObject({
      jobs: ["a", "b"],
      schedule: "03:00; sun 04:00",
      storage: "nas",
      retention: "keep-last=3",
    });
    expect(r?.coverageGaps).toEqual(["backed up by 2 jobs"]);
  });

  it.each([
    ["never", "no backup yet"],
    ["late", "backup is late"],
    ["failed", "last backup attempt failed"],
    ["unknown", "backup state unknown"],
    ["running", undefined],
  ] as const)("names status %s as a gap: %s", (status, gap) => {
    expect(row({ guests: [guest({ status })] })?.coverageGaps).toEqual(gap ? [gap] : []);
  });

  it.each<[string, GuestExtras, Record<string, unknown>, string[]]>([
    [
      "copies on and off the NAS",
      { copies: { pve: 3, nas: 3, offNas: "yes", offNasTime: "2026-02-11T05:00:00.000Z" } },
      { nasCopies: 3, offNas: "yes", offNasTime: "2026-02-11T05:00:00.000Z" },
      [],
    ],
    [
      "no off-NAS copy",
      { copies: { pve: 3, nas: null, offNas: "no", offNasTime: null } },
      { nasCopies: "unknown", offNas: "no", offNasTime: null },
      ["no copy off the NAS"],
    ],
    [
      "a passed verification and test restore",
      {
        lastVerified: { time: "2026-02-11T06:00:00.000Z", result: "ok", depth: "api" },
        lastTestRestore: { time: "2026-02-08T06:00:00.000Z", result: "ok" },
      },
      {
        lastVerified: "2026-02-11T06:00:00.000Z",
        lastVerifiedResult: "ok",
        lastTestRestore: "2026-02-08T06:00:00.000Z",
        lastTestRestoreResult: "ok",
      },
      [],
    ],
    [
      "failed checks",
      {
        lastVerified: { time: "2026-02-11T06:00:00.000Z", result: "failed" },
        lastTestRestore: { time: "2026-02-08T06:00:00.000Z", result: "failed" },
      },
      { lastVerifiedResult: "failed", lastTestRestoreResult: "failed" },
      ["last verification failed", "last test restore failed"],
    ],
    [
      "checks known never to have run",
      { lastVerified: null, lastTestRestore: null },
      { lastVerified: "never", lastVerifiedResult: "never", lastTestRestore: "never" },
      ["never verified"],
    ],
  ])("renders %s from the other parts' facts", (_, extras, fields, gaps) => {
    const r = row({ extras: new Map([[guestKey("home", 100), extras]]) });
    expect(r).toMatchObject(fields);
    expect(r?.coverageGaps).toEqual(gaps);
  });

  it("round-trips through a YAML parser, key for key", () => {
    const reg = buildRegister(base());
    expect(parseYaml(toYaml(reg, { version: "1.1" }), { version: "1.1" })).toEqual(reg);
  });
});

describe("renderRegisterCsv", () => {
  it("quotes commas, quotes and line breaks (RFC 4180) so a CSV parser reads the same cells back", () => {
    const nasty = 'pi,"hole"\r\nhome';
    const reg = buildRegister(base({ guests: [guest({ name: nasty })] }));
    const text = renderRegisterCsv(reg);
    expect(text.endsWith("\r\n")).toBe(true);
    const records = parseCsv(text, { columns: true }) as Record<string, string>[];
    expect(records).toHaveLength(1);
    expect(records[0]?.name).toBe(nasty);
    expect(records[0]?.jobs).toBe("pve-backup-p0");
    expect(records[0]?.lastOk).toBe("2026-02-11T03:00:02.000Z");
    expect(records[0]?.offNasTime).toBe("unknown");
    expect(Object.keys(records[0] ?? {})).not.toContain("ageHours");
  });

  it("adds the age column only when the register is volatile, and leaves null cells empty", () => {
    const reg = buildRegister(base({ volatileAtMs: T0, guests: [guest({ lastBackup: null, tier: null })] }));
    const [rec] = parseCsv(renderRegisterCsv(reg), { columns: true }) as Record<string, string>[];
    expect(rec?.ageHours).toBe("");
    expect(rec?.tier).toBe("");
    expect(rec?.coverageGaps).toBe("no tier in the policy");
  });

  it.each([
    ["plain", "plain"],
    ["a,b", '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ["two\nlines", '"two\nlines"'],
    ["cr\r", '"cr\r"'],
  ])("writes the field %j as %j", (text, out) => {
    expect(csvField(text)).toBe(out);
  });
});

describe("renderRegisterMarkdown", () => {
  it("is a table with one line per guest and the volatile line only when asked", () => {
    const md = renderRegisterMarkdown(buildRegister(base()));
    expect(md).toContain("| home/100 homeassistant (VM) | P0 | ok | 03:00 |");
    expect(md).toContain("| steady (3%) | 2 (0) | unknown | unknown | unknown |");
    expect(md).not.toContain("Generated");
    const ct = renderRegisterMarkdown(
      buildRegister(
        base({
          volatileAtMs: T0,
          guests: [guest({ type: "lxc", tier: null, lastBackup: null, status: "never" })],
          archives: new Map(),
          extras: new Map([
            [
              guestKey("home", 100),
              {
                copies: { pve: 0, nas: 0, offNas: "yes", offNasTime: "2026-02-11T05:00:00.000Z" },
                lastVerified: { time: "2026-02-11T06:00:00.000Z", result: "ok" },
                lastTestRestore: { time: "2026-02-09T06:00:00.000Z", result: "failed" },
              },
            ],
          ]),
        }),
      ),
    );
    expect(ct).toContain("Generated 2026-02-11T03:00:02.000Z.");
    expect(ct).toContain(
      "| home/100 homeassistant (CT) | - | never | 03:00 | nas-backups | keep-last=3 | - | - | unknown | unknown (unknown) | yes (2026-02-11T05:00:00.000Z) | ok 2026-02-11T06:00:00.000Z | failed 2026-02-09T06:00:00.000Z |",
    );
  });

  it("shows a guest outside every job and tier with dashes", () => {
    const md = renderRegisterMarkdown(
      buildRegister(
        base({
          guests: [guest({ tier: null, jobs: [], status: "not_in_job" })],
          extras: new Map([
            [guestKey("home", 100), { copies: { pve: 1, nas: 1, offNas: "no", offNasTime: null } }],
          ]),
        }),
      ),
    );
    expect(md).toContain("| not_in_job | - | - | - | 2026-02-11T03:00:02.000Z |");
    expect(md).toContain("| 2 (0) | no | unknown |");
  });

  it.each([
    ["a|b", "a\\|b"],
    ["back\\slash", "back\\\\slash"],
    ["two\r\nlines\nhere\rnow", "two lines here now"],
    ["", "-"],
  ])("escapes the cell %j as %j", (text, out) => {
    expect(mdCell(text)).toBe(out);
  });
});
