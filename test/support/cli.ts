import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Options } from "../../src/config/schema.js";
import { demoOptions } from "../../src/demo.js";
import type { SimLab } from "../../src/sim/lab.js";

const root = join(import.meta.dirname, "../..");
export const CLI = join(root, "dist/cli.js");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the built `pve-backup` binary, as a cron job would. */
export function runCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { ...process.env, ...env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 99) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Write options pointing at the lab (optionally with another token) to a temp file. */
export function optionsFileFor(
  lab: Pick<SimLab, "url" | "fingerprint">,
  over: Partial<Options> = {},
  token?: { id: string; secret: string },
): string {
  const opts = demoOptions(lab, over);
  if (token)
    opts.clusters = opts.clusters.map((c) => ({ ...c, token_id: token.id, token_secret: token.secret }));
  const dir = mkdtempSync(join(tmpdir(), "pve-backup-test-"));
  const file = join(dir, "options.json");
  writeFileSync(file, JSON.stringify({ timezone: "UTC", ...opts }));
  return file;
}

/** `pve-backup status --json` against the lab, at the lab's clock. */
export async function statusOf(
  lab: SimLab,
  over: Partial<Options> = {},
  token?: { id: string; secret: string },
) {
  const r = await runCli(["status", "--json", "--options", optionsFileFor(lab, over, token)], {
    PVE_BACKUP_NOW: new Date(lab.nowMs()).toISOString(),
  });
  let json:
    | {
        guests: Array<Record<string, unknown> & { vmid: number; status: string; reason: string }>;
        clusters: Array<{ problems: string[] }>;
      }
    | undefined;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    throw new Error(`status printed no JSON (exit ${r.code}): ${r.stderr}`);
  }
  const byVmid = Object.fromEntries((json?.guests ?? []).map((g) => [g.vmid, g]));
  return { ...r, json: json as NonNullable<typeof json>, byVmid };
}
