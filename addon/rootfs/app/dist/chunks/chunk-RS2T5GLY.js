#!/usr/bin/env node
import { createRequire as __pvebCreateRequire } from 'node:module';
const require = __pvebCreateRequire(import.meta.url); const __dirname = import.meta.dirname;
import {
  TarScanner
} from "./chunk-5G243FPD.js";

// src/core/archive-name.ts
var VMID = "[1-9][0-9]{2,8}";
var ARCHIVE_RE = new RegExp(
  `^vzdump-(qemu|lxc|openvz)-(${VMID})-(\\d{4})_(\\d{2})_(\\d{2})-(\\d{2})_(\\d{2})_(\\d{2})\\.(tgz|(?:vma|tar)(?:\\.(?:zst|lzo|gz|bz2))?)$`
);
var STORAGE = "[A-Za-z][A-Za-z0-9_.-]*";
var FILE_VOLID_RE = new RegExp(`^(${STORAGE}):backup/([^/]+)$`);
var PBS_VOLID_RE = new RegExp(
  `^(${STORAGE}):backup/(vm|ct)/(${VMID})/(\\d{4})-(\\d{2})-(\\d{2})T(\\d{2}):(\\d{2}):(\\d{2})Z$`
);
var DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
function isLeapYear(year) {
  return year % 4 === 0 && year % 100 !== 0 || year % 400 === 0;
}
function daysInMonth(year, month) {
  return month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1];
}
function toWallClock(parts) {
  const [year, month, day, hour, minute, second] = parts.map(Number);
  const valid = month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) && hour <= 23 && minute <= 59 && second <= 59;
  return valid ? { year, month, day, hour, minute, second } : void 0;
}
function parseArchiveName(fileName) {
  const m = ARCHIVE_RE.exec(fileName);
  if (!m) return void 0;
  const wall = toWallClock(m.slice(3, 9));
  if (!wall) return void 0;
  return { vmid: Number(m[2]), type: m[1], ...wall, format: m[9] };
}
function utcMs(w) {
  const date = /* @__PURE__ */ new Date(0);
  date.setUTCFullYear(w.year, w.month - 1, w.day);
  date.setUTCHours(w.hour, w.minute, w.second, 0);
  return date.getTime();
}
function parseBackupVolid(volid) {
  const pbs = PBS_VOLID_RE.exec(volid);
  if (pbs) {
    const wall = toWallClock(pbs.slice(4, 10));
    if (!wall) return void 0;
    return {
      storage: pbs[1],
      kind: "pbs",
      type: pbs[2] === "vm" ? "qemu" : "lxc",
      vmid: Number(pbs[3]),
      timeMs: utcMs(wall)
    };
  }
  const file = FILE_VOLID_RE.exec(volid);
  if (!file) return void 0;
  const fileName = file[2];
  const name = parseArchiveName(fileName);
  if (!name) return void 0;
  return { storage: file[1], kind: "file", name, fileName };
}

