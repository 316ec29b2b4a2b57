import { describe, expect, it } from "vitest";
import { VmaChecker, type VmaResult } from "../../src/core/verify-vma.js";
import { md5, QEMU_CONF, smallVmaSpec, type VmaSpec, vmaBytes, vmaHeader } from "./vma-fixture.js";

function check(bytes: Uint8Array, chunkBytes = 7000): VmaResult {
  const c = new VmaChecker(md5);
  for (let at = 0; at < bytes.length; at += chunkBytes) c.push(bytes.subarray(at, at + chunkBytes));
  return c.end();
}

const good = vmaBytes(smallVmaSpec());
const headerBytes = vmaHeader(smallVmaSpec()).length;

/** A copy with its header (or an extent header) re-checksummed after `edit`. */
function edited(edit: (b: Buffer) => void, rehash: "header" | number | "none" = "header"): Buffer {
  const b = Buffer.from(good);
  edit(b);
  if (rehash === "header") {
    b.fill(0, 32, 48);
    Buffer.from(md5(b.subarray(0, headerBytes))).copy(b, 32);
  } else if (typeof rehash === "number") {
    const e = b.subarray(rehash, rehash + 512);
    e.fill(0, 24, 40);
    Buffer.from(md5(e)).copy(e, 24);
  }
  return b;
}

function withRehashedHeader(b: Buffer): Buffer {
  const size = b.readUInt32BE(56);
  b.fill(0, 32, 48);
  Buffer.from(md5(b.subarray(0, size))).copy(b, 32);
  return b;
}

