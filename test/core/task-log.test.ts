import { describe, expect, it } from "vitest";
import {
  OK_TASK_HEAD_LINES,
  parseTaskLog,
  summarizeOkTaskHead,
  type TaskLogContext,
  type TaskLogSummary,
} from "../../src/core/task-log.js";

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

// Fixtures follow the examples of pve-api.md §4.6; "…" marks lines elided there and stays in as
// an unprefixed line the parser must skip.

/** Successful single VM (real CLI run, closing TASK OK added as in the reference). */
const SUCCESSFUL_VM = [
  "INFO: starting new backup job: vzdump 122 --dumpdir /srv/dump/ --mode snapshot",
  "INFO: Starting Backup of VM 122 (qemu)",
  "INFO: Backup started at 2025-04-18 09:27:15",
  "…",
  "INFO: creating vzdump archive '/srv/dump/vzdump-qemu-122-2025_04_18-09_27_17.vma'",
  "…",
  "INFO: transferred 20.12 GiB in 2 seconds (10.1 GiB/s)",
  "INFO: archive file size: 341MB",
  "INFO: Finished Backup of VM 122 (00:00:02)",
  "INFO: Backup finished at 2025-04-18 09:27:57",
  "INFO: Backup job finished successfully",
  "TASK OK",
];

/** Failed LXC backup to NFS (real GUI task log). */
const FAILED_LXC_NFS = [
  "INFO: starting new backup job: vzdump 200 --node pve-dev1 --mode snapshot --remove 0 --notes-template '...' --storage NAS-DS2 --compress zstd",
  "INFO: Starting Backup of VM 200 (lxc)",
  "INFO: CT Name: babydeb",
  "…",
  '  Logical volume "snap_vm-200-disk-0_vzdump" created.',
  "INFO: creating vzdump archive '/mnt/pve/NAS-DS2/dump/vzdump-lxc-200-2023_04_07-17_11_08.tar.zst'",
  "INFO: tar: /mnt/pve/NAS-DS2/dump/vzdump-lxc-200-2023_04_07-17_11_08.tmp: Cannot open: Permission denied",
  "…",
  "ERROR: Backup of VM 200 failed - command '… | zstd --rsyncable '--threads=1' >/mnt/pve/NAS-DS2/dump/vzdump-lxc-200-2023_04_07-17_11_08.tar.dat' failed: exit code 2",
  "INFO: Failed at 2023-04-07 17:11:09",
  "INFO: Backup job finished with errors",
  "TASK ERROR: job errors",
];

const GUEST_100_OK = [
  "INFO: Starting Backup of VM 100 (qemu)",
  "INFO: Backup started at 2025-01-05 02:00:02",
  "INFO: status = running",
  "INFO: VM Name: web",
  "INFO: include disk 'scsi0' 'local-lvm:vm-100-disk-0' 32G",
  "INFO: backup mode: snapshot",
  "INFO: ionice priority: 7",
  "INFO: creating vzdump archive '/mnt/pve/nas/dump/vzdump-qemu-100-2025_01_05-02_00_03.vma.zst'",
  "INFO: started backup task '1c7d1e4b-5c39-4d8f-8f4e-2b1f0f6a9c11'",
  "INFO: resuming VM again",
  "INFO:  12% (4.0 GiB of 32.0 GiB) in 3s, read: 1.3 GiB/s, write: 120.0 MiB/s",
  "INFO: 100% (32.0 GiB of 32.0 GiB) in 40s, read: 819.2 MiB/s, write: 98.1 MiB/s",
  "INFO: backup is sparse: 20.00 GiB (62%) total zero data",
  "INFO: transferred 32.00 GiB in 40 seconds (819.2 MiB/s)",
  "INFO: archive file size: 4.12GB",
  "INFO: adding notes to backup",
  "INFO: prune older backups with retention: keep-daily=7, keep-last=3",
  "INFO: removing backup 'nas:backup/vzdump-qemu-100-2024_12_29-02_00_02.vma.zst'",
  "INFO: pruned 1 backup(s) not covered by keep-retention policy",
  "INFO: Finished Backup of VM 100 (00:00:45)",
  "INFO: Backup finished at 2025-01-05 02:00:47",
];

