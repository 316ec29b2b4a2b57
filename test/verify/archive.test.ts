import { describe, expect, it } from "vitest";
import {
  archiveLayers,
  type FullCheckFacts,
  judgeBackupLog,
  judgeExtractedConfig,
  judgeFullCheck,
  parseExtractedConfig,
  throttleDelayMs,
} from "../../src/core/verify-archive.js";
import {
  beginRun,
  EMPTY_LEDGER,
  finishRun,
  ledgerFrom,
  recordTestRestore,
  recordVerification,
  VERDICTS_KEPT,
  type VerifyTarget,
} from "../../src/core/verify-run.js";
import { QEMU_CONF } from "./vma-fixture.js";

const OK_LOG = [
  "2026-12-06 03:00:01 INFO: Starting Backup of VM 100 (qemu)",
  "2026-12-06 03:00:01 INFO: status = running",
  "2026-12-06 03:01:20 INFO: archive file size: 1.2GB",
  "2026-12-06 03:01:24 INFO: Finished Backup of VM 100 (00:01:23)",
  "",
].join("\n");

describe("archiveLayers", () => {
  it.each([
    [
      "vzdump-qemu-100-2026_12_06-03_00_01.vma.zst",
      "qemu",
      "vma",
      "zst",
      "vzdump-qemu-100-2026_12_06-03_00_01.log",
    ],
    [
      "vzdump-lxc-101-2026_12_06-03_00_01.tar.gz",
      "lxc",
      "tar",
      "gz",
      "vzdump-lxc-101-2026_12_06-03_00_01.log",
    ],
    ["vzdump-lxc-101-2026_12_06-03_00_01.tgz", "lxc", "tar", "gz", "vzdump-lxc-101-2026_12_06-03_00_01.log"],
    [
      "vzdump-qemu-100-2026_12_06-03_00_01.vma",
      "qemu",
      "vma",
      "none",
      "vzdump-qemu-100-2026_12_06-03_00_01.log",
    ],
    [
      "vzdump-qemu-100-2026_12_06-03_00_01.vma.lzo",
      "qemu",
      "vma",
      "lzo",
      "vzdump-qemu-100-2026_12_06-03_00_01.log",
    ],
  ])("reads %s", (name, guestType, format, compression, logName) => {
    expect(archiveLayers(name)).toEqual({
      vmid: Number(name.split("-")[2]),
      guestType,
      format,
      compression,
      logName,
    });
  });
  it.each([
    "vzdump-openvz-100-2026_12_06-03_00_01.tar",
    "notes.txt",
    "vzdump-qemu-100-2026_12_06-03_00_01.log",
  ])("refuses %s", (name) => expect(archiveLayers(name)).toBeUndefined());
});

describe("judgeBackupLog", () => {
  it.each<[string, string | undefined, RegExp | null]>([
    ["a run that finished", OK_LOG, null],
    ["a missing log", undefined, /\.log beside the archive is missing/],
    [
      "a failed run",
      OK_LOG.replace(
        "INFO: Finished Backup of VM 100 (00:01:23)",
        "ERROR: Backup of VM 100 failed - job aborted",
      ),
      /log says: Backup of VM 100 failed - job aborted/,
    ],
    [
      "a run that never finished",
      OK_LOG.split("\n").slice(0, 3).join("\n"),
      /does not end with 'Finished Backup of VM 100'/,
    ],
    ["another guest's log", OK_LOG.replace("VM 100 (00", "VM 101 (00"), /does not end with/],
    ["an empty log", "", /does not end with/],
  ])("judges %s", (_n, text, problem) => {
    const v = judgeBackupLog(text, 100);
    if (problem === null) expect(v).toEqual({ ok: true });
    else expect(v).toMatchObject({ ok: false, problem: expect.stringMatching(problem) });
  });
});

const vmaLayers = archiveLayers("vzdump-qemu-100-2026_12_06-03_00_01.vma.zst") as NonNullable<
  ReturnType<typeof archiveLayers>
>;
const ctLayers = archiveLayers("vzdump-lxc-100-2026_12_06-03_00_01.tar.lzo") as NonNullable<
  ReturnType<typeof archiveLayers>
>;
const rawLayers = archiveLayers("vzdump-lxc-100-2026_12_06-03_00_01.tar") as NonNullable<
  ReturnType<typeof archiveLayers>
>;
const vmaOk = {
  kind: "vma" as const,
  result: {
    ok: true as const,
    facts: { ctimeSec: 1, devices: [], configNames: ["qemu-server.conf"], config: "memory: 1", extents: 3 },
  },
};
const base: FullCheckFacts = {
  layers: vmaLayers,
  listedBytes: 100,
  readBytes: 100,
  decode: {},
  structure: vmaOk,
  log: OK_LOG,
};

