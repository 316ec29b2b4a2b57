import { permissionError } from "./api-error.js";
import type { LocalClock } from "./local-time.js";
import { grantsOn, type PrivilegeSet, privilegesOfGrants } from "./permissions.js";
import type { SimState, SimToken } from "./state.js";
import type { TaskEngine } from "./task-engine.js";
import type { ParamSchema, ParamValue } from "./validate.js";

/** What every route handler may use. */
export interface SimDeps {
  readonly state: SimState;
  readonly engine: TaskEngine;
  readonly local: LocalClock;
  /** The node the client is connected to (answers `/cluster/...` and `/nodes/localhost/...`). */
  readonly entryNode: () => string;
  /** Sim time at/after which vzdump tasks change storage content. */
  readonly effectsFromMs: number;
}

/** The authenticated API token. */
export interface Caller {
  /** `user@realm!name`, as written into UPIDs of tasks it starts. */
  readonly tokenId: string;
  /** `user@realm`. */
  readonly user: string;
  privileges(path: string): PrivilegeSet;
  has(path: string, priv: string): boolean;
  /** `$rpcenv->check` (all privileges) or `check_any`: throws 403 when missing. */
  check(path: string, privs: readonly string[], any?: boolean): void;
}

export function createCaller(token: SimToken, state: SimState): Caller {
  const cache = new Map<string, PrivilegeSet>();
  // A listing checks thousands of guest paths, most of them with the same grants (say,
  // Administrator on `/`): their privilege sets are built once per distinct grants.
  const byGrants = new Map<string, PrivilegeSet>();
  // Pools by vmid (the first guest with a vmid, as a lookup would find), read once per caller.
  let pools: Map<number, string | undefined> | undefined;
  const poolOf = (vmid: number) => {
    if (!pools) {
      pools = new Map();
      for (const g of state.guests) if (!pools.has(g.vmid)) pools.set(g.vmid, g.pool);
    }
    return pools.get(vmid);
  };
  const privileges = (path: string) => {
    let privs = cache.get(path);
    if (!privs) {
      const grants = grantsOn(token.acl, path, poolOf);
      const key = JSON.stringify(grants.map((roles) => [...roles]));
      privs = byGrants.get(key);
      if (!privs) {
        privs = privilegesOfGrants(grants, state.roles);
        byGrants.set(key, privs);
      }
      cache.set(path, privs);
    }
    return privs;
  };
  const has = (path: string, priv: string) => priv in privileges(path);
  return {
    tokenId: token.id,
    user: token.id.split("!")[0] as string,
    privileges,
    has,
    check(path, privs, any = false) {
      if (any) {
        if (!privs.some((p) => has(path, p))) throw permissionError(path, privs.join("|"));
        return;
      }
      for (const p of privs) if (!has(path, p)) throw permissionError(path, p);
    },
  };
}

export interface RouteContext {
  readonly caller: Caller;
  /** Sim time of this request. */
  readonly nowMs: number;
  /** The node answering: the `{node}` of a proxied call (`localhost` resolved), else the entry node. */
  readonly node: string;
}

export type Method = "GET" | "POST" | "PUT" | "DELETE";

export interface Route {
  readonly method: Method;
  /** Below `/api2/json`, with `{param}` placeholders for one path segment each. */
  readonly path: string;
  /** Every parameter, path ones included. */
  readonly params: ParamSchema;
  /**
   * `proxyto => 'node'`: pveproxy forwards the call to that node, so an unreachable node fails
   * the request before the handler runs (§1.1: 595/596).
   */
  readonly proxyToNode?: boolean;
  /** The declarative `permissions => { check => [...] }`, checked before parameters are validated. */
  readonly permission?: { readonly path: string; readonly privs: readonly string[]; readonly any?: boolean };
  handle(ctx: RouteContext, params: Readonly<Record<string, ParamValue>>): unknown;
}

/** A result that also sets the envelope's `total` (task list and task log). */
export class WithTotal {
  constructor(
    readonly data: unknown,
    readonly total: number,
  ) {}
}

/**
 * A result already serialized as JSON: a long listing whose items the sim keeps serialized
 * (the envelope around it is the same as for any other result).
 */
export class JsonText {
  constructor(readonly json: string) {}
}

/** A non-JSON answer (a task log download). */
export class RawBody {
  constructor(
    readonly text: string,
    readonly contentType: string,
  ) {}
}

/** `{node}` etc. in a permission path, filled from the request's parameters. */
export function fillPath(template: string, params: Readonly<Record<string, unknown>>): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => String(params[name] ?? ""));
}

/** A string parameter, when present. */
export function str(params: Readonly<Record<string, ParamValue>>, key: string): string | undefined {
  const v = params[key];
  return v === undefined ? undefined : String(v);
}
