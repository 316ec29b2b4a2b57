import { z } from "zod";

/**
 * A lab state for the simulated PVE cluster. Scenario files live in `src/sim/scenarios/*.json`;
 * tests and benchmarks may also build one in code. Times are ISO-8601; sizes are bytes.
 */

const Iso = z.string().refine((s) => !Number.isNaN(Date.parse(s)), "must be an ISO-8601 time");

export const ScenarioNode = z.object({
  name: z.string(),
  online: z.boolean().default(true),
});

export const ScenarioStorage = z.object({
  id: z.string(),
  type: z.enum(["nfs", "dir", "cifs", "pbs", "lvmthin", "zfspool"]),
  content: z.array(z.string()),
  /** NFS, CIFS and PBS are shared: one listing serves every node. */
  shared: z.boolean(),
  /** Restrict to these nodes (PVE `nodes`); all nodes when absent. */
  nodes: z.array(z.string()).optional(),
  enabled: z.boolean().default(true),
  /** false: PVE cannot activate it (NAS down); status shows `active: 0` and zero sizes. */
  active: z.boolean().default(true),
  server: z.string().optional(),
  export: z.string().optional(),
  /** NFS mount options, e.g. `vers=4.1`. */
  options: z.string().optional(),
  path: z.string().optional(),
  totalBytes: z.number().default(4e12),
  usedBytes: z.number().default(1e12),
  pruneBackups: z.string().optional(),
});

export const ScenarioGuest = z.object({
  vmid: z.number().int(),
  name: z.string(),
  type: z.enum(["qemu", "lxc"]),
  node: z.string(),
  status: z.enum(["running", "stopped"]).default("running"),
  template: z.boolean().default(false),
  pool: z.string().optional(),
  tags: z.string().optional(),
  /** Size of one archive of this guest, for backups the sim makes. */
  backupBytes: z.number().default(2_000_000_000),
  /** Simulated seconds one backup of this guest takes. */
  backupSeconds: z.number().default(60),
  /** Make every backup of this guest fail with this error line. */
  failWith: z.string().optional(),
});

/** A job stanza as PVE stores it (`/etc/pve/jobs.cfg`); keys are PVE's own. */
export const ScenarioJob = z.record(z.string(), z.union([z.string(), z.number()]));

export const ScenarioArchive = z.object({
  storage: z.string(),
  /** For a node-local storage, the node whose disk holds it. */
  node: z.string().optional(),
  vmid: z.number().int(),
  type: z.enum(["qemu", "lxc"]),
  time: Iso,
  sizeBytes: z.number().default(2_000_000_000),
  compress: z.enum(["zst", "lzo", "gz", "none"]).default("zst"),
  notes: z.string().optional(),
  protected: z.boolean().default(false),
});

/** A vzdump task already in the node's task history (or still running). */
export const ScenarioTask = z.object({
  node: z.string(),
  start: Iso,
  /** Absent: still running. */
  end: Iso.optional(),
  user: z.string().default("root@pam"),
  jobId: z.string().optional(),
  storage: z.string(),
  /** Per guest: "ok", or the error text of its failure. */
  guests: z.array(z.object({ vmid: z.number().int(), error: z.string().optional() })),
  /** Job-level error (e.g. storage offline): no guest is backed up. */
  jobError: z.string().optional(),
});

export const ScenarioAcl = z.object({
  path: z.string(),
  roles: z.array(z.string()),
  propagate: z.boolean().default(true),
});

export const ScenarioToken = z.object({
  /** `user@realm!name`. */
  id: z.string(),
  secret: z.string(),
  /** Effective ACLs of the token (already the intersection with its user's, when privsep). */
  acl: z.array(ScenarioAcl),
});

/** One export of a simulated NFS server, as `showmount --exports` lists it. */
export const ScenarioNfsExport = z.object({
  /** Absolute export path, e.g. `/volume1/backups/proxmox`. */
  path: z.string(),
  /** The client/ACL column `showmount` prints (the `options` of `GET .../scan/nfs`). */
  clients: z.string().default("*"),
  /** Size and usage a storage mounting this export reports. */
  totalBytes: z.number().default(4e12),
  usedBytes: z.number().default(1e12),
});

/** An NFS server the lab's nodes can reach (or not): what storage creation and `scan/nfs` see. */
export const ScenarioNfsServer = z.object({
  /** IP address or DNS name, as given to `server=`. */
  server: z.string(),
  exports: z.array(ScenarioNfsExport).default([]),
  /** false: known but down (showmount and mounts fail). */
  online: z.boolean().default(true),
});

export const Scenario = z.object({
  name: z.string(),
  description: z.string().default(""),
  /** Start of the sim clock. */
  now: Iso,
  /** Node-local time zone: archive names and job schedules follow it. */
  timezone: z.string().default("UTC"),
  version: z.string().default("9.1.5"),
  nodes: z.array(ScenarioNode).min(1),
  storages: z.array(ScenarioStorage),
  guests: z.array(ScenarioGuest),
  jobs: z.array(ScenarioJob).default([]),
  archives: z.array(ScenarioArchive).default([]),
  tasks: z.array(ScenarioTask).default([]),
  tokens: z.array(ScenarioToken).min(1),
  /** Custom roles (name → privileges) for token ACLs, next to PVE's built-in ones. */
  roles: z.record(z.string(), z.array(z.string())).optional(),
  /** Latency added to every API answer, in milliseconds. */
  latencyMs: z.number().default(0),
  /** NFS servers on the lab's network, for `POST /storage` (type nfs) and `scan/nfs`. */
  nfsServers: z.array(ScenarioNfsServer).default([]),
});

export type Scenario = z.input<typeof Scenario>;
export type ParsedScenario = z.output<typeof Scenario>;
