import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseCsv } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { renderRegister } from "../../src/commands/export.js";
import { buildRegister } from "../../src/core/register.js";
import type { GuestReport } from "../../src/core/status.js";

const PYTHON = join(process.cwd(), ".venv/bin/python");

/** Names a careless user (or a hand-edited config) can give a guest that every format must keep as text. */
const NAMES = [
  "yes",
  "no",
  "on",
  "off",
  "y",
  "~",
  "null",
  ": x",
  "- a",
  "#c",
  "0777",
  "1_000",
  "12:30",
  "2026-01-01",
  "two\nlines",
  "`tick`",
  "a|b",
  'say "hi", ok',
  "=1+1",
  "ünïcødé 😀",
  "x".repeat(500),
];

const guest = (vmid: number, name: string): GuestReport => ({
  cluster: "home",
  vmid,
  name,
  type: "qemu",
  node: "pve",
  tier: null,
  status: "never",
  lastBackup: null,
  lastAttempt: null,
  expectedByMs: null,
  reason: "",
  jobs: [],
});

const register = () =>
  buildRegister({
    guests: NAMES.map((n, i) => guest(100 + i, n)),
    jobs: [],
    tiers: [],
    archives: new Map(),
  });

describe("the register's formats with hostile guest names", () => {
  it.skipIf(!existsSync(PYTHON))(
    "YAML reads back the same names in PyYAML (YAML 1.1, as Home Assistant reads)",
    () => {
      const dir = mkdtempSync(join(tmpdir(), "register-yaml-"));
      try {
        const file = join(dir, "register.yaml");
        writeFileSync(file, renderRegister(register(), "yaml"));
        const out = execFileSync(PYTHON, [
          "-c",
          "import json,sys,yaml; print(json.dumps([g['name'] for g in yaml.safe_load(open(sys.argv[1]))['guests']]))",
          file,
        ]).toString();
        expect(JSON.parse(out)).toEqual(NAMES);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it("CSV reads back the same names", () => {
    const records = parseCsv(renderRegister(register(), "csv"), { columns: true }) as Record<
      string,
      string
    >[];
    expect(records.map((r) => r.name)).toEqual(NAMES);
  });

  it("Markdown keeps one table row a guest", () => {
    const lines = renderRegister(register(), "md")
      .split("\n")
      .filter((l) => l.startsWith("| home/"));
    expect(lines).toHaveLength(NAMES.length);
  });
});
