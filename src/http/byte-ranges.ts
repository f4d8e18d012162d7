/**
 * The `Range` request header (RFC 9110 §14.1.2), with the defences nginx's range filter has
 * against amplification: a request can never make the server send more bytes than the file
 * holds plus a small, bounded multipart overhead.
 *
 * - More than `MAX_RANGES` range-specs: the header is ignored and the whole file sent (200), as
 *   nginx does past `max_ranges`.
 * - The satisfiable ranges together ask for more bytes than the file holds (`bytes=0-,0-,…`,
 *   overlapping ranges): ignored, whole file (200) — nginx's "size > content_length" rule.
 * - Overlapping and adjacent ranges are merged, in ascending order (RFC 9110 §14.6 allows a
 *   server to coalesce them "regardless of the order in which the corresponding range-spec
 *   appeared"), so a multipart answer never repeats a byte.
 * - A malformed header is ignored (200, RFC 9110 allows that; nginx answers 416); a well-formed
 *   one with no satisfiable range gets 416.
 */

export interface Span {
  start: number;
  /** Inclusive. */
  end: number;
}

/**
 * Range-specs looked at in one header. dnf and `berth sync` send one (`bytes=N-` to resume);
 * zchunk clients send several, for large files. Past this the whole file is sent.
 */
export const MAX_RANGES = 16;

const SPEC = /^(\d*)-(\d*)$/;

/**
 * Null when the header is absent, malformed or abusive (then the whole representation is sent,
 * 200); `[]` when well-formed but nothing is satisfiable (416); otherwise the spans to send,
 * sorted, disjoint and non-adjacent.
 */
export function parseRange(header: string | null | undefined, size: number, maxRanges = MAX_RANGES): Span[] | null {
  if (!header) return null;
  const m = /^\s*bytes\s*=\s*(.+)$/i.exec(header);
  if (!m?.[1]) return null;
  // Count before parsing anything: the header alone decides how much work this is.
  const raw = m[1].split(',');
  if (raw.length > maxRanges) return null;
  const spans: Span[] = [];
  let requested = 0;
  for (const part of raw) {
    const p = part.trim();
    if (p === '') continue; // list syntax allows empty elements
    const r = SPEC.exec(p);
    if (!r || (r[1] === '' && r[2] === '')) return null;
    if (r[1] === '') {
      const suffix = Number(r[2]);
      if (suffix > 0 && size > 0) spans.push({ start: Math.max(0, size - suffix), end: size - 1 });
    } else {
      const start = Number(r[1]);
      if (r[2] !== '' && Number(r[2]) < start) return null;
      const end = r[2] === '' ? size - 1 : Math.min(Number(r[2]), size - 1);
      if (start < size) spans.push({ start, end });
      else continue;
    }
    const last = spans[spans.length - 1] as Span;
    requested += last.end - last.start + 1;
  }
  if (spans.length === 0) return raw.some((p) => p.trim() !== '') ? [] : null;
  if (requested > size) return null;
  return merge(spans);
}

/** Sorted by start; overlapping or adjacent spans become one. */
function merge(spans: Span[]): Span[] {
  spans.sort((a, b) => a.start - b.start);
  const out: Span[] = [];
  for (const s of spans) {
    const last = out[out.length - 1];
    if (last && s.start <= last.end + 1) last.end = Math.max(last.end, s.end);
    else out.push({ ...s });
  }
  return out;
}
