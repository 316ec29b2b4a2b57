#!/usr/bin/env node
import { createRequire as __pvebCreateRequire } from 'node:module';
const require = __pvebCreateRequire(import.meta.url); const __dirname = import.meta.dirname;
import {
  TarScanner
} from "./chunk-5G243FPD.js";

// src/ssh/verify.ts
import { createHash } from "node:crypto";
import { createGunzip } from "node:zlib";

// src/core/ha-backup.ts
function expectedMembers(b) {
  return [
    "backup.json",
    ...b.homeassistantIncluded ? ["homeassistant.tar.gz"] : [],
    ...b.addons.map((slug) => `${slug}.tar.gz`),
    ...b.folders.map((f) => `${f.replace(/\//g, "_")}.tar.gz`)
  ];
}
function checkRetention(copies, retentionCopies) {
  if (retentionCopies === null) return { kind: "unlimited", copies };
  if (copies > retentionCopies) return { kind: "too_many", copies, retentionCopies };
  if (copies < retentionCopies) return { kind: "fewer", copies, retentionCopies };
  return { kind: "ok", copies };
}
function judgeVerification(f) {
  const notes = [];
  if (f.file === void 0)
    return {
      kind: "failed",
      problems: [`backup ${f.backup.backupId} (${f.backup.name}) is not on the share`],
      notes
    };
  const problems = [];
  const name = f.file.name;
  if (f.file.sizeBytes !== f.backup.sizeBytes)
    problems.push(`${name} is ${f.file.sizeBytes} bytes, Home Assistant reports ${f.backup.sizeBytes}`);
  if (f.readBytes !== f.file.sizeBytes)
    problems.push(
      `${name}: read ${f.readBytes} of ${f.file.sizeBytes} bytes (the file changed while being read)`
    );
  else if (f.changedWhileRead)
    problems.push(`${name} was replaced or written to while being read: verify it again`);
  if (f.tar.error !== void 0) problems.push(`${name}: ${f.tar.error}`);
  const missing = expectedMembers(f.backup).filter((m) => !f.tar.members.includes(m));
  if (missing.length > 0) problems.push(`${name} lacks ${missing.join(", ")}`);
  for (const e of f.innerErrors) problems.push(`${name}: ${e.member} is damaged: ${e.message}`);
  if (f.backupJsonId !== void 0 && f.backupJsonId !== f.backup.backupId)
    problems.push(`${name} holds backup ${f.backupJsonId}, not ${f.backup.backupId}`);
  const was = f.previous;
  if (was !== void 0 && was.sizeBytes !== f.file.sizeBytes)
    problems.push(
      `${name} changed since it was verified on ${new Date(was.verifiedAtMs).toISOString()}: ${f.file.sizeBytes} bytes, then ${was.sizeBytes}`
    );
  else if (was !== void 0 && was.sha256 !== f.sha256)
    problems.push(
      `${name} changed since it was verified on ${new Date(was.verifiedAtMs).toISOString()} (sha256 ${was.sha256} \u2192 ${f.sha256})`
    );
  if (f.retention.kind === "too_many")
    problems.push(
      `${f.retention.copies} backups on the share, retention keeps ${f.retention.retentionCopies}: old copies are not being removed`
    );
  if (f.share && f.share.files !== f.share.knownToHa)
    problems.push(
      `${f.share.files} backup files on the share, Home Assistant lists ${f.share.knownToHa} there: ${f.share.files > f.share.knownToHa ? "some are strays HA does not manage" : "some have gone missing"}`
    );
  if (f.retention.kind === "fewer")
    notes.push(`${f.retention.copies} of ${f.retention.retentionCopies} retained copies on the share so far`);
  if (f.backup.protected) notes.push("the backup is encrypted: inner archives were not decompressed");
  return problems.length > 0 ? { kind: "failed", problems, notes } : { kind: "ok", sha256: f.sha256, notes };
}
function nextChecksums(recorded, verified, listedIds) {
  if (listedIds.length === 0) return { ...recorded };
  const out = {};
  for (const id of listedIds) {
    const r = recorded[id];
    if (r !== void 0) out[id] = r;
  }
  if (verified?.ok && out[verified.backupId] === void 0 && listedIds.includes(verified.backupId))
    out[verified.backupId] = verified.record;
  return out;
}
var UNCHECKED_HA_BACKUPS = {
  agent: null,
  lastBackup: null,
  nextAutomatic: null,
  verification: null,
  problems: [],
  checkedAt: null
};
function haBackupsProblem(s) {
  return s.checkedAt === null ? null : s.problems.length > 0;
}
var DAY_MIN = 1440;
function chooseBackupMinute(busy, preferredMin, durationMin) {
  const overlaps = (start) => busy.some(
    (w) => [-DAY_MIN, 0, DAY_MIN].some(
      (shift) => start < w.endMin + shift && w.startMin + shift < start + durationMin
    )
  );
  for (let step = 0; step < DAY_MIN; step += 15) {
    const start = (preferredMin + step) % DAY_MIN;
    if (!overlaps(start)) return start;
  }
  return void 0;
}
function formatMinute(min) {
  return `${String(Math.floor(min / 60)).padStart(2, "0")}:${String(min % 60).padStart(2, "0")}`;
}
function pveBusyWindows(events, windowMin) {
  const out = [];
  for (const e of events) {
    if (e.hours.length * e.minutes.length > 48) return [{ startMin: 0, endMin: DAY_MIN }];
    for (const h of e.hours)
      for (const m of e.minutes) out.push({ startMin: h * 60 + m, endMin: h * 60 + m + windowMin });
  }
  return out;
}

