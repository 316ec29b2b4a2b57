/**
 * The backup strategy document: from the live policy and state, what runs when, where each copy
 * lives, what is kept, how to restore each guest step by step (its real newest archive and the
 * `qmrestore` / `pct restore` command for it), and how backups are verified with what the last
 * verification found. Markdown, stable for git like the register it is built from. Pure.
 */

import {
  guestKey,
  mdCell,
  type Register,
  type RegisterJob,
  type RegisterRow,
  type RegisterTier,
} from "./register.js";

/** Where a backup storage keeps its files (from PVE's storage configuration), when known. */
export interface StorageFacts {
  readonly storage: string;
  readonly type: string;
  /** NFS/CIFS server and export, e.g. `10.0.0.150` and `/volume1/backups/proxmox`. */
  readonly server?: string;
  readonly export?: string;
}

/** Home Assistant's own backups on the NAS, when configured. */
export interface HaBackupsFacts {
  /** `daily`, `never` or weekdays like `mon,thu`. */
  readonly schedule: string;
  readonly copies: number;
  readonly sharePath: string;
}

export interface StrategyInput {
  readonly register: Register;
  /** Every backup job, enabled or not. */
  readonly jobs: readonly RegisterJob[];
  readonly tiers: readonly RegisterTier[];
  readonly storages: readonly StorageFacts[];
  /** The PVE nodes' zone: schedules are wall-clock times there. */
  readonly timeZone: string;
  readonly haBackups?: HaBackupsFacts;
  /**
   * Each container's root disk storage now (`guestKey` → storage id, from its config's `rootfs`):
   * `pct restore` puts every volume on its `--storage`, `local` unless given. Missing: not known.
   */
  readonly rootfsStorages?: ReadonlyMap<string, string>;
}

/** What a `pct restore` without a known storage says instead of one. */
export const UNKNOWN_CT_STORAGE = "<storage for disks>";

/**
 * The storage of a container's root disk from its config's `rootfs` value (`[volume=]STORAGE:VOLUME
 * [,size=…]`, PVE `pct.conf(5)`): `local-lvm` of `local-lvm:vm-105-disk-0,size=8G`. Undefined for a
 * bind-mounted path or anything else without a storage.
 */
export function rootfsStorage(rootfs: string | undefined): string | undefined {
  // The volume comes first; PVE storage ids: a letter, then letters, digits, '-', '_' or '.'.
  return /^(?:volume=)?([A-Za-z][A-Za-z0-9._-]*):/.exec(rootfs ?? "")?.[1];
}

/**
 * One shell word: as is when it holds only characters no shell interprets (every real PVE volume
 * and storage id), else single-quoted, so a mistyped or hostile id is an argument PVE refuses and
 * never a second command.
 */
