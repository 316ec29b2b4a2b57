import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * HACS and manual installs take `custom_components/pve_backup` from git as it is, and the
 * integration serves the card from its `frontend/` folder: the committed bundle must be what the
 * card's sources build today (`npm run build` refreshes it; commit it).
 */

const root = join(import.meta.dirname, "../..");
const committed = join(root, "custom_components/pve_backup/frontend/pve-backup-card.js");

describe("the card bundle the integration ships", () => {
  it("is committed and is what scripts/build-card.mjs makes from lovelace/ (run `npm run build`, commit it)", () => {
    expect(existsSync(committed), committed).toBe(true);
    const fresh = join(mkdtempSync(join(tmpdir(), "pvb-card-")), "pve-backup-card.js");
    execFileSync(process.execPath, [join(root, "scripts/build-card.mjs"), fresh], { cwd: root });
    const want = readFileSync(fresh);
    const have = readFileSync(committed);
    expect(have.length, "size of the committed card vs. the build").toBe(want.length);
    expect(have.equals(want), "the committed card differs from the build").toBe(true);
  });

  it("is not ignored by git, so a commit carries it", () => {
    const ignored = (() => {
      try {
        execFileSync("git", ["check-ignore", "-q", committed], { cwd: root });
        return true;
      } catch {
        return false;
      }
    })();
    expect(ignored).toBe(false);
  });
});
