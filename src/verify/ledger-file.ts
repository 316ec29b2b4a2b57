import { readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { EMPTY_LEDGER, ledgerFrom, type VerifyLedger } from "../core/verify-run.js";
import { writeJsonFile } from "../state-file.js";

/**
 * The verification ledger on disk, beside the options file (`/data/pve-backup-verify.json` in the
 * add-on): written to a temp file, flushed and renamed over the old one, so a crash or power cut
 * leaves the previous ledger or the new one, never half of one.
 */

export function ledgerPathBeside(optionsPath: string): string {
  return join(dirname(optionsPath), "pve-backup-verify.json");
}

export function loadLedger(path: string): VerifyLedger {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    // No ledger yet: nothing verified so far.
    return EMPTY_LEDGER;
  }
  try {
    return ledgerFrom(JSON.parse(text));
  } catch {
    // A damaged ledger is history lost, not a reason to stop verifying.
    return EMPTY_LEDGER;
  }
}

export function saveLedger(path: string, ledger: VerifyLedger): void {
  writeJsonFile(path, ledger);
}

/** Where the service keeps the ledger: the file beside the options, or memory (the demo). */
export interface LedgerStore {
  load(): VerifyLedger;
  save(ledger: VerifyLedger): void;
}

/**
 * The ledger file, read again only when it changed (its size or modification time): the service
 * looks at it several times a refresh, and the CLI may write it meanwhile.
 */
export function fileLedgerStore(path: string): LedgerStore {
  let cached: { stamp: string; ledger: VerifyLedger } | undefined;
  const stampOf = (): string => {
    try {
      const st = statSync(path);
      return `${st.ino} ${st.size} ${st.mtimeMs}`;
    } catch {
      // No file (yet, or any more): the empty ledger, never cached.
      return "";
    }
  };
  return {
    load() {
      const stamp = stampOf();
      if (stamp !== "" && cached?.stamp === stamp) return cached.ledger;
      const ledger = loadLedger(path);
      cached = stamp === "" ? undefined : { stamp, ledger };
      return ledger;
    },
    save(l) {
      saveLedger(path, l);
      const stamp = stampOf();
      cached = stamp === "" ? undefined : { stamp, ledger: l };
    },
  };
}

export function memoryLedgerStore(initial: VerifyLedger = EMPTY_LEDGER): LedgerStore {
  let held = initial;
  return {
    load: () => held,
    save: (l) => {
      held = l;
    },
  };
}
