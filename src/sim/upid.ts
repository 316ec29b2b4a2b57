/**
 * Task ids as PVE writes and reads them (pve-common `UPID.pm`, reference §4.2), for the sim's own
 * tasks: `sprintf("UPID:%s:%08X:%08X:%08X:%s:%s:%s:", node, pid, pstart, starttime, type, id, user)`.
 */

export interface UpidParts {
  readonly node: string;
  readonly pid: number;
  /** Process start, clock ticks since boot; a ninth hex digit after ~497 days of uptime. */
  readonly pstart: number;
  /** Epoch seconds. */
  readonly starttime: number;
  readonly type: string;
  /** May be empty (a vzdump of several guests). */
  readonly id: string;
  /** As written in the UPID: `user@realm`, or `user@realm!token` for an API token. */
  readonly user: string;
}

/** `%08X`: uppercase hex, at least eight digits. */
function hex08(value: number): string {
  const digits = Math.trunc(value).toString(16).toUpperCase();
  return digits.length >= 8 ? digits : "0".repeat(8 - digits.length) + digits;
}

export function encodeUpid(p: UpidParts): string {
  const fields = [p.node, hex08(p.pid), hex08(p.pstart), hex08(p.starttime), p.type, p.id, p.user];
  return `UPID:${fields.join(":")}:`;
}

// UPID.pm's decode pattern; the trailing colon is part of it.
const UPID_PATTERN =
  /^UPID:(?<node>[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?):(?<pid>[0-9A-Fa-f]{8}):(?<pstart>[0-9A-Fa-f]{8,9}):(?<starttime>[0-9A-Fa-f]{8}):(?<type>[^:\s/]+):(?<id>[^:\s/]*):(?<user>[^:\s/]+):$/;

/** The parts of a UPID, or undefined where PVE says `unable to parse worker upid`. */
export function decodeUpid(text: string): UpidParts | undefined {
  const groups = UPID_PATTERN.exec(text)?.groups;
  if (groups === undefined) return undefined;
  const hex = (name: string) => Number.parseInt(groups[name] as string, 16);
  return {
    node: groups.node as string,
    pid: hex("pid"),
    pstart: hex("pstart"),
    starttime: hex("starttime"),
    type: groups.type as string,
    id: groups.id as string,
    user: groups.user as string,
  };
}
