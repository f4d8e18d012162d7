/**
 * A response body with its bounds: reading stops (and the connection is dropped) as soon as
 * more than `maxBytes` have arrived, when no chunk arrives for `idleMs`, or when the request's
 * own deadline passes. Bytes are pulled one chunk at a time, so at most one chunk beyond the
 * limit is ever held.
 */
import { OutboundError } from './errors.js';

export interface BodyBounds {
  maxBytes: number;
  idleMs: number;
  /** Shown in errors (no query string). */
  url: string;
  /** Aborted when the request's total deadline passes or its caller gives up. */
  signal: AbortSignal;
  /** Why `signal` fired, as the error to report. */
  abortError: () => Error;
  /** Called once when the body is done: read to the end, failed or cancelled. */
  onSettled: () => void;
  /** Every chunk's length, as it is read (counters for summaries and tests). */
  onBytes?: (n: number) => void;
}

type Timer = ReturnType<typeof setTimeout>;

export function boundedBody(source: ReadableStream<Uint8Array>, b: BodyBounds): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let total = 0;
  let settled = false;
  const settle = (): void => {
    if (settled) return;
    settled = true;
    b.onSettled();
  };
  const stop = async (e: Error): Promise<never> => {
    settle();
    await reader.cancel(e).catch(() => undefined);
    throw e;
  };
  /** The next chunk, or the reason it did not come in time. */
  const next = (): Promise<ReadableStreamReadResult<Uint8Array>> =>
    new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        b.signal.removeEventListener('abort', onAbort);
      };
      const onAbort = (): void => {
        done();
        reject(b.abortError());
      };
      if (b.signal.aborted) {
        reject(b.abortError());
        return;
      }
      b.signal.addEventListener('abort', onAbort, { once: true });
      const timer: Timer = setTimeout(() => {
        done();
        reject(new OutboundError('upstream_timeout', `${b.url}: no data for ${b.idleMs} ms`, { url: b.url, retryable: true }));
      }, b.idleMs);
      reader.read().then((r) => {
        done();
        resolve(r);
      }, (e: unknown) => {
        done();
        reject(b.signal.aborted ? b.abortError() : e);
      });
    });

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await next();
      } catch (e) {
        return stop(toError(e, b.url));
      }
      if (r.done) {
        settle();
        controller.close();
        return;
      }
      total += r.value.byteLength;
      b.onBytes?.(r.value.byteLength);
      if (total > b.maxBytes) {
        return stop(new OutboundError('upstream_too_large', `${b.url} is larger than the ${b.maxBytes} bytes allowed for it`, { url: b.url }));
      }
      controller.enqueue(r.value);
    },
    async cancel(reason) {
      settle();
      await reader.cancel(reason).catch(() => undefined);
    },
  }, { highWaterMark: 0 });
}

/** A network failure while reading, as an OutboundError (never with body content). */
export function toError(e: unknown, url: string): Error {
  if (e instanceof OutboundError) return e;
  if ((e as { name?: string } | null)?.name === 'OutboundError') return e as Error;
  const err = e as { message?: string; code?: string; cause?: { code?: string; message?: string } };
  const why = err.cause?.code ?? err.code ?? err.cause?.message ?? err.message ?? String(e);
  return new OutboundError('upstream_unreachable', `${url}: ${why}`, { url, retryable: true });
}

/** The whole body, bounded: for small documents (repomd.xml, signatures, metalinks, JSON). */
export async function readAll(body: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  for (;;) {
    const r = await reader.read();
    if (r.done) break;
    parts.push(r.value);
    size += r.value.byteLength;
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