export function shellWord(text: string): string {
  return /^[A-Za-z0-9._:/@%+=,-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
}

function commandsFor(type: string, vmid: number, rawVolid: string, newVmid: string, storage?: string) {
  const volid = shellWord(rawVolid);
  const to = storage === undefined ? UNKNOWN_CT_STORAGE : shellWord(storage);
  return type === "lxc"
    ? {
        restore: `pct restore ${vmid} ${volid} --storage ${to} --force 1`,
        asNew: `pct restore ${newVmid} ${volid} --unique 1 --storage ${to}`,
      }
    : { restore: `qmrestore ${volid} ${vmid} --force 1`, asNew: `qmrestore ${volid} ${newVmid} --unique 1` };
}

/**
 * The command that restores `row`'s newest archive over the guest (same vmid): `qmrestore ARCHIVE
 * VMID` for a VM, `pct restore VMID ARCHIVE` for a container (PVE's own argument orders). Both
 * take the archive's volume id; `--force 1` replaces the guest if it still exists. A container's
 * disks go to `storage` (its root disk's storage now; a placeholder when unknown), since `pct
 * restore` would put them on `local`; a VM's go back where the archive records them. Undefined when
 * the guest has no archive.
 */
export function restoreCommand(
  row: Pick<RegisterRow, "vmid" | "type" | "lastVolid">,
  storage?: string,
): string | undefined {
  return row.lastVolid === null
    ? undefined
    : commandsFor(row.type, row.vmid, row.lastVolid, "", storage).restore;
}

/** The same archive restored beside the guest, under a free vmid, with new MAC addresses. */
export function restoreAsNewCommand(
  row: Pick<RegisterRow, "vmid" | "type" | "lastVolid">,
  newVmid: string,
  storage?: string,
): string | undefined {
  return row.lastVolid === null
    ? undefined
    : commandsFor(row.type, row.vmid, row.lastVolid, newVmid, storage).asNew;
}

/**
 * A Markdown code span holding `s` exactly (CommonMark: fenced by one backtick more than its
 * longest run, padded when it starts or ends with one), on one line, so a command reads as is.
 */
const code = (s: string) => {
  const t = oneLine(s);
  const fence = "`".repeat(Math.max(0, ...(t.match(/`+/g) ?? []).map((r) => r.length)) + 1);
  const pad = t.startsWith("`") || t.endsWith("`") ? " " : "";
  return `${fence}${pad}${t}${pad}${fence}`;
};

/** Text on one line: a name with line breaks must not start a heading or a list of its own. */
const oneLine = (s: string) => s.replace(/\s*[\r\n]+\s*/g, " ");

export function renderStrategy(input: StrategyInput): string {
  const rows = input.register.guests;
  const out: string[] = ["# Backup strategy", ""];
  out.push(
    `Generated by pve-backup from the live policy and state. Times are ${input.timeZone} wall-clock times; backup times are ISO-8601 UTC.`,
    "",
  );
  out.push("## What runs when", "");
  const order = (j: RegisterJob) => `${j.cluster}\u0000${j.id}`;
  const jobs = [...input.jobs].sort((a, b) => (order(a) < order(b) ? -1 : 1));
  if (jobs.length === 0) out.push("No backup job exists.", "");
  else {
    out.push(
      "| Job | Enabled | Schedule | Storage | Retention | Guests |",
      "| --- | --- | --- | --- | --- | --- |",
    );
    for (const j of jobs) {
      const guests = rows.filter((r) => r.cluster === j.cluster && r.jobs.includes(j.id)).map((r) => r.vmid);
      out.push(
        `| ${[
          `${j.cluster}/${j.id}`,
          j.enabled ? "yes" : "no",
          j.schedule ?? "",
          j.storage ?? "",
          j.retention ?? "",
          j.enabled ? guests.join(", ") : "",
        ]
          .map(mdCell)
          .join(" | ")} |`,
      );
    }
    out.push("");
  }
  if (input.tiers.length > 0) {
    out.push("Tiers of the policy:", "");
    for (const t of input.tiers)
      out.push(`- **${t.name}**: ${code(t.schedule)}, keep the last ${t.keepLast}`);
    out.push("");
  }
  if (input.haBackups)
    out.push(
      `Home Assistant's own backups: ${input.haBackups.schedule}, ${input.haBackups.copies} copies kept on the NAS share ${code(input.haBackups.sharePath)}.`,
      "",
    );
  else out.push("Home Assistant's own backups are not managed here (no `ha_backups` option).", "");

  out.push("## Where each copy lives", "");
  const used = [...new Set(rows.flatMap((r) => (r.storage ? r.storage.split("; ") : [])))].sort();
  for (const s of used) {
    const facts = input.storages.find((f) => f.storage === s);
    out.push(
      facts?.server
        ? `- ${code(s)}: ${facts.type} on ${facts.server}${facts.export ? `, export ${code(facts.export)}` : ""} (archives in its \`dump/\` folder)`
        : `- ${code(s)}: ${facts ? facts.type : "storage not found in PVE's configuration"}`,
    );
  }
  if (used.length === 0) out.push("- No enabled job writes backups anywhere.");
  out.push("");
  out.push(
    "| Guest | Copies on PVE storage (protected) | On the NAS | Off the NAS (Hyper Backup) |",
    "| --- | --- | --- | --- |",
  );
  for (const r of rows)
    out.push(
      `| ${mdCell(`${r.vmid} ${r.name}`)} | ${r.pveCopies} (${r.protectedCopies}) | ${r.nasCopies} | ${mdCell(
        r.offNasTime === null || r.offNasTime === "unknown" ? r.offNas : `${r.offNas}, ${r.offNasTime}`,
      )} |`,
    );
  out.push("");

  out.push("## Retention", "");
  for (const r of rows)
    out.push(
      `- ${r.vmid} ${oneLine(r.name)}: ${r.retention ? code(r.retention) : "none set (PVE keeps every archive, or the storage's own prune-backups applies)"}${
        r.protectedCopies !== "unknown" && r.protectedCopies > 0
          ? `, plus ${r.protectedCopies} protected archive(s) kept until removed by hand`
          : ""
      }`,
    );
  out.push("");

  out.push("## Restoring each guest", "");
  out.push(
    "On a PVE node of the cluster, as root. Restoring over the guest replaces its disks with the archive's: anything written since is lost. To look first, restore beside it under a free vmid instead.",
    "",
  );
  for (const r of rows)
    out.push(...restoreSection(r, input.rootfsStorages?.get(guestKey(r.cluster, r.vmid))), "");
  if (input.haBackups)
    out.push(
      "### Home Assistant's own backup",
      "",
      `1. In Home Assistant: Settings → System → Backups, choose the newest backup stored on the NAS share ${code(input.haBackups.sharePath)}, then Restore.`,
      "2. On a new installation: during onboarding choose to restore from a backup and upload the newest `.tar` file from that share.",
      "",
    );

  out.push("## How backups are verified", "");
  out.push(
    "- Every refresh reads each guest's newest archive, its last backup task and its outcome from PVE; a guest whose backup is late, failed or missing is a problem in Home Assistant.",
    "- Verification reads a newest archive back, and a test restore restores it into an isolated guest and removes it again; what they last found is below (`unknown` where nothing is known, `never` where none was made).",
    "",
    "| Guest | Last verification | Result | Last test restore | Result |",
    "| --- | --- | --- | --- | --- |",
  );
  for (const r of rows)
    out.push(
      `| ${mdCell(`${r.vmid} ${r.name}`)} | ${mdCell(r.lastVerified)} | ${r.lastVerifiedResult} | ${mdCell(r.lastTestRestore)} | ${r.lastTestRestoreResult} |`,
    );
  out.push("");
  const gaps = rows.filter((r) => r.coverageGaps.length > 0);
  out.push("## Open gaps", "");
  if (gaps.length === 0) out.push("None.");
  for (const r of gaps) out.push(`- ${r.vmid} ${oneLine(r.name)}: ${oneLine(r.coverageGaps.join("; "))}`);
  return `${out.join("\n")}\n`;
}

function restoreSection(r: RegisterRow, storage: string | undefined): string[] {
  const kind = r.type === "lxc" ? "container" : "VM";
  const out = [`### ${r.vmid} ${oneLine(r.name)} (${kind}, cluster ${oneLine(r.cluster)})`, ""];
  if (r.lastVolid === null) {
    out.push(
      `No archive of ${r.vmid} exists: it cannot be restored from a backup. Back it up first: ${code(`pve-backup backup ${r.vmid}`)}.`,
    );
    return out;
  }
  const commands = commandsFor(r.type, r.vmid, r.lastVolid, `9${r.vmid}`, storage);
  const ct = r.type === "lxc";
  out.push(
    `Newest archive: ${code(r.lastVolid)} (${r.lastOk}, ${r.sizeBytes} bytes).`,
    "",
    `1. Check the archive is there: ${code(`pvesm list ${shellWord(r.lastVolid.replace(/:.*/s, ""))} --vmid ${r.vmid}`)}`,
    `2. Stop the guest if it still runs: ${code(`${ct ? "pct" : "qm"} shutdown ${r.vmid}`)}`,
    `3. Restore it over the guest: ${code(commands.restore)}${
      !ct
        ? " (disks go back to the storages recorded in the archive)"
        : storage
          ? ` (its disks go to ${code(storage)}, where its root disk is now)`
          : " (its config could not be read: name the storage for its disks)"
    }`,
    `4. Start it and check it works: ${code(`${ct ? "pct" : "qm"} start ${r.vmid}`)}`,
    `- Or restore beside it under a free vmid (e.g. 9${r.vmid}): ${code(commands.asNew)}`,
  );
  return out;
}
