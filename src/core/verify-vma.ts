/**
 * A streaming check of a VMA archive (Proxmox's VM backup format, big-endian), fed the
 * decompressed bytes in chunks of any size. It reads the header as `vma verify` does (magic,
 * header size, MD5 of the header with its checksum field zeroed, version, blob buffer, devices,
 * config blobs) and then every extent: MD5 of its 512-byte header, uuid, magic, the block list
 * against the block count, device ids, cluster numbers inside the device, no cluster twice, and at
 * the end every cluster of every disk present. Disk data itself carries no checksum in VMA; the
 * compression layer covers it. Memory: the header, one extent header and one bit per 64 KiB
 * cluster of each disk.
 *
 * Pure: the MD5 digest is passed in (the adapter hands `node:crypto`'s).
 */

export type Md5 = (bytes: Uint8Array) => Uint8Array;

export interface VmaDevice {
  readonly id: number;
  readonly name: string;
  readonly sizeBytes: number;
}

export interface VmaFacts {
  /** Backup start, epoch seconds. */
  readonly ctimeSec: number;
  readonly devices: readonly VmaDevice[];
  /** Config blob names (`qemu-server.conf`, `qemu-server.fw`). */
  readonly configNames: readonly string[];
  /** The text of `qemu-server.conf`, when the archive carries one. */
  readonly config?: string;
  readonly extents: number;
}

export type VmaResult =
  | { readonly ok: true; readonly facts: VmaFacts }
  | { readonly ok: false; readonly problem: string; readonly facts?: VmaFacts };

const MAGIC = 0x564d4100; // "VMA\0"
const EXTENT_MAGIC = 0x564d4145; // "VMAE"
/** sizeof(VmaHeader): the fixed part before the blob buffer. */
export const VMA_FIXED_HEADER_BYTES = 12288;
export const VMA_EXTENT_HEADER_BYTES = 512;
export const VMA_BLOCK_BYTES = 4096;
export const VMA_CLUSTER_BYTES = 65536;
export const VMA_BLOCKS_PER_EXTENT = 59;
/** Headers are a few KiB (configs and names); a larger claim is damage, not a header to buffer. */
const MAX_HEADER_BYTES = 16 * 1024 * 1024;
/** One bit per 64 KiB cluster: 64 TiB disks take 128 MiB of bits; beyond, completeness is not tracked. */
const MAX_TRACKED_CLUSTERS = 2 ** 30;

interface DeviceState extends VmaDevice {
  readonly clusters: number;
  readonly seen: Uint8Array | undefined;
  seenCount: number;
}

export class VmaChecker {
  private head: Uint8Array = new Uint8Array(VMA_FIXED_HEADER_BYTES);
  private headFill = 0;
  private headerBytes = 0;
  private readonly extent = new Uint8Array(VMA_EXTENT_HEADER_BYTES);
  private extentFill = 0;
  private dataLeft = 0;
  private extents = 0;
  private offset = 0;
  private problem: string | undefined;
  private facts: VmaFacts | undefined;
  private uuid: Uint8Array | undefined;
  private devices = new Map<number, DeviceState>();
  private vmstateId = 0;

  constructor(private readonly md5: Md5) {}

