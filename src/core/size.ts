/**
 * Human-readable sizes as vzdump prints them (`archive file size: 4.12GB`), 1024-based.
 */

const UNIT_BYTES: Readonly<Record<string, number>> = {
  B: 1,
  KB: 1024,
  MB: 1024 ** 2,
  GB: 1024 ** 3,
  TB: 1024 ** 4,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  TiB: 1024 ** 4,
};

const SIZE_RE = /^\s*(\d+(?:\.\d+)?) ?(B|[KMGT]B|[KMGT]iB)\s*$/;

/**
 * Parses a size like `4.12GB`, `341MB`, `12KB` (PVE's `format_size`), or `120.0 MiB`, `512 B`.
 * Units are 1024-based and case-sensitive; the result is rounded to whole bytes. Returns
 * `undefined` for anything else, or when the result exceeds `Number.MAX_SAFE_INTEGER`.
 */
export function parseHumanSize(text: string): number | undefined {
  const m = SIZE_RE.exec(text);
  if (!m) return undefined;
  const bytes = Math.round(Number(m[1]) * (UNIT_BYTES[m[2] as string] as number));
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

const KIB = 1024n;
const MIB = 1024n ** 2n;
const GIB = 1024n ** 3n;
const TIB = 1024n ** 4n;

/** `value / unit` with two decimals, rounded half to even as C's printf does on exact ties. */
function twoDecimals(bytes: bigint, unit: bigint): string {
  const scaled = bytes * 100n;
  let hundredths = scaled / unit;
  const twiceRest = (scaled % unit) * 2n;
  if (twiceRest > unit || (twiceRest === unit && hundredths % 2n === 1n)) hundredths += 1n;
  const fraction = (hundredths % 100n).toString().padStart(2, "0");
  return `${hundredths / 100n}.${fraction}`;
}

/**
 * Formats a byte count as PVE's `format_size`: truncated whole `KB` below 1 MiB and whole `MB`
 * below 1 GiB, two decimals `GB` below 1 TiB, else two decimals `TB`.
 * Fractional bytes are dropped; negative or non-finite input formats as `0KB`.
 */
export function formatHumanSize(bytes: number): string {
  const b = Number.isFinite(bytes) && bytes > 0 ? BigInt(Math.floor(bytes)) : 0n;
  if (b < MIB) return `${b / KIB}KB`;
  if (b < GIB) return `${b / MIB}MB`;
  // PVE compares the unrounded value, so 1 TiB minus a byte prints as 1024.00GB.
  if (b < TIB) return `${twoDecimals(b, GIB)}GB`;
  return `${twoDecimals(b, TIB)}TB`;
}
