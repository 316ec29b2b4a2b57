import { describe, expect, it } from "vitest";
import { buildRegister, guestKey, type RegisterJob, type RegisterRow } from "../../src/core/register.js";
import type { GuestReport } from "../../src/core/status.js";
import {
  renderStrategy,
  restoreAsNewCommand,
  restoreCommand,
  rootfsStorage,
  type StrategyInput,
  shellWord,
} from "../../src/core/strategy.js";

const T0 = Date.parse("2026-02-11T03:00:02Z");

const guest = (vmid: number, type: "qemu" | "lxc", over: Partial<GuestReport> = {}): GuestReport => ({
  cluster: "home",
  vmid,
  name: `g${vmid}`,
  type,
  node: "pve",
  tier: "P0",
  status: "ok",
  lastBackup: {
    timeMs: T0,
    volid: `nas-backups:backup/vzdump-${type}-${vmid}-2026_02_11-03_00_02.${type === "qemu" ? "vma" : "tar"}.zst`,
    storage: "nas-backups",
    sizeBytes: 1000,
    notes: null,
  },
  lastAttempt: null,
  expectedByMs: null,
  reason: "",
  jobs: ["p0"],
  ...over,
});

const JOBS: RegisterJob[] = [
  {
    cluster: "home",
    id: "p0",
    enabled: true,
    schedule: "03:00",
    storage: "nas-backups",
    retention: "keep-last=3",
  },
  { cluster: "home", id: "old", enabled: false, schedule: "sun 04:00", storage: "local" },
  { cluster: "alpha", id: "z", enabled: true },
  { cluster: "beta", id: "b", enabled: false },
  { cluster: "alpha", id: "a", enabled: false },
];

const input = (
  over: Partial<StrategyInput> = {},
  guests = [guest(100, "qemu"), guest(105, "lxc")],
): StrategyInput => ({
  register: buildRegister({
    guests,
    jobs: JOBS,
    tiers: [{ name: "P0", schedule: "03:00", keepLast: 3 }],
    archives: new Map([
      [
        guestKey("home", 100),
        [
          {
            vmid: 100,
            volid: "x",
            storage: "nas-backups",
            type: "qemu",
            timeMs: T0,
            sizeBytes: 1,
            format: "vma.zst",
            protected: true,
          },
        ],
      ],
    ]),
  }),
  jobs: JOBS,
  tiers: [{ name: "P0", schedule: "03:00", keepLast: 3 }],
  storages: [
    { storage: "nas-backups", type: "nfs", server: "10.0.0.150", export: "/volume1/backups/proxmox" },
  ],
  timeZone: "Europe/Berlin",
  ...over,
});

describe("restoreCommand", () => {
  const vm: Pick<RegisterRow, "vmid" | "type" | "lastVolid"> = {
    vmid: 100,
    type: "qemu",
    lastVolid: "s:backup/a.vma.zst",
  };
  it.each([
    [vm, "qmrestore s:backup/a.vma.zst 100 --force 1"],
    [
      { vmid: 105, type: "lxc", lastVolid: "s:backup/b.tar.zst" },
      "pct restore 105 s:backup/b.tar.zst --storage <storage for disks> --force 1",
    ],
    [{ vmid: 105, type: "lxc", lastVolid: null }, undefined],
  ] as const)("restores %j with %s", (row, command) => {
    expect(restoreCommand(row)).toBe(command);
  });

  it("puts a container's disks on its root disk's storage; a VM's command ignores it", () => {
    expect(restoreCommand({ vmid: 105, type: "lxc", lastVolid: "s:backup/b.tar.zst" }, "zfs-ct")).toBe(
      "pct restore 105 s:backup/b.tar.zst --storage zfs-ct --force 1",
    );
    expect(restoreCommand(vm, "zfs-ct")).toBe("qmrestore s:backup/a.vma.zst 100 --force 1");
    expect(restoreAsNewCommand({ vmid: 105, type: "lxc", lastVolid: "s:b" }, "9105", "zfs-ct")).toBe(
      "pct restore 9105 s:b --unique 1 --storage zfs-ct",
    );
  });

  it("restores beside the guest with new MAC addresses", () => {
    expect(restoreAsNewCommand(vm, "9100")).toBe("qmrestore s:backup/a.vma.zst 9100 --unique 1");
    expect(restoreAsNewCommand({ vmid: 105, type: "lxc", lastVolid: "s:b" }, "9105")).toBe(
      "pct restore 9105 s:b --unique 1 --storage <storage for disks>",
    );
    expect(restoreAsNewCommand({ vmid: 105, type: "lxc", lastVolid: null }, "9105")).toBeUndefined();
  });
});

