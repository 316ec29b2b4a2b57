/**
 * The words the card and the panel both use for a guest's 3-2-1 copies and its last verification:
 * one source, so a person reads the same sentence in both. Pure (the clock comes in as `nowMs`).
 * Unknown is said as unknown and toned grey, never as ok.
 */

/** How a phrase is coloured: theme success / warning / error colours, or the muted text colour. */
export type Tone = "ok" | "warn" | "error" | "muted" | "plain";

export interface Phrase {
  readonly text: string;
  readonly tone: Tone;
}

/** The 3-2-1 view of one guest, as the status JSON (`copies`) or the entity attributes carry it. */
export interface CopiesFacts {
  /** Archives on PVE's backup storage; null when not known. */
  readonly pve: number | null;
  /** Archives on the NAS; null when DSM could not tell. */
  readonly nas: number | null;
  readonly offNas: "yes" | "no" | "unknown";
  /** When the newest off-NAS copy was made (Hyper Backup's last success), epoch ms. */
  readonly offNasMs: number | null;
  /** Why off-NAS is unknown (e.g. the cluster's storage is not on this NAS); null when not said. */
  readonly offNasReason: string | null;
}

/** The newest archive's last verification; null: never verified. */
export interface VerificationFacts {
  readonly timeMs: number | null;
  readonly result: "ok" | "failed" | null;
  readonly depth: "api" | "full" | null;
  readonly message: string | null;
}

/** The last test restore (status JSON `lastTestRestore`). */
export interface TestRestoreFacts {
  readonly timeMs: number | null;
  readonly result: "ok" | "failed" | null;
  readonly message: string | null;
}