describe("VmaChecker", () => {
  it.each([1, 511, 512, 7000, 1 << 20])("passes a whole archive fed in %i-byte chunks", (size) => {
    const r = check(good, size);
    expect(r).toMatchObject({
      ok: true,
      facts: {
        configNames: ["qemu-server.conf", "qemu-server.fw"],
        config: QEMU_CONF,
        devices: [{ id: 1, name: "drive-scsi0", sizeBytes: 1048576 }],
        extents: 1,
        ctimeSec: 1_767_000_000,
      },
    });
  });

  it("passes a disk spread over several extents, and a vmstate stream", () => {
    const spec: VmaSpec = {
      configs: [{ name: "qemu-server.conf", data: "memory: 512\n" }],
      devices: [
        { name: "drive-virtio0", sizeBytes: 100 * 65536 + 1 },
        { name: "vmstate", sizeBytes: 2 * 65536 },
      ],
      cluster: (d, c) => (d === 1 || c % 2 ? Buffer.alloc(65536, 1) : null),
    };
    expect(check(vmaBytes(spec))).toMatchObject({ ok: true, facts: { extents: 2 } });
  });

  const cases: [string, Buffer | Uint8Array, RegExp][] = [
    ["an empty stream", new Uint8Array(0), /the VMA stream is empty/],
    ["a stream cut inside the first 60 bytes", good.subarray(0, 30), /header is cut short: 30 of 12288/],
    ["a stream cut inside the header", good.subarray(0, headerBytes - 5), /header is cut short/],
    ["a wrong magic number", edited((b) => b.write("XMA", 0, "latin1"), "none"), /not a VMA archive/],
    [
      "a header size no larger than the fixed part",
      edited((b) => b.writeUInt32BE(12288, 56), "none"),
      /wrong VMA header size 12288/,
    ],
    [
      "an absurd header size",
      edited((b) => b.writeUInt32BE(0xffffffff, 56), "none"),
      /wrong VMA header size/,
    ],
    [
      "a bit flipped in the header",
      edited((b) => {
        b[3000] = (b[3000] as number) ^ 1;
      }, "none"),
      /wrong VMA header checksum/,
    ],
    [
      "a wrong stored header checksum",
      edited((b) => {
        b[40] = (b[40] as number) ^ 0xff;
      }, "none"),
      /wrong VMA header checksum/,
    ],
    ["version 2", edited((b) => b.writeUInt32BE(2, 4)), /unsupported VMA version 2/],
    [
      "a blob buffer before the fixed header",
      edited((b) => b.writeUInt32BE(100, 48)),
      /blob buffer lies outside/,
    ],
    [
      "a blob buffer past the header",
      edited((b) => b.writeUInt32BE(1 << 20, 52)),
      /blob buffer lies outside/,
    ],
    [
      "a last blob running past the buffer",
      edited((b) => b.writeUInt32BE(b.readUInt32BE(52) - 1, 52)),
      /lists no devices/,
    ],
    ["no devices", edited((b) => b.writeBigUInt64BE(0n, 4096 + 32 + 8)), /lists no devices/],
    [
      "a config name pointing nowhere",
      edited((b) => b.writeUInt32BE(9999, 2044)),
      /config entry pointing outside/,
    ],
    [
      "a config name without its NUL",
      edited((b) => b.writeUInt32BE(b.readUInt32BE(3068), 2044)),
      /config entry pointing outside/,
    ],
    ["no qemu-server.conf is fine for the checker", edited((b) => b.writeUInt32BE(0, 2044)), /^$/],
    [
      "a bit flipped in an extent header",
      edited((b) => {
        b[headerBytes + 100] = (b[headerBytes + 100] as number) ^ 4;
      }, "none"),
      /wrong checksum \(MD5\) of VMA extent 1 header/,
    ],
    [
      "an extent of another archive",
      edited((b) => {
        b[headerBytes + 8] = 0;
      }, headerBytes),
      /extent 1 belongs to another archive/,
    ],
    [
      "an extent with a wrong magic",
      edited((b) => b.write("VMAX", headerBytes, "latin1"), headerBytes),
      /extent 1 has a wrong magic/,
    ],
    [
      "an extent with reserved bits set",
      edited((b) => b.writeUInt16BE(1, headerBytes + 4), headerBytes),
      /extent 1 has a wrong magic/,
    ],
    [
      "an extent naming an unknown device",
      edited((b) => b.writeUInt8(9, headerBytes + 40 + 3), headerBytes),
      /refers to device 9/,
    ],
    [
      "an extent writing past the disk",
      edited((b) => b.writeUInt32BE(999, headerBytes + 40 + 4), headerBytes),
      /cluster 999 beyond the end of drive-scsi0/,
    ],
    [
      "a cluster listed twice",
      edited((b) => b.writeUInt32BE(1, headerBytes + 40 + 4), headerBytes),
      /repeats cluster 1 of drive-scsi0/,
    ],
    [
      "a block count that does not match the list",
      edited((b) => b.writeUInt16BE(16, headerBytes + 6), headerBytes),
      /claims 16 blocks but lists/,
    ],
    [
      "a stream cut inside extent data",
      good.subarray(0, good.length - 10),
      /ends inside extent 1 .*truncated/,
    ],
    [
      "a stream cut inside an extent header",
      good.subarray(0, headerBytes + 100),
      /ends inside extent 1 .*truncated/,
    ],
  ];
  it.each(cases)("detects %s", (_name, bytes, message) => {
    const r = check(bytes);
    if (message.source === "^$") expect(r.ok).toBe(true);
    else expect(r).toMatchObject({ ok: false, problem: expect.stringMatching(message) });
  });

  it("detects a disk cut short at an extent boundary (clusters missing)", () => {
    const spec: VmaSpec = { ...smallVmaSpec(), devices: [{ name: "drive-scsi0", sizeBytes: 100 * 65536 }] };
    const whole = vmaBytes(spec);
    const head = vmaHeader(spec).length;
    // The first extent has 59 clusters, 39 of them with data (every third is zero).
    const firstExtent = 512 + 39 * 65536;
    expect(check(whole).ok).toBe(true);
    expect(check(whole.subarray(0, head + firstExtent))).toMatchObject({
      ok: false,
      problem: "drive-scsi0 is missing 41 of 100 clusters: the VMA is cut short",
      facts: { extents: 1 },
    });
  });

  it("tracks completeness only for disks small enough to keep a bit per cluster", () => {
    const head = withRehashedHeader(
      Buffer.from(vmaHeader({ configs: [], devices: [{ name: "drive-scsi0", sizeBytes: 2 ** 47 }] })),
    );
    // One extent with one empty cluster: a 128 TiB disk's completeness is not tracked.
    const extent = Buffer.alloc(512);
    extent.write("VMAE", 0, "latin1");
    Buffer.alloc(16, 7).copy(extent, 8);
    extent.writeBigUInt64BE((1n << 32n) | 5n, 40);
    Buffer.from(md5(extent)).copy(extent, 24);
    expect(check(Buffer.concat([head, extent]))).toMatchObject({ ok: true, facts: { extents: 1 } });
  });

  it("reads a cluster with only some of its 4 KiB blocks present", () => {
    const head = vmaHeader({ configs: [], devices: [{ name: "drive-scsi0", sizeBytes: 65536 }] });
    const extent = Buffer.alloc(512);
    extent.write("VMAE", 0, "latin1");
    extent.writeUInt16BE(2, 6);
    Buffer.alloc(16, 7).copy(extent, 8);
    extent.writeBigUInt64BE((0x0005n << 48n) | (1n << 32n), 40);
    Buffer.from(md5(extent)).copy(extent, 24);
    expect(check(Buffer.concat([head, extent, Buffer.alloc(8192, 3)]))).toMatchObject({ ok: true });
    expect(check(Buffer.concat([head, extent, Buffer.alloc(4096, 3)]))).toMatchObject({ ok: false });
  });

  it("ignores the rest of the stream after the first problem", () => {
    const c = new VmaChecker(md5);
    c.push(Buffer.from("garbage that is not a VMA at all, long enough to pass sixty bytes......"));
    c.push(good);
    expect(c.end()).toMatchObject({ ok: false, problem: expect.stringMatching(/not a VMA/) });
  });
});