/** Multi-guest job with one failure (assembled from PVE's source strings, as in the reference). */
const MULTI_GUEST = [
  "INFO: starting new backup job: vzdump 100 101 --storage nas --mode snapshot --compress zstd --notes-template '{{guestname}}' --node pve1",
  "INFO: skip external VMs: 102",
  ...GUEST_100_OK,
  "INFO: Starting Backup of VM 101 (lxc)",
  "INFO: Backup started at 2025-01-05 02:00:47",
  "INFO: status = running",
  "INFO: CT Name: db",
  "...",
  "INFO: creating vzdump archive '/mnt/pve/nas/dump/vzdump-lxc-101-2025_01_05-02_00_47.tar.zst'",
  "ERROR: Backup of VM 101 failed - command 'set -o pipefail && lxc-usernsexec … | zstd --rsyncable --threads=1 >/mnt/pve/nas/dump/vzdump-lxc-101-2025_01_05-02_00_47.tar.dat' failed: exit code 2",
  "INFO: Failed at 2025-01-05 02:00:52",
  "INFO: Backup job finished with errors",
  "TASK ERROR: job errors",
];

/** Job-level failure during setup: vzdump dies before it logs anything but the task's end. */
const STORAGE_OFFLINE = ["TASK ERROR: could not activate storage 'nas': storage 'nas' is not online"];

/** Job-level failure after the job line (missing VM.Backup with explicit vmids). */
const PERMISSION_DENIED = [
  "INFO: starting new backup job: vzdump 100 101 102 --storage nas --mode snapshot --node pve1",
  "INFO: skip external VMs: 102",
  "TASK ERROR: Permission check failed (/vms/101, VM.Backup)",
];

/** Another vzdump holds the node's global lock. */
const LOCK_WAIT = ["INFO: trying to get global lock - waiting..."];

/** Second guest of a job being backed up right now. */
const RUNNING_WITH_PROGRESS = [
  "INFO: starting new backup job: vzdump 100 101 --storage nas --mode snapshot --compress zstd --node pve1",
  ...GUEST_100_OK,
  "INFO: Starting Backup of VM 101 (qemu)",
  "INFO: Backup started at 2025-01-05 02:00:47",
  "INFO: status = running",
  "INFO: VM Name: db",
  "INFO: include disk 'scsi0' 'local-lvm:vm-101-disk-0' 64G",
  "INFO: backup mode: snapshot",
  "INFO: ionice priority: 7",
  "INFO: creating vzdump archive '/mnt/pve/nas/dump/vzdump-qemu-101-2025_01_05-02_00_48.vma.zst'",
  "INFO: started backup task '0b5e2a61-93d4-4f0c-a6a8-3f2d7c1e8b20'",
  "INFO: resuming VM again",
  "INFO:   3% (2.0 GiB of 64.0 GiB) in 3s, read: 682.7 MiB/s, write: 98.5 MiB/s",
  "INFO:  12% (7.7 GiB of 64.0 GiB) in 12s, read: 650.0 MiB/s, write: 120.0 MiB/s",
];

