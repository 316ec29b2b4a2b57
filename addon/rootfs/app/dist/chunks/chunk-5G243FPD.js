#!/usr/bin/env node
import { createRequire as __pvebCreateRequire } from 'node:module';
const require = __pvebCreateRequire(import.meta.url); const __dirname = import.meta.dirname;

// src/ssh/tar-scan.ts
var BLOCK = 512;
var MAX_META_BYTES = 1 << 20;
var MAX_NAME_BYTES = 4096;
var MAX_MEMBERS = 1e4;
var TarScanner = class {
  constructor(openSink = () => void 0) {
    this.openSink = openSink;
  }
  openSink;
  members = [];
  header = Buffer.alloc(BLOCK);
  headerFill = 0;
  /** Bytes of member data still to come, then padding to the next block. */
  dataLeft = 0;
  padLeft = 0;
  sink;
  meta;
  nextName;
  zeroBlocks = 0;
  ended = false;
  error;
  offset = 0;
  async push(chunk) {
    let at = 0;
    while (at < chunk.length && this.error === void 0) {
      if (this.dataLeft > 0) {
        const n2 = Math.min(this.dataLeft, chunk.length - at);
        const part = chunk.subarray(at, at + n2);
        if (this.meta) this.meta.chunks.push(Buffer.from(part));
        else if (this.sink) await this.sink.write(part);
        this.dataLeft -= n2;
        at += n2;
        this.offset += n2;
        if (this.dataLeft === 0) await this.finishMember();
        continue;
      }
      if (this.padLeft > 0) {
        const n2 = Math.min(this.padLeft, chunk.length - at);
        this.padLeft -= n2;
        at += n2;
        this.offset += n2;
        continue;
      }
      if (this.ended) {
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
  async end() {
    if (this.error === void 0) {
      if (this.dataLeft > 0 || this.headerFill > 0)
        this.error = `the archive ends inside a member after ${this.offset} bytes (truncated)`;
      else if (!this.ended)
        this.error = `the archive has no end-of-archive marker after ${this.offset} bytes (truncated)`;
    }
    if (this.sink) {
      const sink = this.sink;
      this.sink = void 0;
      await sink.end();
    }
    return { members: this.members, error: this.error };
  }
  async readHeader(h) {
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
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
    if (stored === void 0 || stored !== sum) {
      this.error = `the tar header at offset ${this.offset - BLOCK} fails its checksum: the archive is damaged`;
      return;
    }
    const size = parseSize(h.subarray(124, 136));
    if (size === void 0) {
      this.error = `the tar header at offset ${this.offset - BLOCK} has no readable size`;
      return;
    }
    const type = String.fromCharCode(h[156]);
    this.dataLeft = size;
    this.padLeft = (BLOCK - size % BLOCK) % BLOCK;
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
    if (this.nextName !== void 0) name = this.nextName;
    this.nextName = void 0;
    if (Buffer.byteLength(name) > MAX_NAME_BYTES) {
      this.error = `a tar member name of ${Buffer.byteLength(name)} bytes at offset ${this.offset - BLOCK}: not a backup archive`;
      return;
    }
    if (this.members.length >= MAX_MEMBERS) {
      this.error = `more than ${MAX_MEMBERS} tar members: not a backup archive`;
      return;
    }
    const member = {
      name: name.replace(/^(\.\/)+/, ""),
      sizeBytes: size,
      type: type === "0" || type === "\0" ? "file" : type === "5" ? "directory" : "other"
    };
    this.members.push(member);
    this.sink = member.type === "file" ? this.openSink(member) : void 0;
    if (size === 0) await this.finishMember();
  }
  async finishMember() {
    if (this.meta) {
      const text = Buffer.concat(this.meta.chunks).toString("utf8");
      if (this.meta.kind === "longname") this.nextName = text.replace(/\0+$/, "");
      else if (this.meta.kind === "pax") {
        const path = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(text);
        if (path) this.nextName = path[1];
      }
      this.meta = void 0;
      return;
    }
    if (this.sink) {
      const sink = this.sink;
      this.sink = void 0;
      await sink.end();
    }
  }
};
function cString(b) {
  const nul = b.indexOf(0);
  return b.subarray(0, nul === -1 ? b.length : nul).toString("utf8");
}
function parseOctal(b) {
  const text = cString(b).trim();
  if (!/^[0-7]+$/.test(text)) return void 0;
  return Number.parseInt(text, 8);
}
function parseSize(b) {
  if ((b[0] & 128) !== 0) {
    let n = b[0] & 127;
    for (let i = 1; i < b.length; i++) n = n * 256 + b[i];
    return Number.isSafeInteger(n) ? n : void 0;
  }
  return parseOctal(b);
}

export {
  TarScanner
};
//# sourceMappingURL=chunk-5G243FPD.js.map