describe("judgeFullCheck", () => {
  it.each<[string, Partial<FullCheckFacts>, "ok" | "failed", RegExp]>([
    [
      "a whole VMA",
      {},
      "ok",
      /^read 100 bytes: zstd checksum, VMA header, extents and disks and the run's log are whole$/,
    ],
    ["a short read", { readBytes: 60 }, "failed", /only 60 of 100 bytes could be read/],
    [
      "a damaged zstd stream",
      { decode: { error: "Restored data doesn't match checksum" } },
      "failed",
      /the zstd stream is damaged: Restored data doesn't match checksum/,
    ],
    [
      "a damaged VMA",
      { structure: { kind: "vma", result: { ok: false, problem: "wrong VMA header checksum (MD5)" } } },
      "failed",
      /^wrong VMA header checksum/,
    ],
    [
      "a VMA without config",
      {
        structure: {
          kind: "vma",
          result: { ...vmaOk.result, facts: { ...vmaOk.result.facts, config: undefined } },
        },
      },
      "failed",
      /carries no qemu-server.conf/,
    ],
    ["a failed run", { log: undefined }, "failed", /\.log beside the archive is missing/],
    [
      "an lzo container archive",
      {
        layers: ctLayers,
        decode: { unchecked: "no lzo decoder" },
        structure: { kind: "unchecked", reason: "not decoded" },
      },
      "ok",
      /not checked: lzo layer \(no lzo decoder\), tar structure \(not decoded\)/,
    ],
    [
      "a container tar starting with its config",
      {
        layers: rawLayers,
        structure: { kind: "tar", members: ["etc/vzdump/pct.conf", "etc/hostname"] },
        log: OK_LOG,
      },
      "ok",
      /^read 100 bytes: tar listing/,
    ],
    [
      "a container tar without its config first",
      { layers: rawLayers, structure: { kind: "tar", members: ["etc/hostname"] } },
      "failed",
      /does not start with \.\/etc\/vzdump\/pct\.conf/,
    ],
    [
      "a broken tar",
      {
        layers: rawLayers,
        structure: { kind: "tar", members: [], error: "the tar header at offset 0 fails its checksum" },
      },
      "failed",
      /fails its checksum/,
    ],
  ])("judges %s", (_n, over, result, message) => {
    const v = judgeFullCheck({ ...base, ...over });
    expect(v.result).toBe(result);
    expect(v.message).toMatch(message);
  });

  it("names every problem and what was not checked", () => {
    const v = judgeFullCheck({
      ...base,
      layers: ctLayers,
      decode: { unchecked: "x" },
      structure: { kind: "unchecked", reason: "y" },
      log: "",
    });
    expect(v).toMatchObject({ result: "failed", unchecked: ["lzo layer (x)", "tar structure (y)"] });
    expect(v.message).toMatch(/does not end with .*; not checked: lzo layer/);
  });
});

describe("extracted config", () => {
  it("parses nets, agent, onboot and disks", () => {
    expect(parseExtractedConfig(QEMU_CONF)).toEqual({
      nets: [{ key: "net0", value: "virtio=BC:24:11:00:00:01,bridge=vmbr0,firewall=1" }],
      agent: true,
      onboot: true,
      disks: ["scsi0"],
    });
    expect(
      parseExtractedConfig("arch: amd64\nrootfs: local:101/vm.raw,size=8G\nmp0: x\nagent: 0\nonboot: 0\n"),
    ).toEqual({
      nets: [],
      agent: false,
      onboot: false,
      disks: ["rootfs", "mp0"],
    });
  });
  it.each<["qemu" | "lxc", { text: string } | { error: string }, "ok" | "failed", RegExp]>([
    [
      "qemu",
      { text: QEMU_CONF },
      "ok",
      /read the archive's header and config \(1 disk\); not checked: the data past the header/,
    ],
    ["lxc", { text: "arch: amd64\nrootfs: a\nmp0: b\n" }, "ok", /\(2 disks\)/],
    ["qemu", { text: "arch: amd64\n" }, "failed", /not a VM config/],
    ["lxc", { text: "memory: 512\n" }, "failed", /not a container config/],
    [
      "qemu",
      { error: "Failed to extract config from VMA archive: wrong vma header chechsum" },
      "failed",
      /PVE cannot read the archive's config: Failed to extract/,
    ],
  ])("judges a %s archive's extracted config", (type, result, verdict, message) => {
    const v = judgeExtractedConfig(type, result);
    expect(v.result).toBe(verdict);
    expect(v.message).toMatch(message);
  });
});

describe("throttleDelayMs", () => {
  it.each([
    [10_000_000, 1000, 0, 0],
    [10_000_000, 1000, 10_000_000, 0],
    [10_000_000, 500, 10_000_000, 500],
    [1, 0, 3, 334],
    [10_000_000, 5000, 10_000_000, 0],
  ])("after %i bytes in %i ms at %i B/s waits %i ms", (read, elapsed, rate, wait) => {
    expect(throttleDelayMs(read, elapsed, rate)).toBe(wait);
  });
});

