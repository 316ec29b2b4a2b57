import { describe, expect, it } from "vitest";
import { parseTaskLog } from "../../src/core/task-log.js";
import {
  parseVmidList,
  toArchive,
  toAttempts,
  toGuests,
  toJob,
  toNodes,
  toStorageView,
} from "../../src/pve/mapper.js";
import { backupStoragesToList } from "../../src/pve/reader.js";
import { Content, Jobs, NodeStorages, Resources, Tasks } from "../../src/pve/wire.js";

// Realistic answers, shaped as reference/pve-api.md §2.1, §3.4, §4.5, §5.1, §6.2 show them.
const resources = Resources.parse([
  {
    id: "qemu/100",
    vmid: 100,
    node: "pve1",
    type: "qemu",
    status: "running",
    name: "web",
    template: 0,
    maxmem: 4294967296,
    tags: "prod;web",
  },
  {
    id: "lxc/101",
    vmid: 101,
    node: "pve1",
    type: "lxc",
    status: "stopped",
    name: "dns",
    template: 0,
    lock: "backup",
    pool: "infra",
  },
  { id: "qemu/102", vmid: 102, node: "pve2", type: "qemu", status: "unknown" },
  { id: "node/pve1", node: "pve1", type: "node", status: "online" },
  { id: "node/pve2", node: "pve2", type: "node", status: "offline" },
  {
    id: "storage/pve1/nas",
    storage: "nas",
    node: "pve1",
    type: "storage",
    plugintype: "nfs",
    status: "available",
    shared: 1,
    content: "backup",
  },
  {
    id: "storage/pve2/nas",
    storage: "nas",
    node: "pve2",
    type: "storage",
    plugintype: "nfs",
    status: "unknown",
    shared: 1,
    content: "backup",
  },
  {
    id: "storage/pve1/local",
    storage: "local",
    node: "pve1",
    type: "storage",
    plugintype: "dir",
    status: "available",
    shared: 0,
    content: "iso,backup,vztmpl",
  },
  {
    id: "storage/pve1/local-lvm",
    storage: "local-lvm",
    node: "pve1",
    type: "storage",
    plugintype: "lvmthin",
    status: "available",
    shared: 0,
    content: "images,rootdir",
  },
  { id: "pool/infra", type: "pool", pool: "infra" },
]);

