import type { App } from "../app.js";
import type { ClusterConfig, Config } from "../config/schema.js";
import { InputError } from "../errors.js";
import type { PveApi } from "../pve/api.js";

/** What every CLI command gets: the wired app, the clock, and where to write. */
export interface CommandContext {
  readonly config: Config;
  readonly app: App;
  readonly nowMs: number;
  readonly json: boolean;
  /** Named cluster (`--cluster`), if any. */
  readonly cluster?: string;
  readonly out: (text: string) => void;
  /** Ask a yes/no question on the terminal; false when there is none. */
  readonly confirm: (question: string) => Promise<boolean>;
  /** The options file, when not the demo: state files are kept beside it. */
  readonly optionsPath?: string;
}

/** The one cluster a command acts on: the named one, or the only one configured. */
export function pickCluster(ctx: CommandContext): { cluster: ClusterConfig; api: PveApi } {
  const clusters = ctx.config.clusters;
  const cluster = ctx.cluster
    ? clusters.find((c) => c.name === ctx.cluster)
    : clusters.length === 1
      ? clusters[0]
      : undefined;
  if (!cluster) {
    throw new InputError(
      ctx.cluster
        ? `no cluster named '${ctx.cluster}'; configured: ${clusters.map((c) => c.name).join(", ")}`
        : `several clusters are configured: choose one with --cluster (${clusters.map((c) => c.name).join(", ")})`,
    );
  }
  return { cluster, api: ctx.app.apis.get(cluster.name) as PveApi };
}

/** The backup storage from the options, required by commands that write. */
export function requireStorage(ctx: CommandContext): string {
  if (!ctx.config.storage)
    throw new InputError(
      "no 'storage' in the options: name the PVE storage backups go to (e.g. nas-backups)",
    );
  return ctx.config.storage;
}
