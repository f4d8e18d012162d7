/**
 * Single byte ranges of an upstream file (RFC 9110 §14): the request header, and the check that
 * an answer is exactly the bytes asked for. A 206 is used only when its Content-Range names the
 * same first and last byte and the expected total, it is not multipart, and any Content-Length
 * agrees; its body must then be read with `maxBytes` = the span's length (src/net/outbound.ts
 * stops reading past it) and end at exactly that length (`exactly`). A 200 means the server
 * ignores ranges (or chose to send the whole file): callers fall back to a whole download.
 */
import { OutboundError } from './errors.js';

/** `length` bytes from `start` (length ≥ 1). */
export interface ByteSpan {
  start: number;
  length: number;
}

export function rangeHeader(span: ByteSpan): string {
  if (!Number.isSafeInteger(span.start) || span.start < 0 || !Number.isSafeInteger(span.length) || span.length < 1) {
    throw new RangeError(`not a byte span: ${span.start}+${span.length}`);
  }
  return `bytes=${span.start}-${span.start + span.length - 1}`;
}

/** `bytes first-last/total` (total may be `*`), or null when the header is anything else. */
export function parseContentRange(h: string | null): { first: number; last: number; total: number | null } | null {
  const m = /^bytes (\d{1,15})-(\d{1,15})\/(\d{1,15}|\*)$/.exec(h?.trim() ?? '');
  if (!m) return null;
  const first = Number(m[1]);
  const last = Number(m[2]);
  return last < first ? null : { first, last, total: m[3] === '*' ? null : Number(m[3]) };
}

export type RangeAnswer = 'partial' | 'whole' | 'unusable';

/**
 * What a response to a request for `span` of a file of `total` bytes is: exactly that span
 * (`partial`), the whole file (`whole`, a 200), or anything else (`unusable`: another span, a
 * multipart body, another total, an error status).
 */
export function rangeAnswer(res: { status: number; headers: Headers }, span: ByteSpan, total: number | null): RangeAnswer {
  if (res.status === 200) return 'whole';
  if (res.status !== 206) return 'unusable';
  if (/multipart\//i.test(res.headers.get('content-type') ?? '')) return 'unusable';
  const cr = parseContentRange(res.headers.get('content-range'));
  if (!cr || cr.first !== span.start || cr.last !== span.start + span.length - 1) return 'unusable';
  if (total !== null && cr.total !== null && cr.total !== total) return 'unusable';
  const cl = res.headers.get('content-length');
  if (cl !== null && cl.trim() !== String(span.length)) return 'unusable';
  return 'partial';
}

/**
 * The body passed through, failing at its end unless exactly `length` bytes came (more is
 * already stopped by the outbound client's `maxBytes`; fewer means the answer was cut short).
 */
export function exactly(body: ReadableStream<Uint8Array>, length: number, url: string): ReadableStream<Uint8Array> {
  let n = 0;
  return body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      n += chunk.length;
      if (n > length) controller.error(new OutboundError('upstream_too_large', `${url}: the range answer is longer than the ${length} bytes asked for`, { url }));
      else controller.enqueue(chunk);
    },
    flush(controller) {
      if (n !== length) controller.error(new OutboundError('upstream_unreachable', `${url}: the range answer ended after ${n} of ${length} bytes`, { url, retryable: true }));
    },
  }));
}
