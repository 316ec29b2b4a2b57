/**
 * Text helpers for vzdump task logs: the command line echoed in `starting new backup job`, and the
 * byte and duration renderings qemu-server, tar and vzdump print (reference §4.6).
 */

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"] as const;

/** pve-common `render_bytes`: `4.0 GiB` (1024-based, fixed decimals). */
export function renderBytes(bytes: number, decimals = 2): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(decimals)} ${UNITS[unit]}`;
}

/** qemu-server's progress durations: `3s`, `1m 5s`, `1h 2m 3s`. */
export function renderDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const parts = [h ? `${h}h` : "", h || m ? `${m}m` : "", `${s % 60}s`].filter(Boolean);
  return parts.join(" ");
}

/** vzdump's `format_time`: `HH:MM:SS` (hours not wrapped). */
export function formatHms(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}

/** String::ShellQuote as PVE uses it: bare when harmless, else single-quoted. */
export function shellQuote(value: string): string {
  if (value !== "" && /^[A-Za-z0-9_.,+\-/:=%@^]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Keys `command_line` leaves out (job-only keys and the vmid list, which leads). */
const NOT_ECHOED = new Set(["id", "vmid", "starttime", "dow", "stdout", "enabled"]);

/**
 * pve-guest-common `command_line`: `vzdump 100 101 --storage nas --mode snapshot …`, options in
 * the order given (PVE's hash order is arbitrary anyway).
 */
export function vzdumpCommandLine(
  params: Readonly<Record<string, string | number | readonly string[]>>,
): string {
  let cmd = "vzdump";
  const vmid = params.vmid;
  if (typeof vmid === "string") {
    const ids = vmid.split(/[\s,;\0]+/).filter(Boolean);
    if (ids.length) cmd += ` ${ids.join(" ")}`;
  }
  for (const [key, value] of Object.entries(params)) {
    if (NOT_ECHOED.has(key)) continue;
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) cmd += ` --${key} ${shellQuote(String(v))}`;
  }
  return cmd;
}

/**
 * pve-manager `VZDump.pm` `format_size`, for `archive file size:`: whole `KB` below 1024 KiB, whole
 * `MB` below 1024 MiB (`int()` truncates), else `sprintf("%.2fGB")` or `"%.2fTB"`.
 */
export function formatArchiveSize(sizeBytes: number): string {
  const kb = sizeBytes / 1024;
  if (kb < 1024) return `${Math.trunc(kb)}KB`;
  const mb = kb / 1024;
  if (mb < 1024) return `${Math.trunc(mb)}MB`;
  const gb = mb / 1024;
  if (gb < 1024) return `${printfFixed2(gb)}GB`;
  return `${printfFixed2(gb / 1024)}TB`;
}

/**
 * C's `printf("%.2f", x)` for x >= 0. `toFixed` rounds the exact binary value like printf does, except
 * on an exact tie, where it goes up and glibc goes to the even hundredth (1.125 prints 1.12).
 */
function printfFixed2(x: number): string {
  const text = x.toFixed(2);
  const hundredths = x * 100;
  // x is bytes over a power of two, so the product is exact for any archive below about 90 TB.
  const isTie = hundredths - Math.floor(hundredths) === 0.5;
  const last = Number(text[text.length - 1]);
  if (!isTie || last % 2 === 0) return text;
  return (Math.floor(hundredths) / 100).toFixed(2);
}
