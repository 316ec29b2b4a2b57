import { describe, expect, it } from "vitest";
import { ContentRow, checkContentRow, LogLine, logLineText } from "../../src/pve/wire.js";

/**
 * The hand-written checks of the two hot shapes must say exactly what their zod schemas say:
 * the same rows pass, with the same output, and the same rows fail.
 */

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

// Every kind of value PVE (or a broken proxy) could put in a field, valid or not.
const VALUES: readonly unknown[] = [
  undefined,
  null,
  0,
  1,
  2,
  -1,
  -0,
  1.5,
  1_736_042_403,
  Number.MAX_SAFE_INTEGER,
  Number.POSITIVE_INFINITY,
  Number.NaN,
  true,
  false,
  "",
  "0",
  "1",
  "100",
  "-7",
  "1.25",
  "1e3",
  " 1",
  "0x10",
  "12a",
  "backup",
  "qemu",
  "lxc",
  "vma.zst",
  "pbs-ct",
  [],
  ["x"],
  {},
  { a: 1 },
];

function pick<T>(next: () => number, from: readonly T[]): T {
  return from[Math.floor(next() * from.length)] as T;
}

function randomRow(next: () => number): unknown {
  const row: Record<string, unknown> = {};
  const fields = [
    "volid",
    "content",
    "format",
    "subtype",
    "vmid",
    "ctime",
    "size",
    "notes",
    "protected",
    "extra",
  ];
  for (const f of fields) {
    const v = pick(next, VALUES);
    // Absent and undefined differ for zod only in theory; both kinds of row are produced.
    if (v !== undefined || next() < 0.5) row[f] = v;
  }
  if (next() < 0.7) row.volid = `nas:backup/vzdump-qemu-${Math.floor(next() * 1000)}.vma.zst`;
  return row;
}

describe("checkContentRow: ContentRow.safeParse by hand", () => {
  const valid = {
    volid: "nas:backup/vzdump-qemu-100-2025_01_05-02_00_03.vma.zst",
    content: "backup",
    format: "vma.zst",
    subtype: "qemu",
    vmid: 100,
    ctime: 1_736_042_403,
    size: 4_423_680_000,
    notes: "web",
  };

  it.each<[string, unknown]>([
    ["a listing row as PVE sends it", valid],
    ["a protected one", { ...valid, protected: 1 }],
    ["numbers as strings", { ...valid, vmid: "100", ctime: "1736042403", size: "4423680000.5" }],
    ["a boolean flag", { ...valid, protected: false }],
    ["only a volid", { volid: "pbs:backup/ct/101/2025-01-05T02:00:03Z" }],
    ["unknown keys", { ...valid, verification: { state: "ok" } }],
    ["no volid", { ...valid, volid: undefined }],
    ["a number volid", { ...valid, volid: 5 }],
    ["a null field", { ...valid, notes: null }],
    ["a flag of 2", { ...valid, protected: 2 }],
    ["a flag as string", { ...valid, protected: "1" }],
    ["a number in hex", { ...valid, size: "0x10" }],
    ["an infinite number", { ...valid, size: Number.POSITIVE_INFINITY }],
    ["an array", [valid]],
    ["null", null],
    ["a string", "nas:backup/x"],
  ])("%s", (_name, raw) => {
    const expected = ContentRow.safeParse(raw);
    expect(checkContentRow(raw)).toEqual(expected.success ? expected.data : undefined);
  });

  it("agrees with the schema on 20,000 random rows", () => {
    const next = random(1);
    let passed = 0;
    for (let i = 0; i < 20_000; i++) {
      const raw = randomRow(next);
      const expected = ContentRow.safeParse(raw);
      const actual = checkContentRow(raw);
      expect(actual, JSON.stringify(raw)).toEqual(expected.success ? expected.data : undefined);
      if (actual) passed++;
    }
    // Both verdicts were exercised.
    expect(passed).toBeGreaterThan(10);
    expect(passed).toBeLessThan(20_000);
  });

  it("hands back the common row itself, not a copy", () => {
    expect(checkContentRow(valid)).toBe(valid);
  });

  it("leaves the row it was given alone when it has to normalise", () => {
    const raw = { ...valid, vmid: "100", protected: 1 };
    expect(checkContentRow(raw)).toMatchObject({ vmid: 100, protected: true });
    expect(raw).toMatchObject({ vmid: "100", protected: 1 });
  });
});

describe("logLineText: LogLine.safeParse by hand, giving the text", () => {
  const expected = (raw: unknown) => {
    const r = LogLine.safeParse(raw);
    return r.success ? r.data.t : undefined;
  };

  it.each<[string, unknown]>([
    ["a line", { n: 1, t: "INFO: starting new backup job" }],
    ["a line number as a string", { n: "1", t: "a" }],
    ["unknown keys", { n: 1, t: "a", x: 2 }],
    ["an empty text", { n: 3, t: "" }],
    ["no text", { n: 1 }],
    ["a number as text", { n: 1, t: 5 }],
    ["no line number", { t: "a" }],
    ["a bad line number", { n: "one", t: "a" }],
    ["an infinite line number", { n: Number.POSITIVE_INFINITY, t: "a" }],
    ["null", null],
    ["an array", ["a"]],
    ["a string", "INFO: a"],
  ])("%s", (_name, raw) => {
    expect(logLineText(raw)).toEqual(expected(raw));
  });

  it("agrees with the schema on 5,000 random lines", () => {
    const next = random(2);
    for (let i = 0; i < 5_000; i++) {
      let line: unknown;
      if (next() < 0.1) line = pick(next, VALUES);
      else {
        const l: Record<string, unknown> = { n: pick(next, VALUES), t: pick(next, VALUES) };
        if (next() < 0.6) l.n = Math.floor(next() * 100);
        if (next() < 0.6) l.t = `INFO: line ${i}`;
        line = l;
      }
      expect(logLineText(line), JSON.stringify(line)).toEqual(expected(line));
    }
  });
});
