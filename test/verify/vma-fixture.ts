import { createHash } from "node:crypto";

/**
 * A VMA archive built from the format's facts (big-endian header with MD5, little-endian blob
 * sizes, 512-byte extent headers with their own MD5, 59 block entries, 64 KiB clusters), streamed
 * as chunks so a multi-GB one never sits in memory.
 */

export interface VmaSpec {
  readonly configs: readonly { name: string; data: string }[];
  readonly devices: readonly { name: string; sizeBytes: number }[];
  readonly ctimeSec?: number;
  readonly uuid?: Buffer;
  /** The content of a cluster, or null for an all-zero one (listed with an empty mask). */
  readonly cluster?: (devIndex: number, cluster: number) => Buffer | null;
}

export const md5 = (b: Uint8Array): Uint8Array => createHash("md5").update(b).digest();

export function vmaHeader(spec: VmaSpec): Buffer {
  const blobs: Buffer[] = [Buffer.alloc(1)]; // offset 0 means "none": the buffer starts with a pad byte
  let blobSize = 1;
  const addBlob = (data: Buffer): number => {
    const at = blobSize;
    const sz = Buffer.alloc(2);
    sz.writeUInt16LE(data.length);
    blobs.push(sz, data);
    blobSize += 2 + data.length;
    return at;
  };
  const cstr = (s: string) => Buffer.concat([Buffer.from(s), Buffer.alloc(1)]);
  const fixed = Buffer.alloc(12288);
  fixed.write("VMA\0", 0, "latin1");
  fixed.writeUInt32BE(1, 4);
  (spec.uuid ?? Buffer.alloc(16, 7)).copy(fixed, 8);
  fixed.writeBigInt64BE(BigInt(spec.ctimeSec ?? 1_767_000_000), 24);
  spec.configs.forEach((c, i) => {
    fixed.writeUInt32BE(addBlob(cstr(c.name)), 2044 + i * 4);
    fixed.writeUInt32BE(addBlob(Buffer.from(c.data)), 3068 + i * 4);
  });
  spec.devices.forEach((d, i) => {
    const at = 4096 + (i + 1) * 32;
    fixed.writeUInt32BE(addBlob(cstr(d.name)), at);
    fixed.writeBigUInt64BE(BigInt(d.sizeBytes), at + 8);
  });
  const headerSize = Math.ceil((12288 + blobSize) / 512) * 512;
  fixed.writeUInt32BE(12288, 48);
  fixed.writeUInt32BE(blobSize, 52);
  fixed.writeUInt32BE(headerSize, 56);
  const head = Buffer.alloc(headerSize);
  fixed.copy(head);
  Buffer.concat(blobs).copy(head, 12288);
  Buffer.from(md5(head)).copy(head, 32);
  return head;
}

/** The whole archive, header then extents of up to 59 clusters, in order. */
export function* vmaChunks(spec: VmaSpec): Generator<Buffer> {
  yield vmaHeader(spec);
  const uuid = spec.uuid ?? Buffer.alloc(16, 7);
  const entries: { dev: number; cluster: number; data: Buffer | null }[] = [];
  const flush = function* () {
    const head = Buffer.alloc(512);
    head.write("VMAE", 0, "latin1");
    uuid.copy(head, 8);
    let blocks = 0;
    entries.forEach((e, i) => {
      const mask = e.data ? 0xffffn : 0n;
      head.writeBigUInt64BE((mask << 48n) | (BigInt(e.dev) << 32n) | BigInt(e.cluster), 40 + i * 8);
      if (e.data) blocks += 16;
    });
    head.writeUInt16BE(blocks, 6);
    Buffer.from(md5(head)).copy(head, 24);
    yield head;
    for (const e of entries) if (e.data) yield e.data;
    entries.length = 0;
  };
  for (let d = 0; d < spec.devices.length; d++) {
    const clusters = Math.ceil((spec.devices[d] as { sizeBytes: number }).sizeBytes / 65536);
    for (let c = 0; c < clusters; c++) {
      entries.push({ dev: d + 1, cluster: c, data: spec.cluster ? spec.cluster(d, c) : null });
      if (entries.length === 59) yield* flush();
    }
  }
  if (entries.length > 0) yield* flush();
}

export function vmaBytes(spec: VmaSpec): Buffer {
  return Buffer.concat([...vmaChunks(spec)]);
}

export const QEMU_CONF = [
  "agent: 1",
  "boot: order=scsi0;net0",
  "cores: 2",
  "memory: 2048",
  "name: immich",
  "net0: virtio=BC:24:11:00:00:01,bridge=vmbr0,firewall=1",
  "onboot: 1",
  "scsi0: local-lvm:vm-100-disk-0,size=1M",
  "#qmdump#map:scsi0:drive-scsi0:local-lvm:raw:",
  "",
].join("\n");

/** A small, realistic VM: one 1 MiB disk with some data, its config and firewall. */
export function smallVmaSpec(): VmaSpec {
  return {
    configs: [
      { name: "qemu-server.conf", data: QEMU_CONF },
      { name: "qemu-server.fw", data: "[OPTIONS]\nenable: 1\n" },
    ],
    devices: [{ name: "drive-scsi0", sizeBytes: 1024 * 1024 }],
    cluster: (_d, c) => (c % 3 === 0 ? null : Buffer.alloc(65536, c)),
  };
}
