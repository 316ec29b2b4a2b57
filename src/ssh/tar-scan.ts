/**
 * A streaming tar reader that checks a backup file as it goes past: every 512-byte header's
 * checksum (POSIX ustar, GNU and pax headers), each member's name and size, and the two zero
 * blocks that end an archive. It holds one header at a time, never the file, so memory stays flat
 * on a multi-GB backup. Member data goes to an optional sink (e.g. a gunzip that checks the CRC of
 * an inner `.tar.gz`); `push` resolves when the sink has taken the chunk, which is the
 * back-pressure that keeps the reader from running ahead.
 */

export interface TarMember {
  /** Name without a leading `./`. */
  readonly name: string;
  readonly sizeBytes: number;
  readonly type: "file" | "directory" | "other";
}

export interface MemberSink {
  write(chunk: Buffer): Promise<void> | void;
  end(): Promise<void> | void;
}

export interface TarScanResult {
  readonly members: readonly TarMember[];
  /** Why the archive is not a whole tar; undefined when it is. */
  readonly error?: string;
}

const BLOCK = 512;
/** Long names (GNU `L`, pax `x`) are small; a larger one is not a backup of ours. */
const MAX_META_BYTES = 1 << 20;
/**
 * A backup holds a handful of members with short names (backup.json, one archive per add-on and
 * folder). Beyond these bounds the file is not one, and keeping every name would let a hostile
 * file on the NAS fill memory.
 */
const MAX_NAME_BYTES = 4096;
const MAX_MEMBERS = 10_000;

export class TarScanner {
  private readonly members: TarMember[] = [];
  private header = Buffer.alloc(BLOCK);
  private headerFill = 0;
  /** Bytes of member data still to come, then padding to the next block. */
  private dataLeft = 0;
  private padLeft = 0;
  private sink: MemberSink | undefined;
  private meta: { kind: "longname" | "pax" | "global"; chunks: Buffer[] } | undefined;
  private nextName: string | undefined;
  private zeroBlocks = 0;
  private ended = false;
  private error: string | undefined;
  private offset = 0;

  constructor(private readonly openSink: (m: TarMember) => MemberSink | undefined = () => undefined) {}

  async push(chunk: Buffer): Promise<void> {
    let at = 0;
    while (at < chunk.length && this.error === undefined) {
      if (this.dataLeft > 0) {
        const n = Math.min(this.dataLeft, chunk.length - at);
        const part = chunk.subarray(at, at + n);
        if (this.meta) this.meta.chunks.push(Buffer.from(part));
        else if (this.sink) await this.sink.write(part);
        this.dataLeft -= n;
        at += n;
        this.offset += n;
        if (this.dataLeft === 0) await this.finishMember();
        continue;
      }
      if (this.padLeft > 0) {
        const n = Math.min(this.padLeft, chunk.length - at);
        this.padLeft -= n;
        at += n;
        this.offset += n;
        continue;
      }
      if (this.ended) {
        // Whatever follows the end marker (tar pads to a record size) is not read as members.
        this.offset += chunk.length - at;
        return;
      }
      const n = Math.min(BLOCK - this.headerFill, chunk.length - at);
      chunk.copy(this.header, this.headerFill, at, at + n);
      this.headerFill += n;
      at += n;
      this.offset += n;
      if (this.headerFill === BLOCK) {
        this.headerFill = 0;
        await this.readHeader(this.header);
      }
    }
  }

  /** The stream is over: was it a whole archive? */
  async end(): Promise<TarScanResult> {
    if (this.error === undefined) {
      if (this.dataLeft > 0 || this.headerFill > 0)
        this.error = `the archive ends inside a member after ${this.offset} bytes (truncated)`;
      else if (!this.ended)
        this.error = `the archive has no end-of-archive marker after ${this.offset} bytes (truncated)`;
    }
    if (this.sink) {
      const sink = this.sink;
      this.sink = undefined;
      await sink.end();
    }
    return { members: this.members, error: this.error };
  }

  private async readHeader(h: Buffer): Promise<void> {
    if (h.every((b) => b === 0)) {
      this.zeroBlocks += 1;
      if (this.zeroBlocks === 2) this.ended = true;
      return;
    }
    if (this.zeroBlocks > 0) {
      this.error = `a lone zero block before offset ${this.offset - BLOCK}: the archive is damaged`;
      return;
    }
    const stored = parseOctal(h.subarray(148, 156));
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : (h[i] as number);
    if (stored === undefined || stored !== sum) {
      this.error = `the tar header at offset ${this.offset - BLOCK} fails its checksum: the archive is damaged`;
      return;
    }
    const size = parseSize(h.subarray(124, 136));
    if (size === undefined) {
      this.error = `the tar header at offset ${this.offset - BLOCK} has no readable size`;
      return;
    }
    const type = String.fromCharCode(h[156] as number);
    this.dataLeft = size;
    this.padLeft = (BLOCK - (size % BLOCK)) % BLOCK;
    if (type === "L" || type === "x" || type === "g") {
      if (size > MAX_META_BYTES) {
        this.error = `a ${size}-byte tar extended header: not a backup archive`;
        return;
      }
      this.meta = { kind: type === "L" ? "longname" : type === "x" ? "pax" : "global", chunks: [] };
      if (size === 0) await this.finishMember();
      return;
    }
    let name = cString(h.subarray(0, 100));
    if (h.subarray(257, 262).toString("latin1") === "ustar") {
      const prefix = cString(h.subarray(345, 500));
      if (prefix) name = `${prefix}/${name}`;
    }
    if (this.nextName !== undefined) name = this.nextName;
    this.nextName = undefined;
    if (Buffer.byteLength(name) > MAX_NAME_BYTES) {
      this.error = `a tar member name of ${Buffer.byteLength(name)} bytes at offset ${this.offset - BLOCK}: not a backup archive`;
      return;
    }
    if (this.members.length >= MAX_MEMBERS) {
      this.error = `more than ${MAX_MEMBERS} tar members: not a backup archive`;
      return;
    }
    const member: TarMember = {
      name: name.replace(/^(\.\/)+/, ""),
      sizeBytes: size,
      type: type === "0" || type === "\0" ? "file" : type === "5" ? "directory" : "other",
    };
    this.members.push(member);
    this.sink = member.type === "file" ? this.openSink(member) : undefined;
    if (size === 0) await this.finishMember();
  }

  private async finishMember(): Promise<void> {
    if (this.meta) {
      const text = Buffer.concat(this.meta.chunks).toString("utf8");
      if (this.meta.kind === "longname") this.nextName = text.replace(/\0+$/, "");
      else if (this.meta.kind === "pax") {
        const path = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(text);
        if (path) this.nextName = path[1];
      }
      this.meta = undefined;
      return;
    }
    if (this.sink) {
      const sink = this.sink;
      this.sink = undefined;
      await sink.end();
    }
  }
}

function cString(b: Buffer): string {
  const nul = b.indexOf(0);
  return b.subarray(0, nul === -1 ? b.length : nul).toString("utf8");
}

function parseOctal(b: Buffer): number | undefined {
  const text = cString(b).trim();
  if (!/^[0-7]+$/.test(text)) return undefined;
  return Number.parseInt(text, 8);
}

/** Octal, or GNU base-256 (high bit set) for members of 8 GiB and more. */
function parseSize(b: Buffer): number | undefined {
  if (((b[0] as number) & 0x80) !== 0) {
    let n = (b[0] as number) & 0x7f;
    for (let i = 1; i < b.length; i++) n = n * 256 + (b[i] as number);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  return parseOctal(b);
}
