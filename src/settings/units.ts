/**
 * The value syntaxes settings share: byte sizes (`1048576`, `512M`, `2G`, binary units) and
 * durations (`3600`, `90s`, `30m`, `12h`, `3d`; a bare number is seconds).
 */
const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
const DURATION_UNITS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400 };

/** `1048576`, `512M`, `2G`, `3MiB` → bytes; null when malformed or not positive. */
export function parseSize(text: string): number | null {
  const m = /^(\d+)\s*([kmg]?)(?:i?b)?$/i.exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]) * (SIZE_UNITS[(m[2] ?? '').toLowerCase()] ?? NaN);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

/** `3600`, `90s`, `30m`, `12h`, `3d` → seconds; null when malformed (or zero, unless `allowZero`). */
export function parseDuration(text: string, allowZero = false): number | null {
  const m = /^(\d+)\s*([smhd]?)$/i.exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]) * (DURATION_UNITS[(m[2] ?? '').toLowerCase()] ?? NaN);
  return Number.isSafeInteger(n) && (n > 0 || (allowZero && n === 0)) ? n : null;
}
