/**
 * How many manual archives a guest keeps. A manual backup is protected so the tier's retention
 * neither removes it nor counts it (see `backup-now.ts`); left alone, those archives would pile up
 * until PVE refuses the next manual backup of the guest: `max-protected-backups` allows 5 per
 * guest and storage to a token without Datastore.Allocate (reference §5.3, MGR `VZDump.pm`).
 *
 * So before a manual backup its oldest manual archives beyond `manual_keep` (counting the one
 * about to be made) are retired: protection lifted, then removed. Handing them to the tier's
 * retention instead would cost restore points: being newer than the older nightly archives, they
 * would count among its `keep-last` newest and push those out. Only archives this service made
 * are touched, known by the notes it gives them; an archive someone protected by hand is never
 * unprotected or removed.
 */

/** What a manual backup's notes end with; `{{guestname}}` comes before it. */
export const MANUAL_NOTES_MARK = "manual backup (PVE Backup)";
export const MANUAL_NOTES_TEMPLATE = `{{guestname}}: ${MANUAL_NOTES_MARK}`;

/** Whether an archive's notes say this service made it as a manual backup. */
export function isManualArchive(notes: string | undefined): boolean {
  return notes?.endsWith(`: ${MANUAL_NOTES_MARK}`) ?? false;
}

export interface KeptArchive {
  readonly volid: string;
  readonly timeMs: number;
  readonly protected: boolean;
  readonly notes?: string;
}

export interface ReleaseInput {
  /** The guest's archives of its type on the storage the manual backup writes to. */
  readonly archives: readonly KeptArchive[];
  /** Manual archives to keep protected, the new one included (at least 1). */
  readonly keep: number;
  /** Protected archives PVE allows the guest on the storage; null: no limit. */
  readonly limit: number | null;
  /** `102 (vaultwarden)`, for the message. */
  readonly guest: string;
  readonly storage: string;
}

export type ReleasePlan =
  | { readonly ok: true; readonly release: readonly string[] }
  | { readonly ok: false; readonly error: string };

/** The volids to retire, oldest first, or why the manual backup cannot be protected. */
export function planRelease(input: ReleaseInput): ReleasePlan {
  const ours = input.archives
    .filter((a) => a.protected && isManualArchive(a.notes))
    .sort((a, b) => b.timeMs - a.timeMs || (a.volid < b.volid ? 1 : -1));
  const kept = ours.slice(0, Math.max(0, input.keep - 1));
  const release = ours.slice(kept.length);
  if (input.limit !== null) {
    const protectedCount = input.archives.filter((a) => a.protected).length;
    // Room for one more: at most limit - 1 protected before the backup.
    const excess = protectedCount - release.length - (input.limit - 1);
    if (excess > kept.length) {
      const others = protectedCount - ours.length;
      return {
        ok: false,
        error:
          `guest ${input.guest} has ${protectedCount} protected archive${protectedCount === 1 ? "" : "s"} on '${input.storage}' ` +
          `and PVE allows ${input.limit} (the storage's max-protected-backups); ${others} of them ` +
          `${others === 1 ? "was" : "were"} protected outside PVE Backup and stay so. Lift the protection of one in PVE ` +
          "(Datacenter → Storage → Backups → Change Protection) or raise max-protected-backups on the storage",
      };
    }
    if (excess > 0) release.unshift(...kept.slice(kept.length - excess));
  }
  return { ok: true, release: release.reverse().map((a) => a.volid) };
}
