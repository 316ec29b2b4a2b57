import { describe, expect, it } from "vitest";
import { parseExtractedConfig } from "../../src/core/verify-archive.js";
import {
  checkPrivileges,
  planTestRestore,
  testRestorePrivileges,
  verifyPrivileges,
  withLinkDown,
} from "../../src/core/verify-restore.js";
import { QEMU_CONF } from "./vma-fixture.js";

describe("withLinkDown", () => {
  it.each([
    [
      "qemu",
      "virtio=BC:24:11:00:00:01,bridge=vmbr0,firewall=1",
      "virtio,bridge=vmbr0,firewall=1,link_down=1",
    ],
    [
      "qemu",
      "e1000=bc:24:11:00:00:01,bridge=vmbr1,tag=20,link_down=0",
      "e1000,bridge=vmbr1,tag=20,link_down=1",
    ],
    ["qemu", "virtio,bridge=vmbr0", "virtio,bridge=vmbr0,link_down=1"],
    [
      "lxc",
      "name=eth0,bridge=vmbr0,hwaddr=BC:24:11:5E:00:02,ip=dhcp,type=veth",
      "name=eth0,bridge=vmbr0,ip=dhcp,type=veth,link_down=1",
    ],
  ] as const)("%s %s", (type, value, expected) => {
    expect(withLinkDown(type, value)).toBe(expected);
  });
});

const base = {
  volid: "nas:backup/vzdump-qemu-100-2026_12_06-03_00_01.vma.zst",
  ownerVmid: 100,
  spareVmid: 990,
  node: "pve",
  targetStorage: "local-lvm",
};

describe("planTestRestore", () => {
  it("restores a VM with links down, onboot off, fresh MACs and the agent to wait for", () => {
    expect(
      planTestRestore({
        ...base,
        guestType: "qemu",
        config: parseExtractedConfig(QEMU_CONF),
        bwlimitKiB: 51200,
      }),
    ).toEqual({
      ok: true,
      plan: {
        createPath: "/nodes/pve/qemu",
        createParams: {
          vmid: 990,
          storage: "local-lvm",
          unique: 1,
          bwlimit: 51200,
          archive: base.volid,
          onboot: 0,
          net0: "virtio,bridge=vmbr0,firewall=1,link_down=1",
        },
        waitFor: "agent",
        guestPath: "/nodes/pve/qemu/990",
      },
    });
  });
  it("waits for a VM without agent to run only", () => {
    const r = planTestRestore({ ...base, guestType: "qemu", config: parseExtractedConfig("memory: 1\n") });
    expect(r).toMatchObject({ ok: true, plan: { waitFor: "running" } });
  });
  it("restores a container, then puts its links down through its config", () => {
    const config = parseExtractedConfig(
      "arch: amd64\nnet0: name=eth0,bridge=vmbr0,hwaddr=AA:BB:CC:DD:EE:FF\n",
    );
    expect(planTestRestore({ ...base, guestType: "lxc", config })).toEqual({
      ok: true,
      plan: {
        createPath: "/nodes/pve/lxc",
        createParams: {
          vmid: 990,
          storage: "local-lvm",
          unique: 1,
          ostemplate: base.volid,
          restore: 1,
          onboot: 0,
        },
        configAfter: { net0: "name=eth0,bridge=vmbr0,link_down=1" },
        waitFor: "running",
        guestPath: "/nodes/pve/lxc/990",
      },
    });
    expect(
      planTestRestore({ ...base, guestType: "lxc", config: parseExtractedConfig("arch: amd64\n") }),
    ).toMatchObject({
      plan: { configAfter: undefined },
    });
  });
  it("refuses the guest's own VMID", () => {
    expect(
      planTestRestore({ ...base, spareVmid: 100, guestType: "qemu", config: parseExtractedConfig("") }),
    ).toEqual({
      ok: false,
      problem: "the spare VMID 100 is the guest's own: choose an unused one",
    });
  });
});

describe("testRestorePrivileges", () => {
  it.each([
    ["qemu", true],
    ["lxc", false],
  ] as const)("lists what a %s test restore needs", (guestType, agent) => {
    const privs = testRestorePrivileges({
      guestType,
      ownerVmid: 100,
      spareVmid: 990,
      archiveStorage: "nas",
      targetStorage: "local-lvm",
    });
    expect(privs.some((p) => p.privs.includes("VM.GuestAgent.Audit"))).toBe(agent);
    expect(privs).toContainEqual({
      path: "/vms/990",
      privs: ["VM.Allocate"],
      why: "create and destroy the test guest",
    });
    expect(privs).toContainEqual({
      path: "/vms/100",
      privs: ["VM.Backup"],
      why: "read another guest's archive",
    });
  });
});

describe("checkPrivileges", () => {
  it("names what the token lacks for verification, inherited privileges counting", () => {
    const perms = {
      "/": { "VM.Audit": 1 },
      "/vms": { "VM.Backup": 1, "VM.Allocate": 1 },
      "/storage/nas": { "Datastore.AllocateSpace": 1 },
    };
    const checks = checkPrivileges(perms, [
      ...verifyPrivileges({ archiveStorage: "nas" }),
      { path: "/vms/990", privs: ["VM.Allocate", "VM.PowerMgmt"], why: "x" },
    ]);
    expect(checks.map((c) => c.missing)).toEqual([[], [], ["VM.PowerMgmt"]]);
  });
});
