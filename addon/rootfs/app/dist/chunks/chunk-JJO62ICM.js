#!/usr/bin/env node
import { createRequire as __pvebCreateRequire } from 'node:module';
const require = __pvebCreateRequire(import.meta.url); const __dirname = import.meta.dirname;
import {
  assessCluster,
  formatWall,
  isNewer
} from "./chunk-ZMRAZS6O.js";

// src/service/monitor.ts
function createMonitor(deps) {
  let last = [];
  const lastFacts = /* @__PURE__ */ new Map();
  const lastListed = /* @__PURE__ */ new Map();
  let queue = Promise.resolve();
  async function refreshOnce(nowMs) {
    const reports = await Promise.all(
      [...deps.readers].map(async ([cluster, reader]) => {
        const facts = await reader.readFacts(nowMs);
        lastFacts.set(cluster, facts);
        const previous = last.find((r) => r.cluster === cluster)?.guests ?? [];
        const report = assessCluster(facts, deps.policy, nowMs, previous);
        if (!facts.reachable) return report;
        const listed = lastListed.get(cluster) ?? /* @__PURE__ */ new Map();
        lastListed.set(cluster, listed);
        return keepLastListed(report, facts, listed, deps.policy.timeZone);
      })
    );
    last = reports;
    return reports;
  }
  return {
    refresh(nowMs) {
      const run = queue.then(() => refreshOnce(nowMs));
      queue = run.catch(() => void 0);
      return run;
    },
    latest: () => last,
    facts: (cluster) => lastFacts.get(cluster)
  };
}
function keepLastListed(report, facts, listed, timeZone) {
  const readable = new Set(facts.listed.map((key) => key.replace(/@[^@]*$/, "")));
  for (const storage of readable)
    listed.set(
      storage,
      facts.archives.filter((a) => a.storage === storage)
    );
  const remembered = [];
  for (const [storage, archives] of listed) if (!readable.has(storage)) remembered.push(...archives);
  if (remembered.length === 0) return report;
  return { ...report, guests: report.guests.map((g) => withRemembered(g, remembered, timeZone)) };
}
function withRemembered(g, remembered, timeZone) {
  let best;
  for (const a of remembered)
    if (a.vmid === g.vmid && a.type === g.type && (!best || isNewer(a, best))) best = a;
  if (!best || g.lastBackup && g.lastBackup.timeMs >= best.timeMs) return g;
  return {
    ...g,
    lastBackup: {
      timeMs: best.timeMs,
      volid: best.volid,
      storage: best.storage,
      sizeBytes: best.sizeBytes,
      notes: best.notes ?? null
    },
    reason: `${g.reason}; the last backup seen on '${best.storage}' (unreadable now) is from ${formatWall(best.timeMs, timeZone)}`
  };
}
function policyFromConfig(config) {
  const tierByVmid = /* @__PURE__ */ new Map();
  for (const t of config.tiers)
    for (const vmid of t.guests) tierByVmid.set(vmid, { tier: t.name, graceMin: t.graceMin });
  return {
    timeZone: config.timeZone,
    defaultGraceMin: config.graceMin,
    tierOf: (vmid) => tierByVmid.get(vmid)
  };
}

export {
  createMonitor,
  policyFromConfig
};
//# sourceMappingURL=chunk-JJO62ICM.js.map
