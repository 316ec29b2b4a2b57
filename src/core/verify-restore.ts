/**
 * Planning a test restore (reference pve-restore-verify.md §1–§3, §7.1): restore an archive to a
 * spare VMID with every network link down and start-on-boot off, so the copy can boot beside the
 * original without meeting it on the network; then what to wait for, and the token privileges it
 * all needs (for `doctor`).
 */

import type { Permissions } from "./model.js";
import { hasPrivilege } from "./permissions.js";
import type { ExtractedConfig } from "./verify-archive.js";

export interface TestRestoreInput {
  readonly guestType: "qemu" | "lxc";
  readonly volid: string;
  /** The guest the archive belongs to. */
  readonly ownerVmid: number;
  readonly spareVmid: number;
  readonly node: string;
  /** Where the restored disks go (must hold `images`/`rootdir`). */
  readonly targetStorage: string;
  readonly config: ExtractedConfig;
  /** KiB/s, PVE's unit for `bwlimit`; undefined = the storage's default. */
  readonly bwlimitKiB?: number;
}

export interface TestRestorePlan {
  /** `POST` here to restore. */
  readonly createPath: string;
  readonly createParams: Readonly<Record<string, string | number>>;
  /** Containers: `PUT …/config` after the restore to put the links down. */
  readonly configAfter?: Readonly<Record<string, string>>;
  /** QEMU with an agent: its ping; otherwise the guest running is all that can be seen. */
  readonly waitFor: "agent" | "running";
  readonly guestPath: string;
}

/** `link_down=1` on a network device, without its MAC so PVE makes a fresh one. */
export function withLinkDown(guestType: "qemu" | "lxc", value: string): string {
  const parts = value
    .split(",")
    .filter((p) => p !== "" && !/^link_down=/.test(p))
    .map((p) => {
      if (guestType === "lxc") return /^hwaddr=/i.test(p) ? undefined : p;
      // `virtio=BC:24:…` → `virtio`: the model stays, the MAC goes.
      const m = /^([a-z0-9-]+)=([0-9A-F]{2}(:[0-9A-F]{2}){5})$/i.exec(p);
      return m ? m[1] : p;
    })
    .filter((p): p is string => p !== undefined);
  return [...parts, "link_down=1"].join(",");
}

export type PlanResult =
  | { readonly ok: true; readonly plan: TestRestorePlan }
  | { readonly ok: false; readonly problem: string };

export function planTestRestore(input: TestRestoreInput): PlanResult {
  if (input.spareVmid === input.ownerVmid)
    return {
      ok: false,
      problem: `the spare VMID ${input.spareVmid} is the guest's own: choose an unused one`,
    };
  const kind = input.guestType;
  const nets = Object.fromEntries(input.config.nets.map((n) => [n.key, withLinkDown(kind, n.value)]));
  const guestPath = `/nodes/${input.node}/${kind}/${input.spareVmid}`;
  const common = {
    vmid: input.spareVmid,
    storage: input.targetStorage,
    unique: 1,
    ...(input.bwlimitKiB !== undefined ? { bwlimit: input.bwlimitKiB } : {}),
  };
  if (kind === "qemu")
    return {
      ok: true,
      plan: {
        createPath: `/nodes/${input.node}/qemu`,
        // Overrides replace the restored config's keys (PVE 7.2+): links down, no autostart.
        createParams: { ...common, archive: input.volid, onboot: 0, ...nets },
        waitFor: input.config.agent ? "agent" : "running",
        guestPath,
      },
    };
  return {
    ok: true,
    plan: {
      createPath: `/nodes/${input.node}/lxc`,
      createParams: { ...common, ostemplate: input.volid, restore: 1, onboot: 0 },
      configAfter: Object.keys(nets).length > 0 ? nets : undefined,
      waitFor: "running",
      guestPath,
    },
  };
}

export interface NeededPrivilege {
  readonly path: string;
  readonly privs: readonly string[];
  readonly why: string;
}

/** What the API token needs for a test restore of `ownerVmid`'s archive on `archiveStorage`. */
export function testRestorePrivileges(p: {
  readonly guestType: "qemu" | "lxc";
  readonly ownerVmid: number;
  readonly spareVmid: number;
  readonly archiveStorage: string;
  readonly targetStorage: string;
}): NeededPrivilege[] {
  const vm = `/vms/${p.spareVmid}`;
  return [
    { path: vm, privs: ["VM.Allocate"], why: "create and destroy the test guest" },
    { path: vm, privs: ["VM.PowerMgmt"], why: "start and stop it" },
    {
      path: vm,
      privs: ["VM.Config.Network", "VM.Config.Options"],
      why: "keep its links down and onboot off",
    },
    ...(p.guestType === "qemu"
      ? [{ path: vm, privs: ["VM.GuestAgent.Audit"], why: "ping its QEMU guest agent (PVE 9)" }]
      : []),
    { path: `/storage/${p.archiveStorage}`, privs: ["Datastore.AllocateSpace"], why: "read the archive" },
    { path: `/vms/${p.ownerVmid}`, privs: ["VM.Backup"], why: "read another guest's archive" },
    {
      path: `/storage/${p.targetStorage}`,
      privs: ["Datastore.AllocateSpace"],
      why: "allocate the restored disks",
    },
    {
      path: "/sdn/zones/localnetwork",
      privs: ["SDN.Use"],
      why: "attach its (downed) network devices to their bridges",
    },
  ];
}

/** The privileges the cheap check needs: `vzdump/extractconfig` (reference §4). */
export function verifyPrivileges(p: { readonly archiveStorage: string }): NeededPrivilege[] {
  return [
    {
      path: `/storage/${p.archiveStorage}`,
      privs: ["Datastore.AllocateSpace"],
      why: "let PVE read an archive's config",
    },
    { path: "/vms", privs: ["VM.Backup"], why: "read the config of each guest's archive" },
  ];
}

export interface PrivilegeCheck extends NeededPrivilege {
  /** The privileges of `privs` the token lacks on `path`. */
  readonly missing: readonly string[];
}

/** Which of the needed privileges the token has (`GET /access/permissions`). */
export function checkPrivileges(perms: Permissions, needs: readonly NeededPrivilege[]): PrivilegeCheck[] {
  return needs.map((n) => ({ ...n, missing: n.privs.filter((priv) => !hasPrivilege(perms, n.path, priv)) }));
}
