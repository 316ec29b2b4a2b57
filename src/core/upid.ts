/**
 * Proxmox task ids (UPIDs): `UPID:node:PID:PSTART:STARTTIME:type:id:user:` with uppercase hex
 * numbers and a trailing colon.
 */

/** A decoded UPID. */
export interface Upid {
  /** The UPID text as given. */
  upid: string;
  node: string;
  pid: number;
  /** Process start, in clock ticks since boot. */
  pstart: number;
  /** Task start, epoch milliseconds (whole seconds). */
  startMs: number;
  /** Task type, e.g. `vzdump`, `imgdel`, `prunebackups`. */
  type: string;
  /** Task subject; may be empty (a multi-guest vzdump). */
  id: string;
  /** The user id without the token part, e.g. `ha@pve` (as PVE's task API reports `user`). */
  user: string;
  /** The API token name, the part after `!`, when an API token started the task. */
  tokenId?: string;
}

/** What {@link formatUpid} needs; `tokenId`, if given, is appended to `user` as `!tokenId`. */
export type UpidFields = Omit<Upid, "upid">;

// PVE's decode pattern (pve-common UPID.pm); pstart may have a ninth digit after ~497 days uptime.
const UPID_RE =
  /^UPID:([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s/]+):([^:\s/]*):([^:\s/]+):$/;

const TOKEN_USER_RE = /^([^!]+)!(.+)$/;

/** Decodes a UPID, or returns `undefined` when the text is not one (the trailing colon is required). */
export function parseUpid(text: string): Upid | undefined {
  const m = UPID_RE.exec(text);
  if (!m) return undefined;
  const fullUser = m[8] as string;
  const token = TOKEN_USER_RE.exec(fullUser);
  const upid: Upid = {
    upid: text,
    node: m[1] as string,
    pid: Number.parseInt(m[3] as string, 16),
    pstart: Number.parseInt(m[4] as string, 16),
    startMs: Number.parseInt(m[5] as string, 16) * 1000,
    type: m[6] as string,
    id: m[7] as string,
    user: token ? (token[1] as string) : fullUser,
  };
  if (token) upid.tokenId = token[2] as string;
  return upid;
}

function hex8(value: number): string {
  return value.toString(16).toUpperCase().padStart(8, "0");
}

/**
 * Encodes a UPID as PVE does: uppercase hex zero-padded to 8 digits (a `pstart` above 32 bits
 * takes 9), start time in whole seconds, trailing colon.
 */
export function formatUpid(u: UpidFields): string {
  const user = u.tokenId === undefined ? u.user : `${u.user}!${u.tokenId}`;
  const startSec = Math.floor(u.startMs / 1000);
  return `UPID:${u.node}:${hex8(u.pid)}:${hex8(u.pstart)}:${hex8(startSec)}:${u.type}:${u.id}:${user}:`;
}