// src/core/verify-archive.ts
function archiveLayers(fileName) {
  const name = parseArchiveName(fileName);
  if (name === void 0 || name.type === "openvz") return void 0;
  const [format, ext] = name.format === "tgz" ? ["tar", "gz"] : name.format.split(".");
  const base = fileName.slice(0, fileName.length - name.format.length - 1);
  return {
    vmid: name.vmid,
    guestType: name.type,
    format,
    compression: ext ?? "none",
    logName: `${base}.log`
  };
}
var LOG_LINE_RE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (INFO|WARN|ERROR): (.*)$/;
function judgeBackupLog(text, vmid) {
  if (text === void 0) return { ok: false, problem: "the run's .log beside the archive is missing" };
  const entries = text.split("\n").map((l) => LOG_LINE_RE.exec(l.trimEnd())).filter((m) => m !== null);
  const failed = entries.find((m) => /^Backup of VM \d+ failed - /.test(m[2]));
  if (failed) return { ok: false, problem: `the run's log says: ${failed[2]}` };
  const last = entries[entries.length - 1];
  if (last && new RegExp(`^Finished Backup of VM ${vmid} \\(`).test(last[2])) return { ok: true };
  return { ok: false, problem: `the run's log does not end with 'Finished Backup of VM ${vmid}'` };
}
function outcome(problems, unchecked, okMessage) {
  const tail = unchecked.length > 0 ? `; not checked: ${unchecked.join(", ")}` : "";
  return problems.length > 0 ? { result: "failed", message: `${problems.join("; ")}${tail}`, problems, unchecked } : { result: "ok", message: `${okMessage}${tail}`, problems, unchecked };
}
var DECODER_NAME = {
  zst: "zstd",
  gz: "gzip",
  lzo: "lzo",
  bz2: "bzip2",
  none: ""
};
function judgeFullCheck(f) {
  const problems = [];
  const unchecked = [];
  const { layers } = f;
  if (f.readBytes < f.listedBytes)
    problems.push(`only ${f.readBytes} of ${f.listedBytes} bytes could be read`);
  const decoder = DECODER_NAME[layers.compression];
  if ("unchecked" in f.decode) unchecked.push(`${decoder} layer (${f.decode.unchecked})`);
  else if (f.decode.error !== void 0) problems.push(`the ${decoder} stream is damaged: ${f.decode.error}`);
  const s = f.structure;
  if (s.kind === "unchecked") unchecked.push(`${layers.format} structure (${s.reason})`);
  else if (s.kind === "vma") {
    if (!s.result.ok) problems.push(s.result.problem);
    else if (s.result.facts.config === void 0) problems.push("the VMA carries no qemu-server.conf");
  } else if (s.error !== void 0) problems.push(s.error);
  else if (layers.guestType === "lxc" && s.members[0] !== "etc/vzdump/pct.conf")
    problems.push("the container archive does not start with ./etc/vzdump/pct.conf");
  const log = judgeBackupLog(f.log, layers.vmid);
  if (!log.ok) problems.push(log.problem);
  const what = layers.format === "vma" ? "VMA header, extents and disks" : "tar listing";
  const layer = decoder && !("unchecked" in f.decode) ? `${decoder} checksum, ` : "";
  return outcome(
    problems,
    unchecked,
    `read ${f.readBytes} bytes: ${layer}${what} and the run's log are whole`
  );
}
function parseExtractedConfig(text) {
  const nets = [];
  const disks = [];
  let agent = false;
  let onboot = false;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    const map = /^#qmdump#map:([a-z]+\d+):/.exec(line);
    if (map) disks.push(map[1]);
    const kv = /^([a-z][a-z0-9_-]*):\s*(.*)$/.exec(line);
    if (!kv) continue;
    const [, key, value] = kv;
    if (/^net\d+$/.test(key)) nets.push({ key, value });
    else if (key === "agent") agent = /^(1|enabled=1)\b/.test(value);
    else if (key === "onboot") onboot = value === "1";
    else if (key === "rootfs" || /^mp\d+$/.test(key)) disks.push(key);
  }
  return { nets, agent, onboot, disks };
}
function judgeExtractedConfig(guestType, result) {
  if ("error" in result) return outcome([`PVE cannot read the archive's config: ${result.error}`], [], "");
  const config = parseExtractedConfig(result.text);
  const looksRight = guestType === "qemu" ? /^(memory|cores|sockets|ostype|#qmdump#map):/m.test(result.text) : /^(arch|rootfs|hostname):/m.test(result.text);
  if (!looksRight)
    return outcome(
      [
        `the config PVE extracted from the archive is not a ${guestType === "qemu" ? "VM" : "container"} config`
      ],
      [],
      ""
    );
  return outcome(
    [],
    ["the data past the header (run a full check)"],
    `PVE read the archive's header and config (${config.disks.length} disk${config.disks.length === 1 ? "" : "s"})`
  );
}
function throttleDelayMs(readBytes, elapsedMs, bytesPerSec) {
  if (bytesPerSec <= 0) return 0;
  return Math.max(0, Math.ceil(readBytes / bytesPerSec * 1e3 - elapsedMs));
}

// src/verify/archive-stream.ts
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import * as zlib from "node:zlib";

// src/core/verify-vma.ts
var MAGIC = 1447903488;
var EXTENT_MAGIC = 1447903557;
var VMA_FIXED_HEADER_BYTES = 12288;
var VMA_EXTENT_HEADER_BYTES = 512;
var VMA_BLOCK_BYTES = 4096;
var VMA_CLUSTER_BYTES = 65536;
var VMA_BLOCKS_PER_EXTENT = 59;
var MAX_HEADER_BYTES = 16 * 1024 * 1024;
var MAX_TRACKED_CLUSTERS = 2 ** 30;
var VmaChecker = class {
  constructor(md52) {
    this.md5 = md52;
  }
  md5;
  head = new Uint8Array(VMA_FIXED_HEADER_BYTES);
  headFill = 0;
  headerBytes = 0;
  extent = new Uint8Array(VMA_EXTENT_HEADER_BYTES);
  extentFill = 0;
  dataLeft = 0;
  extents = 0;
  offset = 0;
  problem;
  facts;
  uuid;
  devices = /* @__PURE__ */ new Map();
  vmstateId = 0;
  /** Feed the next decompressed bytes. */
  push(chunk) {
    let at = 0;
    while (at < chunk.length && this.problem === void 0) {
      if (this.facts === void 0) {
        at += this.fillHeader(chunk, at);
        continue;
      }
      if (this.dataLeft > 0) {
        const n2 = Math.min(this.dataLeft, chunk.length - at);
        this.dataLeft -= n2;
        at += n2;
        this.offset += n2;
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
  end() {
    if (this.problem === void 0) {
      if (this.facts === void 0)
        this.problem = this.headFill === 0 ? "the VMA stream is empty" : `the VMA header is cut short: ${this.headFill} of ${this.headerBytes || VMA_FIXED_HEADER_BYTES} bytes`;
      else if (this.extentFill > 0 || this.dataLeft > 0)
        this.problem = `the VMA ends inside extent ${this.extents + (this.extentFill > 0 ? 1 : 0)} after ${this.offset} bytes (truncated)`;
      else this.problem = this.missingClusters();
    }
    return this.problem === void 0 ? { ok: true, facts: this.withExtents() } : { ok: false, problem: this.problem, facts: this.facts && this.withExtents() };
  }
  withExtents() {
    return { ...this.facts, extents: this.extents };
  }
  /** Collect the header; returns how many bytes of `chunk` it took. */
  fillHeader(chunk, at) {
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
  readHeader() {
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
    const blobs = /* @__PURE__ */ new Map();
    for (let start = blobOffset + 1; start + 2 <= blobEnd; ) {
      const size = h[start] + (h[start + 1] << 8);
      if (start + 2 + size <= blobEnd) blobs.set(start - blobOffset, h.subarray(start + 2, start + 2 + size));
      start += size + 2;
    }
    const text = (ptr) => {
      const b = blobs.get(ptr);
      return b && b.length > 0 && b[b.length - 1] === 0 ? new TextDecoder().decode(b.subarray(0, b.length - 1)) : void 0;
    };
    const devices = [];
    for (let id = 1; id < 256; id++) {
      const at = 4096 + id * 32;
      const name = text(view.getUint32(at));
      const sizeBytes = Number(view.getBigUint64(at + 8));
      if (name === void 0 || sizeBytes === 0) continue;
      const clusters = Math.ceil(sizeBytes / VMA_CLUSTER_BYTES);
      if (name === "vmstate") this.vmstateId = id;
      const tracked = name !== "vmstate" && clusters <= MAX_TRACKED_CLUSTERS;
      this.devices.set(id, {
        id,
        name,
        sizeBytes,
        clusters,
        seen: tracked ? new Uint8Array(Math.ceil(clusters / 8)) : void 0,
        seenCount: 0
      });
      devices.push({ id, name, sizeBytes });
    }
    if (devices.length === 0) {
      this.problem = "the VMA lists no devices";
      return;
    }
    const configNames = [];
    let config;
    for (let i = 0; i < 256; i++) {
      const namePtr = view.getUint32(2044 + i * 4);
      const dataPtr = view.getUint32(3068 + i * 4);
      if (namePtr === 0 || dataPtr === 0) continue;
      const name = text(namePtr);
      const data = blobs.get(dataPtr);
      if (name === void 0 || data === void 0) {
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
      extents: 0
    };
    this.head = new Uint8Array(0);
  }
  readExtent() {
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
    if (!sameBytes(e.subarray(8, 24), this.uuid)) {
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
      const devId = Number(info >> 32n & 0xffn);
      if (devId === 0) continue;
      const mask = Number(info >> 48n);
      const cluster = Number(info & 0xffffffffn);
      const dev = this.devices.get(devId);
      if (dev === void 0) {
        this.problem = `VMA extent ${index} refers to device ${devId}, which the header does not list`;
        return;
      }
      dataBytes += mask === 65535 ? VMA_CLUSTER_BYTES : popcount16(mask) * VMA_BLOCK_BYTES;
      if (devId === this.vmstateId) continue;
      if (cluster >= dev.clusters) {
        this.problem = `VMA extent ${index} writes cluster ${cluster} beyond the end of ${dev.name}`;
        return;
      }
      if (dev.seen) {
        const bit = 1 << (cluster & 7);
        const byte = cluster >>> 3;
        if ((dev.seen[byte] & bit) !== 0) {
          this.problem = `VMA extent ${index} repeats cluster ${cluster} of ${dev.name}`;
          return;
        }
        dev.seen[byte] = dev.seen[byte] | bit;
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
  missingClusters() {
    for (const dev of this.devices.values()) {
      if (dev.seen && dev.seenCount < dev.clusters)
        return `${dev.name} is missing ${dev.clusters - dev.seenCount} of ${dev.clusters} clusters: the VMA is cut short`;
    }
    return void 0;
  }
};
function sameBytes(a, b) {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
function popcount16(mask) {
  let n = 0;
  for (let m = mask; m !== 0; m &= m - 1) n += 1;
  return n;
}

// src/verify/archive-stream.ts
var md5 = (b) => createHash("md5").update(b).digest();
var MAX_STDERR_BYTES = 4096;
function structureSink(layers) {
  if (layers.format === "vma") {
    const vma = new VmaChecker(md5);
    let failed = false;
    return {
      push: (c) => vma.push(c),
      get failed() {
        return failed;
      },
      end: async () => {
        const result = vma.end();
        failed = !result.ok;
        return { kind: "vma", result };
      }
    };
  }
  const tar = new TarScanner();
  return {
    push: (c) => tar.push(c),
    failed: false,
    end: async () => {
      const r = await tar.end();
      return { kind: "tar", members: r.members.map((m) => m.name), error: r.error };
    }
  };
}
function checkArchiveStream(layers, opts = {}) {
  if (layers.compression === "lzo" || layers.compression === "bz2") {
    const reason = `no ${layers.compression === "lzo" ? "lzo" : "bzip2"} decoder here`;
    return {
      write: async () => {
      },
      failed: false,
      end: async () => ({
        decode: { unchecked: reason },
        structure: { kind: "unchecked", reason: "not decoded" }
      }),
      abort: () => {
      }
    };
  }
  const sink = structureSink(layers);
  if (layers.compression === "none") {
    return {
      write: async (c) => {
        await sink.push(c);
      },
      get failed() {
        return sink.failed;
      },
      end: async () => ({ decode: {}, structure: await sink.end() }),
      abort: () => {
      }
    };
  }
  if (layers.compression === "gz") return gunzipCheck(sink);
  const zstdStream = zlib.createZstdDecompress;
  if (zstdStream && opts.zstdPath === void 0) return zlibCheck(sink, zstdStream());
  return zstdCheck(sink, opts.zstdPath ?? "zstd");
}
function decoderCheck(sink, input, output, finished, kill) {
  let inputError;
  input.on("error", (err) => {
    inputError ??= err.message;
  });
  const consumed = (async () => {
    for await (const chunk of output) await sink.push(chunk);
  })().catch(() => {
  });
  let closed = false;
  finished.then(() => {
    closed = true;
  });
  return {
    async write(chunk) {
      if (closed || inputError !== void 0) return;
      if (!input.write(chunk))
        await new Promise((resolve) => {
          const done = () => {
            input.off("drain", done);
            input.off("close", done);
            resolve();
          };
          input.on("drain", done);
          input.on("close", done);
          finished.then(done);
        });
    },
    get failed() {
      return sink.failed || closed;
    },
    async end() {
      if (!closed && inputError === void 0) input.end();
      const [result] = await Promise.all([finished, consumed]);
      if (result.unavailable !== void 0)
        return {
          decode: { unchecked: result.unavailable },
          structure: { kind: "unchecked", reason: "not decoded" }
        };
      return { decode: { error: result.error }, structure: await sink.end() };
    },
    abort: kill
  };
}
function gunzipCheck(sink) {
  return zlibCheck(sink, zlib.createGunzip({ chunkSize: 256 * 1024 }));
}
function zlibCheck(sink, stream) {
  const finished = new Promise((resolve) => {
    stream.once("error", (err) => resolve({ error: err.message }));
    stream.once("end", () => resolve({}));
  });
  return decoderCheck(sink, stream, stream, finished, () => stream.destroy());
}
function zstdCheck(sink, zstdPath) {
  const child = spawn(zstdPath, ["-q", "-d", "-c"], { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (c) => {
    if (stderr.length < MAX_STDERR_BYTES) stderr += c.toString("utf8");
  });
  const finished = new Promise((resolve) => {
    child.once(
      "error",
      (err) => resolve(
        err.code === "ENOENT" ? { unavailable: `the zstd program is not installed (${zstdPath})` } : { error: err.message }
      )
    );
    child.once("close", (code, signal) => {
      if (code === 0) return resolve({});
      resolve({
        error: zstdMessage(stderr) || (signal ? `zstd was stopped (${signal})` : `zstd exited with ${code}`)
      });
    });
  });
  return decoderCheck(sink, child.stdin, child.stdout, finished, () => child.kill("SIGKILL"));
}
function zstdMessage(stderr) {
  const line = stderr.trim().split("\n").pop() ?? "";
  return line.replace(/^(zstd: )?\/\*stdin\*\\ ?: /, "").trim();
}

// src/verify/full-check.ts
var LOG_TAIL_BYTES = 256 * 1024;
var STOP = /* @__PURE__ */ Symbol("stop");
async function fullCheckArchive(source, file, opts) {
  const layers = archiveLayers(file.name);
  if (layers === void 0)
    return {
      outcome: {
        result: "failed",
        message: `'${file.name}' is not a vzdump archive name`,
        problems: ["not a vzdump archive"],
        unchecked: []
      }
    };
  const check = checkArchiveStream(layers, opts);
  const startMs = opts.nowMs();
  let readBytes = 0;
  let readError;
  let stoppedEarly = false;
  try {
    await source.read(file.name, async (chunk) => {
      readBytes += chunk.length;
      opts.onProgress?.(readBytes);
      await check.write(chunk);
      if (check.failed) {
        stoppedEarly = true;
        throw STOP;
      }
      const waitMs = throttleDelayMs(readBytes, opts.nowMs() - startMs, opts.bytesPerSec);
      if (waitMs > 0) await opts.sleep(waitMs);
    });
  } catch (err) {
    if (err !== STOP) {
      check.abort();
      readError = err instanceof Error ? err.message : String(err);
    }
  }
  const decoded = await check.end();
  const log = await readLog(source, layers.logName);
  const facts = {
    layers,
    // A problem found early stops the read: the size then says nothing more.
    listedBytes: stoppedEarly ? readBytes : file.sizeBytes,
    readBytes,
    ...decoded,
    log
  };
  const outcome2 = judgeFullCheck(facts);
  if (readError === void 0) return { outcome: outcome2, facts };
  const message = `reading the archive failed after ${readBytes} bytes: ${readError}`;
  return {
    outcome: { ...outcome2, result: "failed", message, problems: [message, ...outcome2.problems] },
    facts,
    readError
  };
}
async function readLog(source, name) {
  const parts = [];
  let held = 0;
  try {
    await source.read(name, (chunk) => {
      parts.push(chunk);
      held += chunk.length;
      while (held - (parts[0]?.length ?? 0) >= LOG_TAIL_BYTES) held -= parts.shift().length;
    });
  } catch {
    return void 0;
  }
  return Buffer.concat(parts).toString("utf8");
}

export {
  parseBackupVolid,
  parseExtractedConfig,
  judgeExtractedConfig,
  fullCheckArchive
};
//# sourceMappingURL=chunk-RS2T5GLY.js.map
