/**
 * Header string decoding. Valid UTF-8 is taken as is; anything else is re-encoded the way
 * createrepo_c does (formats.md §3.9) so our metadata matches its output byte for byte.
 */

// ignoreBOM: a leading U+FEFF is part of the header value, not a marker to strip.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
// WHATWG 'latin1' is windows-1252, which differs from ISO-8859-1 only in 0x80-0x9F: never
// reached, as reencode drops those bytes first.
const latin1 = new TextDecoder('latin1');

/** Strings up to this long that are ASCII are made without TextDecoder (a call costs ~300 ns). */
const SHORT = 32;

/** Decode one string's bytes (no terminating NUL). */
export function decodeString(bytes: Uint8Array): string {
  return decodeRange(bytes, 0, bytes.length);
}

/**
 * Per length up to SHORT, a reused array of that many code units: a short ASCII string is made
 * from it with `String.fromCharCode`, with no view of the bytes and no decoder call.
 */
const UNITS: number[][] = [];
for (let n = 0; n <= SHORT; n++) UNITS.push(new Array<number>(n).fill(0));

/** `decodeString` of `bytes[start, end)`, without a view of them when the string is short ASCII. */
export function decodeRange(bytes: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n <= 0) return '';
  if (n <= SHORT) {
    const units = UNITS[n]!;
    let i = 0;
    for (; i < n; i++) {
      const b = bytes[start + i]!;
      if (b >= 0x80) break;
      units[i] = b;
    }
    // ASCII is valid UTF-8 that decodes to the same code units
    if (i === n) return String.fromCharCode.apply(null, units);
  }
  const view = bytes.subarray(start, end);
  try {
    return utf8.decode(view);
  } catch {
    return reencode(view);
  }
}

/**
 * Decode `count` NUL-separated strings occupying `bytes` exactly (the last one's terminating NUL
 * is not in `bytes`).
 * One native decode for the whole array is the common case; a NUL can never sit inside a
 * valid multi-byte sequence, so the array is valid UTF-8 iff every element is.
 */
export function decodeStringArray(bytes: Uint8Array, count: number): string[] {
  return decodeValidStringArray(bytes, count) ?? decodeEach(bytes, count);
}

/** `decodeStringArray` when `bytes` are valid UTF-8 holding `count` strings exactly, else null. */
export function decodeValidStringArray(bytes: Uint8Array, count: number): string[] | null {
  let whole: string | null;
  try {
    whole = utf8.decode(bytes);
  } catch {
    whole = null;
  }
  if (whole !== null) {
    // indexOf + slice rather than split: V8 caches split results by subject, hashing the whole
    // (long) string on every call
    const parts = new Array<string>(count);
    let pos = 0;
    let k = 0;
    for (; k < count - 1; k++) {
      const nul = whole.indexOf('\0', pos);
      if (nul < 0) break;
      parts[k] = whole.slice(pos, nul);
      pos = nul + 1;
    }
    if (k === count - 1 && whole.indexOf('\0', pos) < 0) {
      parts[k] = whole.slice(pos);
      return parts;
    }
  }
  return null;
}

function decodeEach(bytes: Uint8Array, count: number): string[] {
  const out = new Array<string>(count);
  let pos = 0;
  for (let i = 0; i < count; i++) {
    const nul = bytes.indexOf(0, pos);
    const end = nul < 0 ? bytes.length : nul;
    out[i] = decodeString(bytes.subarray(pos, end));
    pos = end + 1;
  }
  return out;
}

/**
 * createrepo_c's fallback for invalid UTF-8: read as Latin-1, drop C0 controls except
 * TAB/LF/CR, drop 0x80-0xBF, keep 0xC0-0xFF as their Latin-1 code points.
 */
function reencode(bytes: Uint8Array): string {
  const kept = new Uint8Array(bytes.length);
  let n = 0;
  for (const b of bytes) {
    if (b < 0x20 ? b === 0x09 || b === 0x0a || b === 0x0d : b < 0x80 || b >= 0xc0) kept[n++] = b;
  }
  return latin1.decode(kept.subarray(0, n));
}