describe("verification ledger", () => {
  const t = (
    vmid: number,
    volid = `nas:backup/vzdump-qemu-${vmid}-2026_12_06-03_00_01.vma.zst`,
  ): VerifyTarget => ({
    key: `lab_${vmid}`,
    vmid,
    volid,
    node: "pve1",
    sizeBytes: 10,
  });
  const ok = { result: "ok" as const, message: "fine", problems: [], unchecked: [] };

  it("resumes an interrupted run with only the archives left", () => {
    const targets = [t(100), t(101), t(102)];
    const first = beginRun(EMPTY_LEDGER, "full", targets, 0);
    expect(first).toMatchObject({ pending: targets, resumed: false });
    const after = recordVerification(first.ledger, t(100), "full", ok, 5000, 4000);
    expect(after.lastVerified.lab_100).toEqual({
      time: "1970-01-01T00:00:05.000Z",
      depth: "full",
      result: "ok",
      durationMs: 4000,
      message: "fine",
      volid: t(100).volid,
    });
    const again = beginRun(ledgerFrom(JSON.parse(JSON.stringify(after))), "full", targets, 9000);
    expect(again.resumed).toBe(true);
    expect(again.pending.map((p) => p.vmid)).toEqual([101, 102]);
    expect(finishRun(again.ledger).run).toBeNull();
  });

  it.each([
    ["another depth", "api", [t(100), t(101), t(102)]],
    ["newer archives", "full", [t(100), t(101, "nas:backup/other"), t(102)]],
    ["fewer guests", "full", [t(100)]],
  ] as const)("starts over when asked for %s", (_n, depth, targets) => {
    const run = beginRun(EMPTY_LEDGER, "full", [t(100), t(101), t(102)], 0);
    const done = recordVerification(run.ledger, t(100), "full", ok, 1, 1);
    const next = beginRun(done, depth, targets, 10);
    expect(next).toMatchObject({ resumed: false, pending: targets });
  });

  it("records a verification outside a run, and test restores", () => {
    const l = recordVerification(EMPTY_LEDGER, t(100), "api", ok, 0, 1);
    expect(l.run).toBeNull();
    const r = recordTestRestore(l, "lab_100", {
      time: "x",
      result: "ok",
      durationMs: 5,
      message: "m",
      volid: "v",
    });
    expect(r.lastTestRestore.lab_100?.durationMs).toBe(5);
  });

  it("keeps each archive's verdict per guest, the newest last, a bounded number of them", () => {
    const failed = { ...ok, result: "failed" as const };
    let l = recordVerification(EMPTY_LEDGER, t(100, "a"), "api", failed, 0, 1);
    l = recordVerification(l, t(100, "b"), "api", ok, 0, 1);
    l = recordVerification(l, t(100, "a"), "full", ok, 0, 1);
    expect(l.verdicts?.lab_100).toEqual({ b: "ok", a: "ok" });
    expect(Object.keys(l.verdicts?.lab_100 ?? {})).toEqual(["b", "a"]);
    for (let i = 0; i < VERDICTS_KEPT + 5; i++) l = recordVerification(l, t(100, `v${i}`), "api", ok, 0, 1);
    const kept = Object.keys(l.verdicts?.lab_100 ?? {});
    expect(kept).toHaveLength(VERDICTS_KEPT);
    expect(kept.at(-1)).toBe(`v${VERDICTS_KEPT + 4}`);
    expect(ledgerFrom(JSON.parse(JSON.stringify(l))).verdicts).toEqual(l.verdicts);
  });

  it.each([null, 3, { version: 2 }, { version: 1 }, { version: 1, lastVerified: null }])(
    "reads %j as a fresh ledger",
    (v) => expect(ledgerFrom(v)).toEqual(EMPTY_LEDGER),
  );
  it("keeps what is readable of a partly damaged ledger", () => {
    expect(
      ledgerFrom({ version: 1, lastVerified: { a: 1 }, lastTestRestore: null, run: { targets: 1 } }),
    ).toEqual({
      version: 1,
      lastVerified: { a: 1 },
      lastTestRestore: {},
      run: null,
    });
    const running = {
      cluster: "lab",
      key: "lab_100",
      vmid: 100,
      volid: "v",
      spareVmid: 9100,
      guestType: "qemu",
      startedMs: 1,
    };
    expect(ledgerFrom({ version: 1, lastVerified: {}, testRestoreRun: running }).testRestoreRun).toEqual(
      running,
    );
    for (const bad of [
      null,
      1,
      { ...running, guestType: "vm" },
      { ...running, spareVmid: "9100" },
      { key: "k" },
      { cluster: "lab" },
    ])
      expect(
        ledgerFrom({ version: 1, lastVerified: {}, testRestoreRun: bad }).testRestoreRun,
      ).toBeUndefined();
    expect(
      ledgerFrom({ version: 1, lastVerified: {}, testRestoreRun: { ...running, guestType: "lxc" } })
        .testRestoreRun?.guestType,
    ).toBe("lxc");
    expect(ledgerFrom({ version: 1, lastVerified: {}, run: { targets: [], done: [] } }).run).toEqual({
      targets: [],
      done: [],
    });
  });
});
