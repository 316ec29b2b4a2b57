import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EMPTY_LEDGER } from "../../src/core/verify-run.js";
import { fileLedgerStore, saveLedger } from "../../src/verify/ledger-file.js";

const entry = (result: "ok" | "failed") => ({
  time: "2026-12-06T03:10:00.000Z",
  depth: "api" as const,
  result,
  durationMs: 1,
  message: "m",
  volid: "v",
});

describe("the ledger file store", () => {
  it("reads the file once while it is unchanged, and again when another writer replaced it", () => {
    const path = join(mkdtempSync(join(tmpdir(), "ledger-")), "pve-backup-verify.json");
    const store = fileLedgerStore(path);
    expect(store.load()).toEqual(EMPTY_LEDGER);
    const mine = { ...EMPTY_LEDGER, lastVerified: { home_100: entry("ok") } };
    store.save(mine);
    expect(store.load()).toBe(mine);
    expect(store.load()).toBe(mine);
    // The CLI writes the file beside the service.
    saveLedger(path, { ...EMPTY_LEDGER, lastVerified: { home_100: entry("failed") } });
    expect(store.load().lastVerified.home_100?.result).toBe("failed");
    writeFileSync(path, "not json");
    expect(store.load()).toEqual(EMPTY_LEDGER);
  });
});