describe("pve mapper", () => {
  it("maps guests and nodes from /cluster/resources, without a name for an offline node's guest", () => {
    expect(toGuests(resources)).toEqual([
      {
        vmid: 100,
        name: "web",
        type: "qemu",
        node: "pve1",
        powerState: "running",
        template: false,
        pool: undefined,
        lock: undefined,
      },
      {
        vmid: 101,
        name: "dns",
        type: "lxc",
        node: "pve1",
        powerState: "stopped",
        template: false,
        pool: "infra",
        lock: "backup",
      },
      {
        vmid: 102,
        name: "",
        type: "qemu",
        node: "pve2",
        powerState: "unknown",
        template: false,
        pool: undefined,
        lock: undefined,
      },
    ]);
    expect(toNodes(resources)).toEqual([
      { name: "pve1", online: true },
      { name: "pve2", online: false },
    ]);
  });

  it("lists a shared storage once through an online node where it is available, local ones per node", () => {
    expect(backupStoragesToList(resources, ["pve1"])).toEqual([
      { key: "nas", storage: "nas", node: "pve1" },
      { key: "local@pve1", storage: "local", node: "pve1" },
    ]);
    expect(backupStoragesToList(resources, [])).toEqual([]);
  });

  it("maps jobs with property strings returned as objects and 0/1 booleans", () => {
    const [a, b, c, d] = Jobs.parse([
      {
        id: "backup-07cdf241-8b56",
        type: "vzdump",
        schedule: "sun 01:00",
        enabled: 1,
        storage: "nas",
        vmid: "100,101",
        "prune-backups": { "keep-daily": "7", "keep-last": "3" },
        fleecing: { enabled: 0 },
        "next-run": 1735952400,
      },
      { id: "all-but", type: "vzdump", schedule: "03:00", all: 1, exclude: "102", node: "pve1", enabled: 0 },
      { id: "by-pool", type: "vzdump", schedule: "03:00", pool: "infra" },
      { id: "single", schedule: "03:00", vmid: 105 },
    ]).map(toJob);
    expect(a).toEqual({
      id: "backup-07cdf241-8b56",
      enabled: true,
      schedule: "sun 01:00",
      storage: "nas",
      selection: { kind: "vmids", vmids: [100, 101] },
      node: undefined,
      comment: undefined,
      nextRunMs: 1735952400000,
    });
    expect(b).toMatchObject({ enabled: false, node: "pve1", selection: { kind: "all", exclude: [102] } });
    expect(c).toMatchObject({
      enabled: true,
      selection: { kind: "pool", pool: "infra" },
      nextRunMs: undefined,
    });
    expect(d?.selection).toEqual({ kind: "vmids", vmids: [105] });
  });

  it.each([
    ["100,101", [100, 101]],
    ["100; 101 102", [100, 101, 102]],
    [undefined, []],
    ["", []],
    [103, [103]],
  ])("splits the vmid list %s", (input, out) => {
    expect(parseVmidList(input)).toEqual(out);
  });

  it("maps node storage status, inactive NFS with zero sizes", () => {
    const [nas] = NodeStorages.parse([
      {
        storage: "nas",
        type: "nfs",
        content: "backup",
        shared: 1,
        enabled: 1,
        active: 0,
        total: 0,
        used: 0,
        avail: 0,
      },
    ]);
    expect(toStorageView("pve1", nas as NonNullable<typeof nas>)).toEqual({
      storage: "nas",
      node: "pve1",
      type: "nfs",
      shared: true,
      enabled: true,
      active: false,
      totalBytes: 0,
      usedBytes: 0,
      availBytes: 0,
    });
  });

  it("maps file and PBS archives, skipping what is not a guest backup", () => {
    const rows = Content.parse([
      {
        volid: "nas:backup/vzdump-qemu-100-2025_01_05-02_00_03.vma.zst",
        content: "backup",
        format: "vma.zst",
        subtype: "qemu",
        vmid: 100,
        ctime: 1736042403,
        size: 4423680000,
        notes: "web",
        protected: 1,
      },
      {
        volid: "pbs:backup/ct/101/2025-01-05T02:00:03Z",
        content: "backup",
        format: "pbs-ct",
        vmid: 101,
        ctime: 1736042403,
        size: 10,
      },
      { volid: "local:iso/debian.iso", content: "iso", format: "iso", ctime: 1, size: 1 },
      {
        volid: "local:backup/vzdump-openvz-300-2010_01_01-00_00_00.tgz",
        content: "backup",
        format: "tgz",
        subtype: "openvz",
        vmid: 300,
        ctime: 1,
        size: 1,
      },
    ]);
    expect(rows.map(toArchive)).toEqual([
      {
        vmid: 100,
        volid: "nas:backup/vzdump-qemu-100-2025_01_05-02_00_03.vma.zst",
        storage: "nas",
        type: "qemu",
        timeMs: 1736042403000,
        sizeBytes: 4423680000,
        format: "vma.zst",
        notes: "web",
        protected: true,
      },
      {
        vmid: 101,
        volid: "pbs:backup/ct/101/2025-01-05T02:00:03Z",
        storage: "pbs",
        type: "lxc",
        timeMs: 1736042403000,
        sizeBytes: 10,
        format: "pbs-ct",
        notes: undefined,
        protected: false,
      },
      undefined,
      undefined,
    ]);
  });

  const [multi, single, running] = Tasks.parse([
    {
      upid: "UPID:pve1:000A1B2C:01F3E4D5:6779E7A2:vzdump::root@pam:",
      node: "pve1",
      pid: 662316,
      starttime: 1736042402,
      endtime: 1736042497,
      type: "vzdump",
      id: "",
      user: "root@pam",
      status: "job errors",
    },
    {
      upid: "UPID:pve1:0009F001:01F2AA10:67798C11:vzdump:100:ha@pve!backup:",
      node: "pve1",
      starttime: 1736018961,
      endtime: 1736019020,
      type: "vzdump",
      id: "100",
      user: "ha@pve",
      tokenid: "backup",
      status: "WARNINGS: 1",
    },
    {
      upid: "UPID:pve1:0009F002:01F2AA11:67798C12:vzdump::root@pam:",
      node: "pve1",
      starttime: 1736018962,
      type: "vzdump",
      id: "",
      user: "root@pam",
      status: "RUNNING",
    },
  ]);

  it("attributes a multi-guest task per guest from its log", () => {
    const log = parseTaskLog([
      "INFO: starting new backup job: vzdump 100 101 --storage nas --mode snapshot",
      "INFO: Starting Backup of VM 100 (qemu)",
      "INFO: archive file size: 4.12GB",
      "INFO: Finished Backup of VM 100 (00:00:45)",
      "INFO: Starting Backup of VM 101 (lxc)",
      "ERROR: Backup of VM 101 failed - mount error",
      "INFO: Backup job finished with errors",
      "TASK ERROR: job errors",
    ]);
    const attempts = toAttempts(multi as NonNullable<typeof multi>, log);
    expect(attempts).toMatchObject([
      { vmid: 100, outcome: "ok", durationSec: 45, startMs: 1736042402000, endMs: 1736042497000 },
      { vmid: 101, outcome: "failed", error: "mount error" },
    ]);
  });

  it("falls back to the UPID's vmid and exit status when there is no log", () => {
    expect(toAttempts(single as NonNullable<typeof single>, undefined)).toEqual([
      {
        upid: single?.upid,
        node: "pve1",
        startMs: 1736018961000,
        endMs: 1736019020000,
        vmid: 100,
        outcome: "warnings",
      },
    ]);
    expect(toAttempts(multi as NonNullable<typeof multi>, undefined)).toEqual([]);
    const failedSingle = {
      ...(single as NonNullable<typeof single>),
      status: "could not activate storage 'nas'",
    };
    expect(toAttempts(failedSingle, undefined)[0]).toMatchObject({
      outcome: "failed",
      error: "could not activate storage 'nas'",
    });
    const okSingle = { ...(single as NonNullable<typeof single>), status: "OK" };
    expect(toAttempts(okSingle, undefined)[0]?.outcome).toBe("ok");
    const runningSingle = {
      ...(single as NonNullable<typeof single>),
      endtime: undefined,
      status: "RUNNING",
    };
    expect(toAttempts(runningSingle, undefined)[0]?.outcome).toBe("running");
  });

  it("marks guests of a running task that have not started yet as waiting", () => {
    const log = parseTaskLog([
      "INFO: starting new backup job: vzdump 100 101 102 --storage nas",
      "INFO: skip external VMs: 102",
      "INFO: Starting Backup of VM 100 (qemu)",
      "INFO:  12% (4.0 GiB of 32.0 GiB) in 3s, read: 1.3 GiB/s, write: 120.0 MiB/s",
    ]);
    expect(
      toAttempts(running as NonNullable<typeof running>, log).map((a) => [a.vmid, a.outcome, a.endMs]),
    ).toEqual([
      [100, "running", undefined],
      [101, "waiting", undefined],
    ]);
    const lockWait = parseTaskLog(["INFO: trying to get global lock - waiting..."]);
    const singleRunning = { ...(running as NonNullable<typeof running>), id: "105" };
    expect(toAttempts(singleRunning, lockWait).map((a) => [a.vmid, a.outcome])).toEqual([[105, "waiting"]]);
  });
});
