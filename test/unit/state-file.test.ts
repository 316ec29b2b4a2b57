import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeJsonFile } from "../../src/state-file.js";

describe("writeJsonFile", () => {
  it("writes JSON with a newline, making the folder, and leaves no temp file", () => {
    const dir = mkdtempSync(join(tmpdir(), "state-file-"));
    const path = join(dir, "nested", "state.json");
    writeJsonFile(path, { version: 1, a: [1, 2] });
    expect(readFileSync(path, "utf8")).toBe('{"version":1,"a":[1,2]}\n');
    expect(readdirSync(join(dir, "nested"))).toEqual(["state.json"]);
  });

  it("keeps the previous file and removes its temp file when the write fails", () => {
    const dir = mkdtempSync(join(tmpdir(), "state-file-"));
    const path = join(dir, "state.json");
    writeFileSync(path, '{"version":1}\n');
    // A folder with content where the file goes: the rename over it fails, as a write on a full disk would.
    const blocked = join(dir, "blocked.json");
    mkdirSync(join(blocked, "inside"), { recursive: true });
    expect(() => writeJsonFile(blocked, { version: 2 })).toThrow();
    expect(readdirSync(dir).sort()).toEqual(["blocked.json", "state.json"]);
    expect(readFileSync(path, "utf8")).toBe('{"version":1}\n');
  });
});
