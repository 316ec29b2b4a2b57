/**
 * Text helpers of the panel: escaping and ages; times and sizes are the core's own formats
 * (`2026-02-11 03:00` in the PVE nodes' zone, sizes as PVE writes them).
 */
import { formatHumanSize } from "../../src/core/size.js";
import { formatWall } from "../../src/core/status.js";

export { formatHumanSize, formatWall };

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escape text for HTML content and attribute values. */
export function esc(v: unknown): string {
  return String(v ?? "").replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/** "3 h", "2 d", "45 min": how long before `nowMs` a time was. */
export function age(ms: number, nowMs: number): string {
  const min = Math.max(0, Math.round((nowMs - ms) / 60_000));
  if (min < 60) return `${min} min`;
  const h = Math.round(min / 60);
  if (h < 48) return `${h} h`;
  return `${Math.round(h / 24)} d`;
}

/** "03:00" in `timeZone`. */
export function formatClock(ms: number, timeZone: string): string {
  return formatWall(ms, timeZone).slice(11, 16);
}

/** "2026-02-11" in `timeZone`. */
export function formatDate(ms: number, timeZone: string): string {
  return formatWall(ms, timeZone).slice(0, 10);
}