describe("rootfsStorage", () => {
  it.each([
    ["local-lvm:vm-105-disk-0,size=8G", "local-lvm"],
    ["volume=zfs.ct_1:subvol-105-disk-0,size=8G,acl=1", "zfs.ct_1"],
    ["local:105/vm-105-disk-0.raw", "local"],
    ["/mnt/bind/root", undefined],
    ["", undefined],
    [undefined, undefined],
  ])("reads the storage of rootfs %j as %j", (rootfs, storage) => {
    expect(rootfsStorage(rootfs)).toBe(storage);
  });
});

describe("renderStrategy", () => {
  it("says what runs when, where copies live, what is kept and how to restore every guest", () => {
    const md = renderStrategy(input());
    expect(md).toContain("Times are Europe/Berlin wall-clock times");
    expect(md).toContain("| alpha/z | yes | - | - | - | - |");
    expect(md).toContain("| home/old | no | sun 04:00 | local | - | - |");
    expect(md).toContain("| home/p0 | yes | 03:00 | nas-backups | keep-last=3 | 100, 105 |");
    expect(md.indexOf("alpha/z")).toBeLessThan(md.indexOf("home/old"));
    expect(md).toContain("- **P0**: `03:00`, keep the last 3");
    expect(md).toContain("no `ha_backups` option");
    expect(md).toContain("- `nas-backups`: nfs on 10.0.0.150, export `/volume1/backups/proxmox`");
    expect(md).toContain("| 100 g100 | 1 (1) | unknown | unknown |");
    expect(md).toContain("- 100 g100: `keep-last=3`, plus 1 protected archive(s) kept until removed by hand");
    expect(md).toContain("- 105 g105: `keep-last=3`\n");
    expect(md).toContain(
      "3. Restore it over the guest: `qmrestore nas-backups:backup/vzdump-qemu-100-2026_02_11-03_00_02.vma.zst 100 --force 1`",
    );
    expect(md).toContain(
      "3. Restore it over the guest: `pct restore 105 nas-backups:backup/vzdump-lxc-105-2026_02_11-03_00_02.tar.zst --storage <storage for disks> --force 1` (its config could not be read: name the storage for its disks)",
    );
    const known = renderStrategy(input({ rootfsStorages: new Map([[guestKey("home", 105), "zfs-ct"]]) }));
    expect(known).toContain(
      "3. Restore it over the guest: `pct restore 105 nas-backups:backup/vzdump-lxc-105-2026_02_11-03_00_02.tar.zst --storage zfs-ct --force 1` (its disks go to `zfs-ct`, where its root disk is now)",
    );
    expect(known).toContain(
      "`pct restore 9105 nas-backups:backup/vzdump-lxc-105-2026_02_11-03_00_02.tar.zst --unique 1 --storage zfs-ct`",
    );
    expect(md).toContain("`pct shutdown 105`");
    expect(md).toContain("`qm start 100`");
    expect(md).toContain("| 100 g100 | unknown | unknown | unknown | unknown |");
    expect(md).toContain("## Open gaps\n\nNone.");
    expect(md).not.toContain("Home Assistant's own backup\n");
  });

  it("names guests without an archive, gaps, Home Assistant's backups and storages it cannot describe", () => {
    const md = renderStrategy(
      input(
        {
          jobs: [],
          tiers: [],
          storages: [
            { storage: "local", type: "dir" },
            { storage: "nas-backups", type: "cifs", server: "nas" },
          ],
          haBackups: { schedule: "daily", copies: 3, sharePath: "/volume1/backups/homeassistant_backups" },
        },
        [
          guest(101, "qemu", { lastBackup: null, status: "never", tier: null, jobs: [] }),
          guest(102, "qemu", { jobs: ["other"] }),
          guest(103, "lxc", { jobs: ["old"] }),
          guest(104, "lxc"),
        ],
      ),
    );
    expect(md).toContain("- `nas-backups`: cifs on nas (archives in its `dump/` folder)");
    expect(md).toContain("No backup job exists.");
    expect(md).not.toContain("Tiers of the policy");
    expect(md).toContain(
      "Home Assistant's own backups: daily, 3 copies kept on the NAS share `/volume1/backups/homeassistant_backups`.",
    );
    expect(md).toContain("- `local`: dir\n");
    expect(md).toContain(
      "choose the newest backup stored on the NAS share `/volume1/backups/homeassistant_backups`, then Restore.",
    );
    expect(md).toContain("No archive of 101 exists");
    expect(md).toContain("`pve-backup backup 101`");
    expect(md).toContain("- 101 g101: none set");
    expect(md).toContain("- 101 g101: no backup yet; no tier in the policy");
  });

  it("says when no enabled job writes anywhere, and when a storage is not in PVE's configuration", () => {
    const none = renderStrategy(input({}, [guest(101, "qemu", { jobs: [] })]));
    expect(none).toContain("- No enabled job writes backups anywhere.");
    const withCopies = input({ storages: [] });
    const copied = renderStrategy({
      ...withCopies,
      register: {
        ...withCopies.register,
        guests: withCopies.register.guests.map((g) => ({
          ...g,
          offNas: "yes" as const,
          offNasTime: "2026-02-11T05:00:00.000Z",
        })),
      },
    });
    expect(copied).toContain("| yes, 2026-02-11T05:00:00.000Z |");
    const unknown = renderStrategy(input({ storages: [] }));
    expect(unknown).toContain("- `nas-backups`: storage not found in PVE's configuration");
  });
});

