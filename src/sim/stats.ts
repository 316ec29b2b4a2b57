import type { SimGuest, SimState } from "./state.js";

/**
 * Plausible, deterministic resource figures for guests and nodes. The sim has no RRD data; these
 * only make `/cluster/resources` and `/nodes` look like a live cluster.
 */

/** A guest's figures; its disk size is the one its vzdump log reports. */
export function guestStats(g: SimGuest, nowMs: number) {
  const running = g.status === "running";
  const maxmem = (g.type === "qemu" ? 4 : 1) * 1024 ** 3;
  const maxdisk = Math.max(4, Math.ceil((g.backupBytes * 2.5) / 1024 ** 3)) * 1024 ** 3;
  const uptime = running ? 86_400 * 3 + (g.vmid % 97) * 3600 + Math.floor((nowMs / 1000) % 3600) : 0;
  return {
    uptime,
    cpu: running ? ((g.vmid % 7) + 1) / 100 : 0,
    maxcpu: g.type === "qemu" ? 4 : 2,
    mem: running ? Math.round(maxmem * 0.42) : 0,
    maxmem,
    disk: g.type === "lxc" ? Math.round(maxdisk * 0.31) : 0,
    maxdisk,
    netin: running ? uptime * 1200 : 0,
    netout: running ? uptime * 800 : 0,
    diskread: running ? uptime * 5000 : 0,
    diskwrite: running ? uptime * 3000 : 0,
  };
}

/** A node's figures (only shown with Sys.Audit on the node). */
export function nodeStats(state: SimState, node: string, nowMs: number) {
  const index = state.nodes.findIndex((n) => n.name === node);
  return {
    uptime: 13 * 86_400 + index * 7200 + (Math.floor(nowMs / 1000) % 86_400),
    cpu: 0.04 + index / 100,
    maxcpu: 8,
    mem: 12_884_901_888,
    maxmem: 33_554_432_000,
    disk: 9_876_543_210,
    maxdisk: 100_000_000_000,
  };
}
