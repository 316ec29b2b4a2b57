import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import { type SimDsm, type SimDsmOptions, type SimHyperBackupTask, startSimDsm } from "../../src/sim/dsm.js";

export interface TestCert {
  readonly cert: string;
  readonly key: string;
  readonly fingerprint: string;
}

/** A self-signed certificate for 127.0.0.1 made by Debian's openssl, like a NAS's own. */
export function selfSignedCert(cn = "nas.lab.lan"): TestCert {
  const dir = mkdtempSync(join(tmpdir(), "dsm-cert-"));
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
        "-days",
        "30",
        "-subj",
        `/CN=${cn}/O=Synology Inc.`,
        "-addext",
        "subjectAltName=IP:127.0.0.1,DNS:localhost",
      ],
      { stdio: "ignore" },
    );
    const cert = readFileSync(join(dir, "cert.pem"), "utf8");
    return {
      cert,
      key: readFileSync(join(dir, "key.pem"), "utf8"),
      fingerprint: new X509Certificate(cert).fingerprint256,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let cached: TestCert | undefined;
/** One certificate per test file (openssl takes a moment). */
export const labCert = (): TestCert => {
  cached ??= selfSignedCert();
  return cached;
};

export const NAS_USER = { account: "pve-backup", password: "s3cret-Pa55word!", admin: true } as const;

/**
 * The `nas` options for a stand-in: its URL, the test user, the pinned certificate, the NAS's
 * zone, and 10.0.0.150 (the seed lab's NFS server) as its NFS address, since it answers on loopback.
 */
export function nasOptionsFor(dsm: { readonly url: string }, cert: TestCert, timezone = "Europe/Berlin") {
  return {
    url: dsm.url,
    username: NAS_USER.account,
    password: NAS_USER.password,
    fingerprint: cert.fingerprint,
    timezone,
    nfs_server: "10.0.0.150",
  };
}

/** The seed lab's NAS: share `backups` at /volume1/backups, 8 TB, Europe/Berlin. */
export function simDsmPerTest(): (opts?: Partial<SimDsmOptions>) => Promise<{ dsm: SimDsm; cert: TestCert }> {
  const started: SimDsm[] = [];
  afterEach(async () => {
    for (const d of started.splice(0)) await d.stop();
  });
  return async (opts = {}) => {
    const cert = labCert();
    const dsm = await startSimDsm({
      cert: cert.cert,
      key: cert.key,
      timeZone: "Europe/Berlin",
      users: [NAS_USER],
      shares: [
        {
          name: "backups",
          realPath: "/volume1/backups",
          freeBytes: 6_765_432_109_876,
          totalBytes: 7_999_999_999_999,
        },
        {
          name: "homes",
          realPath: "/volume1/homes",
          freeBytes: 6_765_432_109_876,
          totalBytes: 7_999_999_999_999,
        },
      ],
      nowMs: () => Date.parse("2026-02-11T10:00:00Z"),
      ...opts,
    });
    started.push(dsm);
    return { dsm, cert };
  };
}

const HOUR_MS = 3_600_000;

/**
 * A Hyper Backup task over `/volume1/backups` whose last run started 6 h before `nowMs`, took an
 * hour and succeeded; the next is due 18 h after `nowMs`.
 */
export function hyperBackupTask(nowMs: number, over: Partial<SimHyperBackupTask> = {}): SimHyperBackupTask {
  return {
    task_id: 1,
    name: "backups to USB",
    state: "backupable",
    status: "none",
    last_bkp_result: "done",
    last_bkp_error: "",
    lastRunMs: nowMs - 6 * HOUR_MS,
    lastEndMs: nowMs - 5 * HOUR_MS,
    lastSuccessMs: nowMs - 6 * HOUR_MS,
    nextRunMs: nowMs + 18 * HOUR_MS,
    type: "image:image_local",
    folders: ["/volume1/backups"],
    ...over,
  };
}
