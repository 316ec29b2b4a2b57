import type { App } from "../app.js";
import { isProblem } from "../core/status.js";
import { clusterKey, parseGuestRef } from "../entities/catalogue.js";
import { InputError } from "../errors.js";
import { applyPolicy as applyPolicyNow, planPolicy } from "../service/policy.js";
import type { VerifyRequest, VerifyService } from "../service/verify.js";
import type { BridgeHandlers } from "./bridge.js";

/**
 * What the `pve_backup.*` services, buttons and selects do (docs/bridge-protocol.md, services
 * table). Errors are InputErrors with a sentence the user sees in Home Assistant.
 */
export interface ServiceDeps {
  readonly app: App;
  readonly nowMs: () => number;
  /** Refresh now and publish; resolves when done. */
  readonly refreshNow: () => Promise<void>;
  /** A PVE notification arrived. */
  readonly onPveNotification: (payload: unknown) => void;
  /** `backup_home_assistant`, when `ha_backups` is configured (commands/ha-backup.ts). */
  readonly haBackup?: (data: Readonly<Record<string, unknown>>) => Promise<unknown>;
  /** `snooze`, when alerts are configured: guests as `cluster/vmid`, for `hours`. */
  readonly snooze?: (guests: readonly string[], hours: number) => Promise<unknown>;
  /** `verify` and the per-guest `verify` button (service/verify.ts). */
  readonly verify?: VerifyService;
  /** How long `verify` waits for results before answering with what is done (default 45 s). */
  readonly verifyAnswerWithinMs?: number;
}