// src/ssh/verify.ts
var MAX_BACKUP_JSON_BYTES = 1 << 20;
async function verifyHaBackup(nas, backup, opts) {
  const tars = (await nas.list()).filter((f) => f.name.endsWith(".tar"));
  const retention = checkRetention(opts.listedByHa?.automatic ?? tars.length, opts.retentionCopies);
  const share = opts.listedByHa && { files: tars.length, knownToHa: opts.listedByHa.all };
  const freeBytes = await nas.freeBytes();
  const file = await findBackupFile(nas, tars, backup.backupId);
  if (file === void 0) {
    const facts2 = {
      backup,
      readBytes: 0,
      tar: { members: [] },
      innerErrors: [],
      sha256: "",
      retention,
      share
    };
    return { verdict: judgeVerification(facts2), facts: facts2, copiesOnShare: tars.length, freeBytes };
  }
  const hash = createHash("sha256");
  const innerErrors = [];
  let backupJson;
  let backupJsonBytes = 0;
  const scanner = new TarScanner((m) => {
    if (m.name === "backup.json") {
      backupJson = [];
      return {
        write(c) {
          backupJsonBytes += c.length;
          if (backupJsonBytes <= MAX_BACKUP_JSON_BYTES) backupJson?.push(Buffer.from(c));
        },
        end() {
        }
      };
    }
    if (m.name.endsWith(".tar.gz") && !backup.protected) return gunzipCheck(m.name, innerErrors);
    return void 0;
  });
  let readBytes = 0;
  const read = await nas.read(file.name, async (chunk) => {
    hash.update(chunk);
    readBytes += chunk.length;
    opts.onProgress?.(readBytes);
    await scanner.push(chunk);
  });
  const tar = await scanner.end();
  const facts = {
    backup,
    file: { name: file.name, sizeBytes: file.sizeBytes },
    readBytes: read.sizeBytes,
    tar: { members: tar.members.map((m) => m.name), error: tar.error },
    innerErrors,
    backupJsonId: backupJson ? slugOf(Buffer.concat(backupJson)) : void 0,
    sha256: hash.digest("hex"),
    previous: opts.previous,
    changedWhileRead: read.changed,
    retention,
    share
  };
  return {
    verdict: judgeVerification(facts),
    facts,
    fileName: file.name,
    copiesOnShare: tars.length,
    freeBytes
  };
}
async function findBackupFile(nas, tars, backupId) {
  const exact = tars.find((f) => f.name === `${backupId}.tar`);
  if (exact) return exact;
  for (const f of [...tars].sort((a, b) => b.mtimeMs - a.mtimeMs)) {
    if (await slugInHead(nas, f.name) === backupId) return f;
  }
  return void 0;
}
var STOP = /* @__PURE__ */ Symbol("stop");
async function slugInHead(nas, name) {
  let slug;
  const parts = [];
  let members = 0;
  const scanner = new TarScanner((m) => {
    members += 1;
    if (m.name !== "backup.json" || m.sizeBytes > MAX_BACKUP_JSON_BYTES) return void 0;
    return {
      write: (c) => void parts.push(Buffer.from(c)),
      end: () => {
        slug = slugOf(Buffer.concat(parts));
      }
    };
  });
  try {
    await nas.read(name, async (chunk) => {
      await scanner.push(chunk);
      if (slug !== void 0 || members > 3) throw STOP;
    });
  } catch (err) {
    if (err !== STOP) throw err;
  }
  return slug;
}
function slugOf(json) {
  try {
    const slug = JSON.parse(json.toString("utf8")).slug;
    return typeof slug === "string" ? slug : void 0;
  } catch {
    return void 0;
  }
}
function gunzipCheck(member, errors) {
  const gz = createGunzip({ chunkSize: 256 * 1024, writableHighWaterMark: 4 * 1024 * 1024 });
  let failed;
  gz.on("error", (err) => {
    failed ??= err.message;
  });
  gz.resume();
  return {
    write(chunk) {
      if (failed !== void 0) return;
      if (!gz.write(chunk))
        return new Promise((r) => {
          gz.once("drain", r);
          gz.once("error", () => r());
        });
    },
    end() {
      return new Promise((resolve) => {
        const finish = () => {
          if (failed !== void 0) errors.push({ member, message: failed });
          resolve();
        };
        if (failed !== void 0) return finish();
        gz.once("end", finish);
        gz.once("error", finish);
        gz.end();
      });
    }
  };
}

export {
  nextChecksums,
  UNCHECKED_HA_BACKUPS,
  haBackupsProblem,
  chooseBackupMinute,
  formatMinute,
  pveBusyWindows,
  verifyHaBackup
};
//# sourceMappingURL=chunk-4LAGW3RO.js.map
