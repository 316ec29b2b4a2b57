/**
 * The verification ledger as the service reads it (several times a refresh): a big lab's ledger
 * (guests × verdicts kept) parsed on every read, beside the file store that parses it again only
 * when the file changed. Prints numbers only.
 *
 *   npx esbuild bench/verify-ledger.ts --bundle --platform=node --format=esm \
 *     --outfile=/tmp/verify-ledger.mjs && node /tmp/verify-ledger.mjs [guests]
 */
import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  EMPTY_LEDGER,
  recordVerification,
  VERDICTS_KEPT,
  type VerifyLedger,
} from "../src/core/verify-run.js";
import { fileLedgerStore, loadLedger, saveLedger } from "../src/verify/ledger-file.js";

const guests = Number(process.argv[2] ?? 1000);
const ok = {
  result: "ok" as const,
  message: "PVE read the archive's header and config (1 disk)",
  problems: [],
  unchecked: [],
};
let ledger: VerifyLedger = EMPTY_LEDGER;
for (let g = 0; g < guests; g++)
  for (let n = 0; n < VERDICTS_KEPT; n++) {
    const vmid = 100 + g;
    const volid = `nas-backups:backup/vzdump-qemu-${vmid}-2026_11_${String(1 + (n % 28)).padStart(2, "0")}-03_00_${String(n).padStart(2, "0")}.vma.zst`;
    ledger = recordVerification(
      ledger,
      { key: `home_${vmid}`, vmid, volid, node: "pve", sizeBytes: 1 },
      "api",
      ok,
      0,
      5,
    );
  }
const path = join(mkdtempSync(join(tmpdir(), "ledger-bench-")), "pve-backup-verify.json");
saveLedger(path, ledger);
const reads = 200;
const time = (f: () => unknown) => {
  const t0 = performance.now();
  for (let i = 0; i < reads; i++) f();
  return (performance.now() - t0) / reads;
};
const parsedMs = time(() => loadLedger(path));
const store = fileLedgerStore(path);
store.load();
const cachedMs = time(() => store.load());
console.log(
  `ledger: ${guests} guests × ${VERDICTS_KEPT} verdicts, ${(statSync(path).size / 1e6).toFixed(2)} MB\n` +
    `parse on every read: ${parsedMs.toFixed(2)} ms/read\n` +
    `file store (unchanged file): ${cachedMs.toFixed(3)} ms/read`,
);