/** "just now", "45 min ago", "9 h ago", "3 days ago" (a time ahead of the clock is "just now"). */
export function ago(ms: number, nowMs: number): string {
  const min = Math.round((nowMs - ms) / 60_000);
  if (min < 1) return "just now";
  if (min < 60) return `${min} min ago`;
  const h = Math.round(min / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.round(h / 24)} days ago`;
}

/** "3 on PVE", "3 on the NAS", "off-NAS: yes, 9 h ago" / "off-NAS: no" / "off-NAS: unknown". */
export function copiesPhrases(c: CopiesFacts, nowMs: number): Phrase[] {
  const off: Phrase =
    c.offNas === "yes"
      ? { text: `off-NAS: yes${c.offNasMs === null ? "" : `, ${ago(c.offNasMs, nowMs)}`}`, tone: "ok" }
      : c.offNas === "no"
        ? { text: "off-NAS: no", tone: "warn" }
        : { text: `off-NAS: unknown${c.offNasReason ? ` (${c.offNasReason})` : ""}`, tone: "muted" };
  return [
    c.pve === null ? { text: "on PVE: unknown", tone: "muted" } : { text: `${c.pve} on PVE`, tone: "plain" },
    c.nas === null
      ? { text: "on the NAS: unknown", tone: "muted" }
      : { text: `${c.nas} on the NAS`, tone: "plain" },
    off,
  ];
}

const DEPTH: Record<"api" | "full", string> = { api: "quick check", full: "full check" };

/**
 * "Verified 2 days ago · full check · OK", "Check failed: <message> · 2 days ago · full check",
 * "Never verified" (null), or a result nobody recorded as unknown.
 */
export function verificationPhrases(v: VerificationFacts | null, nowMs: number): Phrase[] {
  if (v === null) return [{ text: "Never verified", tone: "muted" }];
  const when = v.timeMs === null ? null : ago(v.timeMs, nowMs);
  const depth = v.depth === null ? null : DEPTH[v.depth];
  const rest = [when, depth].filter((x): x is string => x !== null);
  if (v.result === "failed")
    return [
      { text: v.message ? `Check failed: ${v.message}` : "Check failed", tone: "error" },
      ...(rest.length ? [{ text: rest.join(" · "), tone: "muted" as const }] : []),
    ];
  if (v.result === "ok")
    return [
      { text: when ? `Verified ${when}` : "Verified", tone: "plain" },
      ...(depth ? [{ text: depth, tone: "plain" as const }] : []),
      { text: "OK", tone: "ok" },
    ];
  return [{ text: `Verification result unknown${when ? ` (${when})` : ""}`, tone: "muted" }];
}

/** "Test restore OK 3 days ago" / "Test restore failed: <message> · 3 days ago" / "No test restore". */
export function testRestorePhrases(t: TestRestoreFacts | null, nowMs: number): Phrase[] {
  if (t === null) return [{ text: "No test restore", tone: "muted" }];
  const when = t.timeMs === null ? "" : ` ${ago(t.timeMs, nowMs)}`;
  if (t.result === "failed")
    return [
      { text: t.message ? `Test restore failed: ${t.message}` : "Test restore failed", tone: "error" },
      ...(when ? [{ text: when.trim(), tone: "muted" as const }] : []),
    ];
  if (t.result === "ok") return [{ text: `Test restore OK${when}`, tone: "plain" }];
  return [{ text: `Test restore result unknown${when}`, tone: "muted" }];
}

/** Does this row deserve the collapsed row's marker: a failed check, or no copy off the NAS? */
export function checkMarks(
  v: VerificationFacts | null | undefined,
  c: CopiesFacts | undefined,
): { readonly checkFailed: boolean; readonly noOffNas: boolean } {
  return { checkFailed: v?.result === "failed", noOffNas: c?.offNas === "no" };
}

const ISO_TIME = (v: unknown): number | null => {
  if (typeof v !== "string" || v === "") return null;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? null : ms;
};
const count = (v: unknown): number | null =>
  typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : null;
const text = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);

/** The status JSON's `copies` (`{pve, nas, offNas, offNasTime, offNasReason}`); undefined when absent or malformed. */
export function copiesFromJson(c: unknown): CopiesFacts | undefined {
  if (typeof c !== "object" || c === null) return undefined;
  const o = c as Record<string, unknown>;
  return {
    pve: count(o.pve),
    nas: count(o.nas),
    offNas: o.offNas === "yes" || o.offNas === "no" ? o.offNas : "unknown",
    offNasMs: ISO_TIME(o.offNasTime),
    offNasReason: o.offNas === "yes" || o.offNas === "no" ? null : text(o.offNasReason),
  };
}

/** The status JSON's `lastVerified`: undefined when the key is absent, null when never verified. */
export function verificationFromJson(v: unknown): VerificationFacts | null | undefined {
  const base = testRestoreFromJson(v);
  if (!base) return base;
  const depth = (v as Record<string, unknown>).depth;
  return { ...base, depth: depth === "api" || depth === "full" ? depth : null };
}

/** The status JSON's `lastTestRestore`: undefined when absent, null when none was made. */
export function testRestoreFromJson(t: unknown): TestRestoreFacts | null | undefined {
  if (t === undefined) return undefined;
  if (typeof t !== "object" || t === null) return null;
  const o = t as Record<string, unknown>;
  return {
    timeMs: ISO_TIME(o.time),
    result: o.result === "ok" || o.result === "failed" ? o.result : null,
    message: text(o.message),
  };
}

/**
 * From the last-backup sensor's attributes (`copies_pve`, `copies_nas`, `off_nas`,
 * `off_nas_time`): undefined when an older add-on does not publish them.
 */
export function copiesFromAttributes(a: Readonly<Record<string, unknown>>): CopiesFacts | undefined {
  if (!("off_nas" in a)) return undefined;
  return copiesFromJson({
    pve: a.copies_pve,
    nas: a.copies_nas,
    offNas: a.off_nas,
    offNasTime: a.off_nas_time,
    offNasReason: a.off_nas_reason,
  });
}

/**
 * From the last-backup sensor's attributes (`last_verified`, `last_verified_result`,
 * `last_verified_depth`, and `last_verified_message` where published): undefined when an older
 * add-on does not publish them, null when never verified.
 */
export function verificationFromAttributes(
  a: Readonly<Record<string, unknown>>,
): VerificationFacts | null | undefined {
  if (!("last_verified" in a)) return undefined;
  if (a.last_verified == null && a.last_verified_result == null) return null;
  return verificationFromJson({
    time: a.last_verified,
    result: a.last_verified_result,
    depth: a.last_verified_depth,
    message: a.last_verified_message,
  });
}