/** Incremental backup to PBS with a warning. */
const PBS_WITH_WARNING = [
  "INFO: starting new backup job: vzdump 103 --storage pbs --mode snapshot --notes-template '{{guestname}}' --node pve1",
  "INFO: Starting Backup of VM 103 (qemu)",
  "INFO: Backup started at 2026-03-11 09:51:30",
  "INFO: status = running",
  "INFO: VM Name: files",
  "INFO: include disk 'scsi0' 'local-lvm:vm-103-disk-0' 60G",
  "INFO: backup mode: snapshot",
  "INFO: ionice priority: 7",
  "INFO: creating Proxmox Backup Server archive 'vm/103/2026-03-11T08:51:30Z'",
  "INFO: issuing guest-agent 'fs-freeze' command",
  "INFO: issuing guest-agent 'fs-thaw' command",
  "INFO: started backup task '5a0c8a3e-0d62-4f0e-9d8b-6f1c2b7e4a90'",
  "INFO: resuming VM again",
  "INFO: scsi0: dirty-bitmap status: OK (1.2 GiB of 60.0 GiB dirty)",
  "INFO: using fast incremental mode (dirty-bitmap), 1.2 GiB dirty of 60.0 GiB total",
  "INFO: 100% (1.2 GiB of 1.2 GiB) in 4s, read: 300.0 MiB/s, write: 295.0 MiB/s",
  "INFO: backup was done incrementally, reused 59.39 GiB (98%)",
  "INFO: transferred 1.2 GiB in 4 seconds (300.0 MiB/s)",
  "INFO: adding notes to backup",
  "WARN: unable to add notes - unable to parse notes template",
  "INFO: Finished Backup of VM 103 (00:00:06)",
  "INFO: Backup finished at 2026-03-11 09:51:36",
  "INFO: Backup job finished successfully",
  "TASK WARNINGS: 1",
];

const guest100Ok = {
  vmid: 100,
  type: "qemu",
  outcome: "ok",
  archivePath: "/mnt/pve/nas/dump/vzdump-qemu-100-2025_01_05-02_00_03.vma.zst",
  sizeBytes: Math.round(4.12 * GiB),
  durationSec: 45,
  warnings: 0,
} as const;

describe("parseTaskLog on reference logs", () => {
  it.each<[string, readonly string[], TaskLogSummary]>([
    [
      "successful VM",
      SUCCESSFUL_VM,
      {
        guests: [
          {
            vmid: 122,
            type: "qemu",
            outcome: "ok",
            archivePath: "/srv/dump/vzdump-qemu-122-2025_04_18-09_27_17.vma",
            sizeBytes: 341 * MiB,
            durationSec: 2,
            warnings: 0,
          },
        ],
        requestedVmids: [122],
        skippedExternal: [],
        waitingForLock: false,
        jobOutcome: "ok",
        warnings: 0,
      },
    ],
    [
      "failed LXC to NFS",
      FAILED_LXC_NFS,
      {
        guests: [
          {
            vmid: 200,
            type: "lxc",
            outcome: "failed",
            error:
              "command '… | zstd --rsyncable '--threads=1' >/mnt/pve/NAS-DS2/dump/vzdump-lxc-200-2023_04_07-17_11_08.tar.dat' failed: exit code 2",
            archivePath: "/mnt/pve/NAS-DS2/dump/vzdump-lxc-200-2023_04_07-17_11_08.tar.zst",
            warnings: 0,
          },
        ],
        requestedVmids: [200],
        skippedExternal: [],
        waitingForLock: false,
        jobOutcome: "failed",
        jobError: "job errors",
        warnings: 0,
      },
    ],
    [
      "multi-guest with one failure",
      MULTI_GUEST,
      {
        guests: [
          guest100Ok,
          {
            vmid: 101,
            type: "lxc",
            outcome: "failed",
            error:
              "command 'set -o pipefail && lxc-usernsexec … | zstd --rsyncable --threads=1 >/mnt/pve/nas/dump/vzdump-lxc-101-2025_01_05-02_00_47.tar.dat' failed: exit code 2",
            archivePath: "/mnt/pve/nas/dump/vzdump-lxc-101-2025_01_05-02_00_47.tar.zst",
            warnings: 0,
          },
        ],
        requestedVmids: [100, 101],
        skippedExternal: [102],
        waitingForLock: false,
        jobOutcome: "failed",
        jobError: "job errors",
        warnings: 0,
      },
    ],
    [
      "storage offline",
      STORAGE_OFFLINE,
      {
        guests: [],
        requestedVmids: [],
        skippedExternal: [],
        waitingForLock: false,
        jobOutcome: "failed",
        jobError: "could not activate storage 'nas': storage 'nas' is not online",
        warnings: 0,
      },
    ],
    [
      "permission denied before any guest",
      PERMISSION_DENIED,
      {
        guests: [
          {
            vmid: 100,
            outcome: "failed",
            error: "Permission check failed (/vms/101, VM.Backup)",
            warnings: 0,
          },
          {
            vmid: 101,
            outcome: "failed",
            error: "Permission check failed (/vms/101, VM.Backup)",
            warnings: 0,
          },
        ],
        requestedVmids: [100, 101, 102],
        skippedExternal: [102],
        waitingForLock: false,
        jobOutcome: "failed",
        jobError: "Permission check failed (/vms/101, VM.Backup)",
        warnings: 0,
      },
    ],
    [
      "waiting for the global lock",
      LOCK_WAIT,
      {
        guests: [],
        requestedVmids: [],
        skippedExternal: [],
        waitingForLock: true,
        jobOutcome: "running",
        warnings: 0,
      },
    ],
    [
      "running with progress",
      RUNNING_WITH_PROGRESS,
      {
        guests: [
          guest100Ok,
          {
            vmid: 101,
            type: "qemu",
            outcome: "running",
            archivePath: "/mnt/pve/nas/dump/vzdump-qemu-101-2025_01_05-02_00_48.vma.zst",
            warnings: 0,
          },
        ],
        requestedVmids: [100, 101],
        skippedExternal: [],
        waitingForLock: false,
        progress: { vmid: 101, percent: 12, rateText: "120.0 MiB/s" },
        jobOutcome: "running",
        warnings: 0,
      },
    ],
    [
      "PBS with a warning",
      PBS_WITH_WARNING,
      {
        guests: [
          {
            vmid: 103,
            type: "qemu",
            outcome: "ok",
            archivePath: "vm/103/2026-03-11T08:51:30Z",
            durationSec: 6,
            warnings: 1,
          },
        ],
        requestedVmids: [103],
        skippedExternal: [],
        waitingForLock: false,
        jobOutcome: "warnings",
        warnings: 1,
      },
    ],
  ])("%s", (_label, lines, expected) => {
    const summary = parseTaskLog(lines);
    expect(summary).toEqual(expected);
    // No key is present with an undefined value.
    expect(JSON.parse(JSON.stringify(summary))).toEqual(summary);
  });
});