describe("the strategy document against hostile names and ids", () => {
  it.each([
    [
      "nas-backups:backup/vzdump-qemu-100-2026_02_11-03_00_02.vma.zst",
      "nas-backups:backup/vzdump-qemu-100-2026_02_11-03_00_02.vma.zst",
    ],
    ["nas backups:x; rm -rf /", "'nas backups:x; rm -rf /'"],
    ["a$(reboot)", "'a$(reboot)'"],
    ["it's", "'it'\\''s'"],
    ["", "''"],
  ])("shell word %j → %s", (text, word) => {
    expect(shellWord(text)).toBe(word);
  });

  it("quotes a volume id or storage a shell would interpret, so a pasted command is one command", () => {
    const row = { vmid: 100, type: "qemu", lastVolid: "nas;reboot:backup/x.vma.zst" } as const;
    expect(restoreCommand(row)).toBe("qmrestore 'nas;reboot:backup/x.vma.zst' 100 --force 1");
    expect(restoreAsNewCommand({ ...row, type: "lxc" }, "9100", "local lvm|x")).toBe(
      "pct restore 9100 'nas;reboot:backup/x.vma.zst' --unique 1 --storage 'local lvm|x'",
    );
    const doc = renderStrategy(
      input({}, [
        guest(100, "qemu", {
          lastBackup: {
            timeMs: T0,
            volid: "nas`x`;id:backup/a.vma.zst",
            storage: "nas",
            sizeBytes: 1,
            notes: null,
          },
        }),
      ]),
    );
    expect(doc).toContain("``pvesm list 'nas`x`;id' --vmid 100``");
    expect(doc).toContain("``qmrestore 'nas`x`;id:backup/a.vma.zst' 100 --force 1``");
  });

  it("keeps a guest name with line breaks, '#' and '-' on its own heading and list line", () => {
    const doc = renderStrategy(
      input({}, [
        guest(100, "qemu", { name: "web\n# Injected\n- item" }),
        guest(105, "lxc", { name: "`tick`" }),
      ]),
    );
    expect(doc).not.toMatch(/^# Injected/m);
    expect(doc).not.toMatch(/^- item/m);
    expect(doc).toContain("### 100 web # Injected - item (VM, cluster home)");
    expect(doc).toContain("- 100 web # Injected - item: ");
  });

  it("writes a path starting with a backtick as a padded code span, exactly", () => {
    const doc = renderStrategy(input({ haBackups: { schedule: "daily", copies: 3, sharePath: "`/x" } }));
    expect(doc).toContain("the NAS share `` `/x ``, then Restore");
  });
});
