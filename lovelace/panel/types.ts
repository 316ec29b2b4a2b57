/** The JSON the panel's server answers (src/service/panel.ts, src/service/policy.ts), as the page reads it. */

export type StatusKind = "running" | "failed" | "not_in_job" | "never" | "late" | "ok" | "unknown";

export interface GuestRow {
  cluster: string;
  vmid: number;
  name: string;
  type: string;
  node: string;
  tier: string | null;
  status: StatusKind;
  lastBackup: { time: string; volid: string; storage: string; size: number } | null;
  lastAttempt: {
    time: string;
    end: string | null;
    upid: string;
    outcome: string;
    error: string | null;
  } | null;
  expectedBy: string | null;
  reason: string;
  jobs: string[];
}

export interface AttemptRow {
  cluster: string;
  vmid: number;
  upid: string;
  node: string;
  start: string;
  end: string | null;
  outcome: "waiting" | "running" | "ok" | "warnings" | "failed";
  error: string | null;
  sizeBytes: number | null;
}

export interface Tier {
  name: string;
  schedule: string;
  keepLast: number;
  guests: number[];
}

export interface Overview {
  now: string;
  timeZone: string;
  storage: string | null;
  tiers: Tier[];
  clusters: { cluster: string; reachable: boolean; problems: string[] }[];
  guests: GuestRow[];
  attempts: AttemptRow[];
  ready: boolean;
}

export type Value = string | number | null;

export interface Plan {
  create: { id: string; fields: Record<string, Value> }[];
  update: {
    id: string;
    changes: { field: string; from: Value; to: Value }[];
    desired: Record<string, Value>;
  }[];
  enable: string[];
  disable: string[];
  findings: { code: string; severity: "error" | "warning" | "info"; message: string; jobId?: string }[];
}

export interface ClusterPlan {
  cluster: string;
  storage: string;
  plan: Plan;
  blocked: boolean;
  inSync: boolean;
  fingerprint: string;
}

export interface ApplyStep {
  action: string;
  id: string;
}

export interface ClusterApply {
  cluster: string;
  applied: { applied: ApplyStep[]; failed?: ApplyStep & { error: string }; notApplied: ApplyStep[] } | null;
}

export interface DoctorCluster {
  cluster: string;
  error: string | null;
  token?: string;
  storage?: string;
  capabilities?: { capability: string; label: string; ok: boolean; missing: string[]; needed: boolean }[];
  fix?: string[];
  mailtoJobs?: string[];
  missing?: boolean;
}

export interface StorageArchives {
  key: string;
  storage: string;
  node: string;
  archives: {
    volid: string;
    timeMs: number;
    sizeBytes: number;
    format: string;
    notes?: string;
    protected: boolean;
  }[];
  error?: string;
}

export interface TaskLog {
  upid: string;
  node: string;
  lines: string[];
  truncated: boolean;
}