describe("parseTaskLog edge cases", () => {
  it("fails requested guests of a job that died in setup when the caller knows them", () => {
    const summary = parseTaskLog(STORAGE_OFFLINE, { requestedVmids: [100, 101] });
    const error = "could not activate storage 'nas': storage 'nas' is not online";
    expect(summary.requestedVmids).toEqual([100, 101]);
    expect(summary.guests).toEqual([
      { vmid: 100, outcome: "failed", error, warnings: 0 },
      { vmid: 101, outcome: "failed", error, warnings: 0 },
    ]);
  });

  it("prefers the job line over the caller's vmids", () => {
    const summary = parseTaskLog(PERMISSION_DENIED, { requestedVmids: [999] });
    expect(summary.requestedVmids).toEqual([100, 101, 102]);
    expect(summary.guests.map((g) => g.vmid)).toEqual([100, 101]);
  });

  it("does not fail requested guests of a job that is still running", () => {
    const summary = parseTaskLog(RUNNING_WITH_PROGRESS.slice(0, 1));
    expect(summary.guests).toEqual([]);
    expect(summary.jobOutcome).toBe("running");
  });

  it("fails requested guests the job never reached when it was interrupted", () => {
    const lines = [
      "INFO: starting new backup job: vzdump 100 101 --storage nas --node pve1",
      ...GUEST_100_OK,
      "ERROR: Backup job failed - interrupted by signal",
      "TASK ERROR: interrupted by signal",
    ];
    expect(parseTaskLog(lines).guests).toEqual([
      guest100Ok,
      { vmid: 101, outcome: "failed", error: "interrupted by signal", warnings: 0 },
    ]);
  });

  it.each<[string, readonly string[], boolean]>([
    ["still waiting", LOCK_WAIT, true],
    ["got the lock", [...LOCK_WAIT, "INFO: got global lock"], false],
    [
      "got the lock and started the job",
      [...LOCK_WAIT, "INFO: got global lock", "INFO: starting new backup job: vzdump 100 --storage nas"],
      false,
    ],
    ["a guest block started", [...LOCK_WAIT, "INFO: Starting Backup of VM 100 (qemu)"], false],
    [
      "timed out",
      [
        ...LOCK_WAIT,
        "ERROR: can't acquire lock '/var/run/vzdump.lock' - got timeout",
        "TASK ERROR: can't acquire lock '/var/run/vzdump.lock' - got timeout",
      ],
      false,
    ],
    ["waiting again after a guest", ["INFO: Starting Backup of VM 100 (qemu)", ...LOCK_WAIT], true],
    ["never waited", SUCCESSFUL_VM, false],
  ])("waitingForLock: %s", (_label, lines, waiting) => {
    expect(parseTaskLog(lines).waitingForLock).toBe(waiting);
  });

  it.each<[string, string, number[]]>([
    ["vmids then options", "INFO: starting new backup job: vzdump 100 101 --storage nas", [100, 101]],
    ["--all", "INFO: starting new backup job: vzdump --all 1 --mode snapshot --storage nas", []],
    ["--pool", "INFO: starting new backup job: vzdump --pool prod --storage nas", []],
    ["no arguments", "INFO: starting new backup job: vzdump", []],
    ["only vmids", "INFO: starting new backup job: vzdump 100  101", [100, 101]],
    ["comma list", "INFO: starting new backup job: vzdump 100,101 --storage nas", [100, 101]],
    ["numbers after options", "INFO: starting new backup job: vzdump 100 --bwlimit 1000 --zstd 4", [100]],
  ])("requestedVmids: %s", (_label, line, vmids) => {
    expect(parseTaskLog([line]).requestedVmids).toEqual(vmids);
  });

  it.each<[string, number[]]>([
    ["INFO: skip external VMs: 101, 102", [101, 102]],
    ["INFO: skip external VMs: 102", [102]],
    ["INFO: skip external VMs: 101, 102, 1000", [101, 102, 1000]],
  ])("skippedExternal: %s", (line, vmids) => {
    expect(parseTaskLog([line]).skippedExternal).toEqual(vmids);
  });

  it.each<[string, string, Pick<TaskLogSummary, "jobOutcome" | "jobError" | "warnings">]>([
    ["TASK OK", "TASK OK", { jobOutcome: "ok", warnings: 0 }],
    ["TASK WARNINGS", "TASK WARNINGS: 3", { jobOutcome: "warnings", warnings: 3 }],
    ["TASK ERROR", "TASK ERROR: job errors", { jobOutcome: "failed", jobError: "job errors", warnings: 0 }],
    ["empty TASK ERROR", "TASK ERROR: ", { jobOutcome: "failed", jobError: "", warnings: 0 }],
    ["no TASK line", "INFO: Backup job finished successfully", { jobOutcome: "running", warnings: 0 }],
    ["unexpected status", "TASK something else", { jobOutcome: "running", warnings: 0 }],
  ])("job outcome: %s", (_label, line, expected) => {
    const summary = parseTaskLog([line]);
    expect({
      jobOutcome: summary.jobOutcome,
      jobError: summary.jobError,
      warnings: summary.warnings,
    }).toEqual(expected);
  });

  it("counts WARN lines per guest and overall, including those outside blocks", () => {
    const summary = parseTaskLog([
      "WARN: before any guest",
      "INFO: Starting Backup of VM 100 (qemu)",
      "WARN: one",
      "WARN: two",
      "INFO: Finished Backup of VM 100 (00:01:00)",
      "WARN: between guests",
      "INFO: Starting Backup of VM 101 (lxc)",
      "WARN: three",
      "INFO: Finished Backup of VM 101 (00:00:10)",
    ]);
    expect(summary.guests.map((g) => g.warnings)).toEqual([2, 1]);
    expect(summary.warnings).toBe(5);
  });

  it("takes TASK WARNINGS over the counted WARN lines", () => {
    expect(parseTaskLog(["WARN: one", "TASK WARNINGS: 2"]).warnings).toBe(2);
  });

  it("reports a guest that failed before its block started", () => {
    const summary = parseTaskLog([
      "INFO: starting new backup job: vzdump 100 105 --storage nas --node pve1",
      "INFO: Starting Backup of VM 100 (qemu)",
      "INFO: Finished Backup of VM 100 (00:00:05)",
      "ERROR: Backup of VM 105 failed - unable to find VM '105'",
      "INFO: Backup job finished with errors",
      "TASK ERROR: job errors",
    ]);
    expect(summary.guests).toEqual([
      { vmid: 100, type: "qemu", outcome: "ok", durationSec: 5, warnings: 0 },
      { vmid: 105, outcome: "failed", error: "unable to find VM '105'", warnings: 0 },
    ]);
  });

  it("does not let an ERROR for another vmid close the open block", () => {
    const summary = parseTaskLog([
      "INFO: Starting Backup of VM 100 (qemu)",
      "ERROR: Backup of VM 101 failed - odd",
      "INFO: Finished Backup of VM 100 (00:00:05)",
    ]);
    expect(summary.guests.map((g) => [g.vmid, g.outcome])).toEqual([
      [100, "ok"],
      [101, "failed"],
    ]);
  });

  it.each<[string, readonly string[], string]>([
    [
      "TASK ERROR",
      ["INFO: Starting Backup of VM 100 (qemu)", "TASK ERROR: interrupted by signal"],
      "interrupted by signal",
    ],
    ["TASK OK", ["INFO: Starting Backup of VM 100 (qemu)", "TASK OK"], "backup did not finish"],
  ])("fails a block left open when the task ended (%s)", (_label, lines, error) => {
    expect(parseTaskLog(lines).guests).toEqual([
      { vmid: 100, type: "qemu", outcome: "failed", error, warnings: 0 },
    ]);
  });

  it("fails a block superseded by the next one, keeps the last one running", () => {
    const summary = parseTaskLog([
      "INFO: Starting Backup of VM 100 (qemu)",
      "INFO:  50% (1.0 GiB of 2.0 GiB) in 1s, read: 1.0 GiB/s, write: 1.0 GiB/s",
      "INFO: Starting Backup of VM 101 (qemu)",
    ]);
    expect(summary.guests.map((g) => [g.vmid, g.outcome, g.error])).toEqual([
      [100, "failed", "backup did not finish"],
      [101, "running", undefined],
    ]);
    expect(summary.progress).toBeUndefined();
  });

  it.each<[string, string, TaskLogSummary["progress"]]>([
    [
      "read and write",
      "INFO: 100% (32.0 GiB of 32.0 GiB) in 40s, read: 819.2 MiB/s, write: 98.1 MiB/s",
      { vmid: 100, percent: 100, rateText: "98.1 MiB/s" },
    ],
    ["no rates", "INFO:   0% (0.0 B of 32.0 GiB) in 0s", { vmid: 100, percent: 0 }],
    ["read only", "INFO:   7% (2.2 GiB of 32.0 GiB) in 2s, read: 1.1 GiB/s", { vmid: 100, percent: 7 }],
    ["not progress", "INFO: backup is sparse: 20.00 GiB (62%) total zero data", undefined],
    [
      "minutes and seconds",
      "INFO:  45% (14.4 GiB of 32.0 GiB) in 1m 24s, read: 175.5 MiB/s, write: 98.1 MiB/s",
      { vmid: 100, percent: 45, rateText: "98.1 MiB/s" },
    ],
    [
      "hours, minutes and seconds",
      "INFO:  87% (870.0 GiB of 1000.0 GiB) in 1h 2m 3s, read: 239.5 MiB/s, write: 201.0 MiB/s",
      { vmid: 100, percent: 87, rateText: "201.0 MiB/s" },
    ],
    [
      "whole minutes (zero seconds left out)",
      "INFO:  20% (6.4 GiB of 32.0 GiB) in 2m, read: 54.6 MiB/s, write: 50.0 MiB/s",
      { vmid: 100, percent: 20, rateText: "50.0 MiB/s" },
    ],
    [
      "hours and seconds (zero minutes left out)",
      "INFO:  33% (1.0 TiB of 3.0 TiB) in 1h 5s, read: 290.0 MiB/s, write: 280.0 MiB/s",
      { vmid: 100, percent: 33, rateText: "280.0 MiB/s" },
    ],
    [
      "weeks and days",
      "INFO:  99% (99.0 TiB of 100.0 TiB) in 1w 2d 3h 4m 5s, read: 90.0 MiB/s, write: 80.0 MiB/s",
      { vmid: 100, percent: 99, rateText: "80.0 MiB/s" },
    ],
    [
      "sim-style zero seconds",
      "INFO:  63% (20.2 GiB of 32.0 GiB) in 1m 0s, read: 344.7 MiB/s, write: 300.1 MiB/s",
      { vmid: 100, percent: 63, rateText: "300.1 MiB/s" },
    ],
    [
      "a field after the rates",
      "INFO:  50% (16.0 GiB of 32.0 GiB) in 1m 4s, read: 256.0 MiB/s, write: 200.0 MiB/s, zero: 1.0 GiB",
      { vmid: 100, percent: 50, rateText: "200.0 MiB/s" },
    ],
    ["no duration", "INFO:  50% (16.0 GiB of 32.0 GiB) in soon, read: 1.0 MiB/s", undefined],
    ["a unit PVE does not print", "INFO:  50% (16.0 GiB of 32.0 GiB) in 3y, read: 1.0 MiB/s", undefined],
  ])("progress: %s", (_label, line, progress) => {
    expect(parseTaskLog(["INFO: Starting Backup of VM 100 (qemu)", line]).progress).toEqual(progress);
  });

  it("drops progress once the guest finished", () => {
    const summary = parseTaskLog(GUEST_100_OK);
    expect(summary.progress).toBeUndefined();
    expect(summary.guests).toEqual([guest100Ok]);
  });

  it.each<[string, number | undefined]>([
    ["INFO: archive file size: 12KB", 12 * 1024],
    ["INFO: archive file size: 1.00TB", 1024 ** 4],
    ["INFO: archive file size: 12XB", undefined],
  ])("size line %s", (line, sizeBytes) => {
    const [guest] = parseTaskLog(["INFO: Starting Backup of VM 100 (qemu)", line]).guests;
    expect(guest?.sizeBytes).toBe(sizeBytes);
  });

  it.each<[string, number]>([
    ["00:00:00", 0],
    ["00:00:59", 59],
    ["00:59:59", 3599],
    ["01:00:00", 3600],
    ["123:04:05", 123 * 3600 + 4 * 60 + 5],
  ])("duration %s", (hms, seconds) => {
    const summary = parseTaskLog([
      "INFO: Starting Backup of VM 100 (qemu)",
      `INFO: Finished Backup of VM 100 (${hms})`,
    ]);
    expect(summary.guests[0]?.durationSec).toBe(seconds);
  });

  it("ignores a Finished line for another vmid", () => {
    const summary = parseTaskLog([
      "INFO: Starting Backup of VM 100 (qemu)",
      "INFO: Finished Backup of VM 101 (00:00:05)",
    ]);
    expect(summary.guests).toEqual([{ vmid: 100, type: "qemu", outcome: "running", warnings: 0 }]);
  });

  it("ignores guest lines outside any block and unknown or raw lines", () => {
    const summary = parseTaskLog([
      "",
      "no content",
      "INFO: creating vzdump archive '/mnt/pve/nas/dump/vzdump-qemu-100-2025_01_05-02_00_03.vma.zst'",
      "INFO: archive file size: 4.12GB",
      "INFO:  12% (4.0 GiB of 32.0 GiB) in 3s, read: 1.3 GiB/s, write: 120.0 MiB/s",
      "INFO: Finished Backup of VM 100 (00:00:45)",
      "ERROR: could not notify via target `mail-to-root`: failed to send mail",
      "DEBUG: something",
      "INFO:",
      "Starting Backup of VM 100 (qemu)",
      "TASK OK",
    ]);
    expect(summary).toEqual({
      guests: [],
      requestedVmids: [],
      skippedExternal: [],
      waitingForLock: false,
      jobOutcome: "ok",
      warnings: 0,
    });
  });

  it("accepts per-guest .log timestamps and CRLF line ends", () => {
    const summary = parseTaskLog([
      "2025-01-05 02:00:02 INFO: Starting Backup of VM 100 (qemu)\r",
      "2025-01-05 02:00:03 INFO: creating vzdump archive '/mnt/pve/nas/dump/vzdump-qemu-100-2025_01_05-02_00_03.vma.zst'\r",
      "2025-01-05 02:00:44 WARN: something odd\r",
      "2025-01-05 02:00:45 INFO: archive file size: 4.12GB\r",
      "2025-01-05 02:00:47 INFO: Finished Backup of VM 100 (00:00:45)\r",
      "TASK WARNINGS: 1\r",
    ]);
    expect(summary.guests).toEqual([{ ...guest100Ok, warnings: 1 }]);
    expect(summary.jobOutcome).toBe("warnings");
  });

  it("accepts an empty log", () => {
    const context: TaskLogContext = {};
    expect(parseTaskLog([], context)).toEqual({
      guests: [],
      requestedVmids: [],
      skippedExternal: [],
      waitingForLock: false,
      jobOutcome: "running",
      warnings: 0,
    });
  });

  it("does not share the caller's vmid array", () => {
    const requested = [100];
    const summary = parseTaskLog([], { requestedVmids: requested });
    summary.requestedVmids.push(101);
    expect(requested).toEqual([100]);
  });
});

