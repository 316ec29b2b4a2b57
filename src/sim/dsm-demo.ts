import { type SimDsm, type SimHyperBackupTask, startSimDsm } from "./dsm.js";
import { createNodeCertificate } from "./tls.js";

/**
 * The demo lab's NAS (10.0.0.150 in the seed lab) as a DSM stand-in: share `backups` at
 * `/volume1/backups` holding the NFS export, Hyper Backup installed with no task (as the lab was
 * found), and the demo's `nas` options pointing at it with its certificate pinned (and naming
 * 10.0.0.150 as its NFS address, since the stand-in itself answers on loopback).
 */
export const DEMO_NAS_USER = { account: "pve-backup", password: "demo-nas-password-0123" } as const;

export async function startDemoDsm(opts: {
  readonly nowMs: () => number;
  readonly timeZone: string;
  readonly tasks?: readonly SimHyperBackupTask[];
  readonly freeBytes?: number;
}): Promise<{ dsm: SimDsm; options: Record<string, unknown> }> {
  // Self-signed for 127.0.0.1 like the lab's nodes; DSM's own is self-signed too until replaced.
  const cert = await createNodeCertificate("nas");
  const dsm = await startSimDsm({
    cert: cert.cert,
    key: cert.key,
    timeZone: opts.timeZone,
    users: [{ ...DEMO_NAS_USER, admin: true }],
    shares: [
      {
        name: "backups",
        realPath: "/volume1/backups",
        freeBytes: opts.freeBytes ?? 6_765_432_109_876,
        totalBytes: 7_999_999_999_999,
      },
    ],
    tasks: opts.tasks ?? [],
    nowMs: opts.nowMs,
  });
  return {
    dsm,
    options: {
      url: dsm.url,
      username: DEMO_NAS_USER.account,
      password: DEMO_NAS_USER.password,
      fingerprint: cert.fingerprint,
      timezone: opts.timeZone,
      // The lab's storage mounts the NAS by its LAN address; this stand-in answers on loopback.
      nfs_server: "10.0.0.150",
    },
  };
}