export function createServiceHandlers(deps: ServiceDeps): BridgeHandlers {
  const { app } = deps;

  /** Guest references (`home_100` device keys or bare vmids) grouped by configured cluster. */
  function byCluster(refs: readonly unknown[]): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (const ref of refs) {
      const parsed = parseGuestRef(String(ref));
      if (!parsed)
        throw new InputError(`'${String(ref)}' is not a guest: use a vmid (100) or a PVE Backup device`);
      const cluster =
        parsed.clusterKey === undefined
          ? onlyCluster()
          : app.config.clusters.find((c) => clusterKey(c.name) === parsed.clusterKey)?.name;
      if (!cluster) throw new InputError(`'${String(ref)}' names no configured cluster`);
      out.set(cluster, [...(out.get(cluster) ?? []), parsed.vmid]);
    }
    return out;
  }

  function onlyCluster(): string {
    const [first, ...rest] = app.config.clusters;
    if (!first || rest.length > 0)
      throw new InputError("several clusters are configured: pick guests by their device, not by vmid");
    return first.name;
  }

  async function backupNow(data: Readonly<Record<string, unknown>>) {
    const guests = Array.isArray(data.guests) ? data.guests : [];
    const tier = typeof data.tier === "string" && data.tier !== "" ? data.tier : undefined;
    const groups = byCluster(guests);
    if (tier) for (const c of app.config.clusters) if (!groups.has(c.name)) groups.set(c.name, []);
    if (groups.size === 0) throw new InputError("name guests (devices or vmids) or a tier to back up");
    const outcomes = [];
    for (const [cluster, vmids] of groups) {
      outcomes.push(
        await app.backups.backupNow(
          { cluster, vmids, tiers: tier ? [tier] : [] },
          { wait: data.wait === true },
        ),
      );
    }
    return {
      started: outcomes.flatMap((o) => o.started.map((t) => ({ cluster: o.cluster, ...t }))),
      failed: outcomes.flatMap((o) => o.failed.map((f) => ({ cluster: o.cluster, ...f }))),
      ...(data.wait === true ? { results: outcomes.flatMap((o) => o.results ?? []) } : {}),
    };
  }

  async function applyPolicy(data: Readonly<Record<string, unknown>>) {
    if (!app.config.storage || app.config.tiers.length === 0)
      throw new InputError("set 'storage' and 'tiers' in the add-on options first");
    const dryRun = data.dry_run !== false;
    const nowMs = deps.nowMs();
    const clusters = dryRun
      ? (await planPolicy(app, { nowMs })).map((p) => ({ cluster: p.cluster, plan: p.plan, applied: null }))
      : await applyPolicyNow(app, { nowMs });
    if (!dryRun) await deps.refreshNow();
    return { dry_run: dryRun, clusters };
  }

  /**
   * `verify`: guests (vmids, guest devices, or a cluster's device for all its guests) and/or a
   * tier; none = every guest of every cluster. Answers with the results in once the runs are over
   * or after `verifyAnswerWithinMs`; what is still pending is told by events and entities.
   */
  async function verify(data: Readonly<Record<string, unknown>>, trigger: VerifyRequest["trigger"]) {
    const service = deps.verify;
    if (!service) throw new InputError("verification is not available: set 'storage' in the add-on options");
    if (data.full !== undefined && typeof data.full !== "boolean")
      throw new InputError("full must be true or false");
    const full = data.full === true;
    const tier = typeof data.tier === "string" && data.tier.trim() !== "" ? data.tier.trim() : undefined;
    const refs = Array.isArray(data.guests) ? data.guests.map(String) : [];
    const wholeClusters = new Set<string>();
    const guestRefs: string[] = [];
    for (const ref of refs) {
      const c = app.config.clusters.find((x) => clusterKey(x.name) === ref.trim());
      if (c) wholeClusters.add(c.name);
      else guestRefs.push(ref);
    }
    const groups = byCluster(guestRefs);
    const reqs: VerifyRequest[] = [];
    for (const c of app.config.clusters) {
      const vmids = groups.get(c.name);
      const everything = refs.length === 0 || wholeClusters.has(c.name);
      // A tier spans every cluster, unless cluster devices narrow it to theirs.
      const tierHere = tier !== undefined && (wholeClusters.size === 0 || wholeClusters.has(c.name));
      if (vmids === undefined && !everything && !tierHere) continue;
      reqs.push({
        cluster: c.name,
        // A whole cluster, unless a tier narrows it.
        selection:
          everything && !tierHere
            ? {}
            : { vmids: everything ? [] : (vmids ?? []), tier: tierHere ? tier : undefined },
        full,
        trigger,
      });
    }
    // Guests named one by one must all be there; "all" or a tier takes the clusters that have them.
    const skipped: { cluster: string; reason: string }[] = [];
    const runs = await service.requestAll(reqs, guestRefs.length === 0 ? { skipped } : undefined);
    // The NAS is opened as a run begins: that error reaches the caller.
    await Promise.all(runs.slice(0, 1).map((r) => r.started));
    const within = deps.verifyAnswerWithinMs ?? 45_000;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((r) => {
      timer = setTimeout(r, within);
    });
    const results: Record<string, unknown>[] = [];
    try {
      await Promise.race([
        deadline,
        (async () => {
          for (const run of runs) {
            const r = await run.done;
            for (const row of r.rows)
              results.push({
                cluster: run.cluster,
                vmid: row.vmid,
                name: row.name,
                volid: row.volid,
                depth: row.depth,
                result: row.result,
                message: row.message,
                duration_ms: row.durationMs,
              });
          }
        })(),
      ]);
    } finally {
      clearTimeout(timer);
    }
    const told = new Set(results.map((r) => `${r.cluster} ${r.volid}`));
    return {
      depth: full ? "full" : "api",
      joined: runs.some((r) => r.joined),
      archives: runs.reduce((n, r) => n + r.targets.length, 0),
      results,
      skipped,
      pending: runs.flatMap((r) =>
        r.targets
          .filter((t) => !told.has(`${r.cluster} ${t.volid}`))
          .map((t) => ({ cluster: r.cluster, vmid: t.vmid })),
      ),
    };
  }

  const notYet = (what: string): never => {
    throw new InputError(`${what} is not available in this version of the add-on`);
  };

  return {
    async serviceCall(service, data) {
      switch (service) {
        case "backup_now":
          return backupNow(data);
        case "refresh": {
          await deps.refreshNow();
          const guests = app.monitor.latest().flatMap((r) => r.guests);
          return {
            guests: guests.length,
            problems: guests.filter((g) => isProblem(g.status)).length,
          };
        }
        case "apply_policy":
          return applyPolicy(data);
        case "set_guest_tier":
        case "configure_tier":
          return notYet(
            "changing tiers from Home Assistant (edit the add-on options, then call apply_policy)",
          );
        case "backup_home_assistant":
          if (!deps.haBackup) throw new InputError("set 'ha_backups' in the add-on options first");
          return deps.haBackup(data);
        case "verify":
          return verify(data, "service");
        case "snooze": {
          if (!deps.snooze) throw new InputError("set 'alerts' with a target in the add-on options first");
          const hours = typeof data.hours === "number" ? data.hours : 24;
          if (!(hours >= 1 && hours <= 168)) throw new InputError("hours must be from 1 to 168");
          const groups = byCluster(Array.isArray(data.guests) ? data.guests : []);
          const keys = [...groups].flatMap(([cluster, vmids]) => vmids.map((v) => `${cluster}/${v}`));
          if (keys.length === 0) throw new InputError("name the guests (devices or vmids) to snooze");
          return deps.snooze(keys, hours);
        }
        default:
          throw new InputError(`unknown service ${service}`);
      }
    },
    async buttonPress(key) {
      const v = /^(.+)_verify$/.exec(key);
      if (v) {
        await verify({ guests: [v[1]] }, "button");
        return;
      }
      const m = /^(.+)_backup_now$/.exec(key);
      if (!m) throw new InputError(`unknown button ${key}`);
      await backupNow({ guests: [m[1]] });
    },
    async selectOption(key, option) {
      notYet(`setting ${key} to ${option} (tiers are set in the add-on options)`);
    },
    webhook(payload) {
      deps.onPveNotification(payload);
    },
  };
}