/** A multi-guest job that ended `TASK OK`, after waiting for the node's lock. */
const MULTI_GUEST_OK = [
  "INFO: trying to get global lock - waiting...",
  "INFO: got global lock",
  "INFO: starting new backup job: vzdump 100 101 102 --storage nas --mode snapshot --compress zstd --job-id pve-backup-p0",
  "INFO: skip external VMs: 102",
  ...GUEST_100_OK,
  "INFO: Starting Backup of VM 101 (qemu)",
  "INFO: Finished Backup of VM 101 (00:00:10)",
  "INFO: Backup job finished successfully",
  "TASK OK",
];

describe("summarizeOkTaskHead", () => {
  const outcomes = (s: TaskLogSummary | undefined) => s?.guests.map((g) => [g.vmid, g.outcome, g.warnings]);

  it.each<[string, readonly string[]]>([
    ["a multi-guest job after a lock wait", MULTI_GUEST_OK],
    ["a single guest", SUCCESSFUL_VM],
  ])("names the guests of %s as the whole log does, from its head", (_name, log) => {
    const head = summarizeOkTaskHead(log.slice(0, OK_TASK_HEAD_LINES));
    const whole = parseTaskLog(log);
    expect(whole.jobOutcome).toBe("ok");
    expect(outcomes(head)).toEqual(outcomes(whole));
    expect(head).toMatchObject({
      requestedVmids: whole.requestedVmids,
      skippedExternal: whole.skippedExternal,
      jobOutcome: "ok",
      warnings: 0,
      waitingForLock: false,
    });
  });

  it.each<[string, readonly string[]]>([
    ["a head that ends before the first guest's block", MULTI_GUEST_OK.slice(0, 4)],
    ["no job line", GUEST_100_OK],
    ["a job over --all", ["INFO: starting new backup job: vzdump --all 1 --storage nas", ...GUEST_100_OK]],
    [
      "a job over a pool",
      ["INFO: starting new backup job: vzdump --pool prod --storage nas", ...GUEST_100_OK],
    ],
    ["a job line without arguments", ["INFO: starting new backup job: vzdump", ...GUEST_100_OK]],
    ["an empty log", []],
  ])("knows nothing from %s", (_name, head) => {
    expect(summarizeOkTaskHead(head)).toBeUndefined();
  });

  it("skips lines of other levels and raw tool output", () => {
    const head = [
      "WARN: odd",
      "raw output",
      "INFO: starting new backup job: vzdump 105",
      "INFO: Starting Backup of VM 105 (lxc)",
    ];
    expect(outcomes(summarizeOkTaskHead(head))).toEqual([[105, "ok", 0]]);
  });
});
