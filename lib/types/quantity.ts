/** Byte quantities: parse `10Gi`, `512MiB`, `1.5GB`, `1e9`; format IEC like DirectPV's tables. */

const UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  m: 1e6,
  mb: 1e6,
  g: 1e9,
  gb: 1e9,
  t: 1e12,
  tb: 1e12,
  p: 1e15,
  pb: 1e15,
  e: 1e18,
  eb: 1e18,
  ki: 2 ** 10,
  kib: 2 ** 10,
  mi: 2 ** 20,
  mib: 2 ** 20,
  gi: 2 ** 30,
  gib: 2 ** 30,
  ti: 2 ** 40,
  tib: 2 ** 40,
  pi: 2 ** 50,
  pib: 2 ** 50,
  ei: 2 ** 60,
  eib: 2 ** 60,
};

const QUANTITY = /^([0-9]+(?:\.[0-9]+)?(?:[eE][0-9]+)?)\s*([A-Za-z]*)$/;

/**
 * Parses a byte quantity into a whole number of bytes (rounded up).
 *
 * @throws {RangeError} when the text is not a quantity or exceeds 2^53
 * @example parseBytes("1.5Gi") === 1610612736
 */
export function parseBytes(text: string): number {
  const m = QUANTITY.exec(text.trim());
  const unit = m ? UNITS[(m[2] ?? "").toLowerCase()] : undefined;
  if (!m || unit === undefined) {
    throw new RangeError(
      `Invalid byte quantity "${text}": expected a number with an optional unit such as Gi, MiB or GB`,
    );
  }
  const bytes = Math.ceil(Number(m[1]) * unit);
  if (!Number.isSafeInteger(bytes)) {
    throw new RangeError(`Invalid byte quantity "${text}": too large`);
  }
  return bytes;
}

const IEC = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

/**
 * Formats bytes with IEC units the way DirectPV's tables do (go-humanize `IBytes`): one
 * decimal below ten units, none above (`512 MiB`, `1.5 GiB`, `1.0 GiB`, `100 B`).
 */
export function formatBytes(bytes: number): string {
  if (bytes < 10) return `${bytes} B`;
  const exp = Math.min(Math.floor(Math.log(bytes) / Math.log(1024)), IEC.length - 1);
  const value = Math.floor((bytes / 1024 ** exp) * 10 + 0.5) / 10;
  return `${value < 10 ? value.toFixed(1) : value.toFixed(0)} ${IEC[exp]}`;
}
