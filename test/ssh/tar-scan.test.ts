import { describe, expect, it } from "vitest";
import { TarScanner } from "../../src/ssh/tar-scan.js";

/** One 512-byte ustar header with a valid checksum. */
function header(name: string, sizeBytes: number, type = "0"): Buffer {
  const h = Buffer.alloc(512);
  h.write(name.slice(0, 100), 0, "utf8");
  h.write("0000644\0", 100);
  h.write("0000000\0", 108);
  h.write("0000000\0", 116);
  h.write(`${sizeBytes.toString(8).padStart(11, "0")}\0`, 124);
  h.write("00000000000\0", 136);
  h.write("        ", 148);
  h.write(type, 156);
  h.write("ustar\0", 257);
  h.write("00", 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
  return h;
}

const padded = (data: Buffer) => Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
const END = Buffer.alloc(1024);

/** A GNU long name (`././@LongLink`, type L) followed by the member it names. */
function longNamed(name: string): Buffer {
  const text = Buffer.from(`${name}\0`);
  return Buffer.concat([header("././@LongLink", text.length, "L"), padded(text), header("x", 0)]);
}

async function scan(...parts: Buffer[]) {
  const s = new TarScanner();
  for (const p of parts) await s.push(p);
  return s.end();
}

describe("TarScanner against hostile archives", () => {
  it("reads a member named by a GNU long name", async () => {
    const name = `${"d/".repeat(100)}backup.json`;
    const r = await scan(longNamed(name), END);
    expect(r.error).toBeUndefined();
    expect(r.members.map((m) => m.name)).toEqual([name]);
  });

  it("stops at a member name longer than any path, naming its size", async () => {
    const r = await scan(longNamed("n".repeat(600_000)), END);
    expect(r.error).toMatch(/^a tar member name of 600000 bytes at offset \d+: not a backup archive$/);
    expect(r.members).toEqual([]);
  });

  it("stops counting members of an archive that holds far more than a backup", async () => {
    const many = Buffer.concat(Array.from({ length: 10_001 }, (_, i) => header(`m${i}`, 0)));
    const r = await scan(many, END);
    expect(r.error).toBe("more than 10000 tar members: not a backup archive");
    expect(r.members).toHaveLength(10_000);
  });
});
