import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

/** A Home Assistant-shaped backup: `./backup.json` and `./homeassistant.tar.gz`, as Core writes it. */
export function makeBackupTar(dir: string, backupId: string, payloadBytes: number): string {
  const work = mkdtempSync(join(tmpdir(), "pve-backup-mk-"));
  writeFileSync(
    join(work, "backup.json"),
    JSON.stringify({ slug: backupId, name: `Backup ${backupId}`, protected: false, compressed: true }),
  );
  writeFileSync(join(work, "homeassistant.tar.gz"), gzipSync(randomBytes(payloadBytes), { level: 1 }));
  const file = join(dir, `${backupId}.tar`);
  execFileSync("tar", ["-cf", file, "-C", work, "./backup.json", "./homeassistant.tar.gz"]);
  chmodSync(file, 0o644);
  return file;
}