  /** Feed the next decompressed bytes. */
  push(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length && this.problem === undefined) {
      if (this.facts === undefined) {
        at += this.fillHeader(chunk, at);
        continue;
      }
      if (this.dataLeft > 0) {
        const n = Math.min(this.dataLeft, chunk.length - at);
        this.dataLeft -= n;
        at += n;
        this.offset += n;
        continue;
      }
      const n = Math.min(VMA_EXTENT_HEADER_BYTES - this.extentFill, chunk.length - at);
      this.extent.set(chunk.subarray(at, at + n), this.extentFill);
      this.extentFill += n;
      at += n;
      this.offset += n;
      if (this.extentFill === VMA_EXTENT_HEADER_BYTES) {
        this.extentFill = 0;
        this.readExtent();
      }
    }
  }

  /** The stream is over: is it a whole VMA? */
  end(): VmaResult {
    if (this.problem === undefined) {
      if (this.facts === undefined)
        this.problem =
          this.headFill === 0
            ? "the VMA stream is empty"
            : `the VMA header is cut short: ${this.headFill} of ${this.headerBytes || VMA_FIXED_HEADER_BYTES} bytes`;
      else if (this.extentFill > 0 || this.dataLeft > 0)
        this.problem = `the VMA ends inside extent ${this.extents + (this.extentFill > 0 ? 1 : 0)} after ${this.offset} bytes (truncated)`;
      else this.problem = this.missingClusters();
    }
    return this.problem === undefined
      ? { ok: true, facts: this.withExtents() }
      : { ok: false, problem: this.problem, facts: this.facts && this.withExtents() };
  }

  private withExtents(): VmaFacts {
    return { ...(this.facts as VmaFacts), extents: this.extents };
  }

  /** Collect the header; returns how many bytes of `chunk` it took. */
  private fillHeader(chunk: Uint8Array, at: number): number {
    const want = (this.headerBytes || VMA_FIXED_HEADER_BYTES) - this.headFill;
    const n = Math.min(want, chunk.length - at);
    this.head.set(chunk.subarray(at, at + n), this.headFill);
    this.headFill += n;
    this.offset += n;
    if (this.headerBytes === 0 && this.headFill >= 60) {
      const view = new DataView(this.head.buffer);
      if (view.getUint32(0) !== MAGIC) {
        this.problem = "not a VMA archive: the magic number is wrong";
        return n;
      }
      const size = view.getUint32(56);
      if (size <= VMA_FIXED_HEADER_BYTES || size > MAX_HEADER_BYTES) {
        this.problem = `wrong VMA header size ${size}`;
        return n;
      }
      this.headerBytes = size;
      const grown = new Uint8Array(size);
      grown.set(this.head.subarray(0, this.headFill));
      this.head = grown;
    }
    if (this.headerBytes > 0 && this.headFill === this.headerBytes) this.readHeader();
    return n;
  }

  private readHeader(): void {
    const h = this.head;
    const view = new DataView(h.buffer);
    const stored = h.slice(32, 48);
    const zeroed = h.slice();
    zeroed.fill(0, 32, 48);
    if (!sameBytes(this.md5(zeroed), stored)) {
      this.problem = "wrong VMA header checksum (MD5): the header is damaged";
      return;
    }
    const version = view.getUint32(4);
    if (version !== 1) {
      this.problem = `unsupported VMA version ${version}`;
      return;
    }
    const blobOffset = view.getUint32(48);
    const blobEnd = blobOffset + view.getUint32(52);
    if (blobOffset + 1 <= VMA_FIXED_HEADER_BYTES || blobEnd > this.headerBytes) {
      this.problem = "the VMA blob buffer lies outside the header";
      return;
    }
    // Blobs: a 2-byte little-endian size, then the data; addressed by offset into the buffer.
    const blobs = new Map<number, Uint8Array>();
    for (let start = blobOffset + 1; start + 2 <= blobEnd; ) {
      const size = (h[start] as number) + ((h[start + 1] as number) << 8);
      if (start + 2 + size <= blobEnd) blobs.set(start - blobOffset, h.subarray(start + 2, start + 2 + size));
      start += size + 2;
    }
    const text = (ptr: number) => {
      const b = blobs.get(ptr);
      return b && b.length > 0 && b[b.length - 1] === 0
        ? new TextDecoder().decode(b.subarray(0, b.length - 1))
        : undefined;
    };
    const devices: VmaDevice[] = [];
    for (let id = 1; id < 256; id++) {
      const at = 4096 + id * 32;
      const name = text(view.getUint32(at));
      const sizeBytes = Number(view.getBigUint64(at + 8));
      if (name === undefined || sizeBytes === 0) continue;
      const clusters = Math.ceil(sizeBytes / VMA_CLUSTER_BYTES);
      if (name === "vmstate") this.vmstateId = id;
      const tracked = name !== "vmstate" && clusters <= MAX_TRACKED_CLUSTERS;
      this.devices.set(id, {
        id,
        name,
        sizeBytes,
        clusters,
        seen: tracked ? new Uint8Array(Math.ceil(clusters / 8)) : undefined,
        seenCount: 0,
      });
      devices.push({ id, name, sizeBytes });
    }
    if (devices.length === 0) {
      this.problem = "the VMA lists no devices";
      return;
    }
    const configNames: string[] = [];
    let config: string | undefined;
    for (let i = 0; i < 256; i++) {
      const namePtr = view.getUint32(2044 + i * 4);
      const dataPtr = view.getUint32(3068 + i * 4);
      if (namePtr === 0 || dataPtr === 0) continue;
      const name = text(namePtr);
      const data = blobs.get(dataPtr);
      if (name === undefined || data === undefined) {
        this.problem = "the VMA header has a config entry pointing outside its blobs";
        return;
      }
      configNames.push(name);
      if (name === "qemu-server.conf") config = new TextDecoder().decode(data).replace(/\0+$/, "");
    }
    this.uuid = h.slice(8, 24);
    this.facts = {
      ctimeSec: Number(view.getBigInt64(24)),
      devices,
      configNames,
      config,
      extents: 0,
    };
    // The buffered header is no longer needed.
    this.head = new Uint8Array(0);
  }

  private readExtent(): void {
    const e = this.extent;
    const view = new DataView(e.buffer);
    const index = this.extents + 1;
    const stored = e.slice(24, 40);
    const zeroed = e.slice();
    zeroed.fill(0, 24, 40);
    if (!sameBytes(this.md5(zeroed), stored)) {
      this.problem = `wrong checksum (MD5) of VMA extent ${index} header at offset ${this.offset - VMA_EXTENT_HEADER_BYTES}: the archive is damaged`;
      return;
    }
    if (!sameBytes(e.subarray(8, 24), this.uuid as Uint8Array)) {
      this.problem = `VMA extent ${index} belongs to another archive (its uuid differs from the header's)`;
      return;
    }
    if (view.getUint32(0) !== EXTENT_MAGIC || view.getUint16(4) !== 0) {
      this.problem = `VMA extent ${index} has a wrong magic number`;
      return;
    }
    const blockCount = view.getUint16(6);
    let dataBytes = 0;
    for (let i = 0; i < VMA_BLOCKS_PER_EXTENT; i++) {
      const info = view.getBigUint64(40 + i * 8);
      const devId = Number((info >> 32n) & 0xffn);
      if (devId === 0) continue;
      const mask = Number(info >> 48n);
      const cluster = Number(info & 0xffffffffn);
      const dev = this.devices.get(devId);
      if (dev === undefined) {
        this.problem = `VMA extent ${index} refers to device ${devId}, which the header does not list`;
        return;
      }
      dataBytes += mask === 0xffff ? VMA_CLUSTER_BYTES : popcount16(mask) * VMA_BLOCK_BYTES;
      if (devId === this.vmstateId) continue;
      if (cluster >= dev.clusters) {
        this.problem = `VMA extent ${index} writes cluster ${cluster} beyond the end of ${dev.name}`;
        return;
      }
      if (dev.seen) {
        const bit = 1 << (cluster & 7);
        const byte = cluster >>> 3;
        if (((dev.seen[byte] as number) & bit) !== 0) {
          this.problem = `VMA extent ${index} repeats cluster ${cluster} of ${dev.name}`;
          return;
        }
        dev.seen[byte] = (dev.seen[byte] as number) | bit;
        dev.seenCount += 1;
      }
    }
    if (dataBytes !== blockCount * VMA_BLOCK_BYTES) {
      this.problem = `VMA extent ${index} claims ${blockCount} blocks but lists ${dataBytes / VMA_BLOCK_BYTES}`;
      return;
    }
    this.extents = index;
    this.dataLeft = dataBytes;
  }

  private missingClusters(): string | undefined {
    for (const dev of this.devices.values()) {
      if (dev.seen && dev.seenCount < dev.clusters)
        return `${dev.name} is missing ${dev.clusters - dev.seenCount} of ${dev.clusters} clusters: the VMA is cut short`;
    }
    return undefined;
  }
}

/** Both are 16-byte digests or uuids. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function popcount16(mask: number): number {
  let n = 0;
  for (let m = mask; m !== 0; m &= m - 1) n += 1;
  return n;
}
