/**
 * HTTP to the upstream repository, through the server's outbound client (src/net: the egress
 * policy on every hop, bounded bodies, connect/idle/total timeouts): GETs with bounded retries
 * (exponential back-off with full jitter on network errors, timeouts, 408, 429 and 5xx; other
 * 4xx fail at once), and downloads streamed into a staging blob while counted and hashed, so no
 * package or metadata file is ever held whole.
 */
import type { HashAlgorithm, Platform } from '../core/platform.js';
import { readAll } from '../net/bounded-body.js';
import { isOutboundError } from '../net/errors.js';
import { shownUrl, type Outbound, type OutboundResponse } from '../net/outbound.js';
import { rangeHeader, type ByteSpan } from '../net/range.js';
import { stage, type Staged } from '../repo/ingest.js';
import type { BlobStore } from '../storage/blob-store.js';
import { MirrorError } from './errors.js';

export interface UpstreamOptions {
  platform: Platform;
  outbound: Outbound;
  /** Attempts per request (default 4). */
  attempts?: number;
  /** First back-off ceiling (default 250 ms), doubled per attempt. */
  baseDelayMs?: number;
  signal?: AbortSignal;
  /** Called once per HTTP request actually sent (for the summary). */
  onRequest?: (url: string) => void;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal?.reason as Error);
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

const retryable = (status: number): boolean => status === 408 || status === 429 || status >= 500;

/** Runs `attempt` until it succeeds, a non-retryable error occurs, or attempts run out. */
export async function withRetries<T>(opts: UpstreamOptions, attempt: () => Promise<T>): Promise<T> {
  const max = Math.max(1, opts.attempts ?? 4);
  const base = opts.baseDelayMs ?? 250;
  let last: unknown;
  for (let i = 1; i <= max; i++) {
    opts.signal?.throwIfAborted();
    try {
      return await attempt();
    } catch (e) {
      last = e;
      const transient = (e instanceof MirrorError && e.details['retryable'] === true) || (isOutboundError(e) && e.retryable);
      if (!transient || i === max || opts.signal?.aborted) break;
      await sleep(Math.random() * base * 2 ** (i - 1), opts.signal);
    }
  }
  if (opts.signal?.aborted) throw new MirrorError('mirror_aborted', 'the mirror run was stopped (the server is shutting down)');
  throw last;
}

/** One GET; 2xx → the response, 404 → null when `allowMissing`, else a MirrorError. */
async function getOnce(
  url: string, opts: UpstreamOptions, allowMissing: boolean, maxBytes: number, onBytes?: (n: number) => void, headers?: Record<string, string>,
): Promise<OutboundResponse | null> {
  opts.onRequest?.(url);
  const res = await opts.outbound.get(url, { maxBytes, ...(opts.signal ? { signal: opts.signal } : {}), ...(onBytes ? { onBytes } : {}), ...(headers ? { headers } : {}) });
  if (res.status >= 200 && res.status < 300) return res;
  await res.body.cancel().catch(() => undefined);
  if (res.status === 404 && allowMissing) return null;
  const shown = shownUrl(url);
  throw new MirrorError('upstream_http_error', `GET ${shown} answered ${res.status}`, { url: shown, status: res.status, retryable: retryable(res.status) });
}

/** The whole (small) body of `url`: repomd.xml, its signature, a metalink. */
export async function fetchBytes(url: string, opts: UpstreamOptions, allowMissing = false, limit = opts.outbound.limits.maxDocumentBytes): Promise<Uint8Array | null> {
  return (await fetchDocument(url, opts, allowMissing, limit))?.bytes ?? null;
}

/** fetchBytes with the response headers (repomd.xml: `Berth-Revision` says the upstream is Berth). */
export async function fetchDocument(url: string, opts: UpstreamOptions, allowMissing = false, limit = opts.outbound.limits.maxDocumentBytes): Promise<{ bytes: Uint8Array; headers: Headers } | null> {
  return withRetries(opts, async () => {
    const res = await getOnce(url, opts, allowMissing, limit);
    return res ? { bytes: await readAll(res.body), headers: res.headers } : null;
  });
}

/**
 * A GET of one byte span of `url` (`Range: bytes=first-last`), retried like any GET; the answer
 * is the caller's to check (src/net/range.ts `rangeAnswer`) and to read or cancel. Its body is
 * bounded to the span's length: a server that sends more is cut off there.
 */
export async function fetchRange(url: string, span: ByteSpan, opts: UpstreamOptions, onBytes: (n: number) => void): Promise<OutboundResponse> {
  return withRetries(opts, async () => (await getOnce(url, opts, false, span.length, onBytes, { range: rangeHeader(span) })) as OutboundResponse);
}

/**
 * Downloads `url` into a fresh staging blob through the ingest pipeline's staging (streamed,
 * counted, hashed with sha256 and each of `algorithms`). Reading stops as soon as more than
 * `maxBytes` arrive (`size_mismatch`), so a hostile upstream can neither fill the store nor hold
 * the run. A retry stages afresh; nothing is left behind by a failed attempt.
 */
export async function download(
  store: BlobStore,
  url: string,
  algorithms: readonly HashAlgorithm[],
  opts: UpstreamOptions,
  maxBytes: number,
): Promise<Staged> {
  const shown = shownUrl(url);
  return withRetries(opts, async () => {
    const res = await getOnce(url, opts, false, maxBytes);
    if (!res) throw new MirrorError('upstream_http_error', `GET ${shown} had no body`, { url: shown });
    try {
      return await stage({ store, platform: opts.platform }, res.body, {
        limit: maxBytes, digests: algorithms, contentType: 'application/octet-stream',
        overLimit: () => new MirrorError('size_mismatch', `${shown} is larger than the ${maxBytes} bytes its metadata announces`, { url: shown }),
      });
    } catch (e) {
      if (isOutboundError(e) && e.outboundCode === 'upstream_too_large') {
        throw new MirrorError('size_mismatch', `${shown} is larger than the ${maxBytes} bytes its metadata announces`, { url: shown });
      }
      throw e;
    }
  });
}

/** repodata checksum type names → our hash names (`sha` is SHA-1 in old createrepo output). */
export function hashAlgorithmOf(type: string): HashAlgorithm | null {
  const t = type.toLowerCase();
  if (t === 'sha' || t === 'sha1') return 'sha1';
  if (t === 'md5' || t === 'sha224' || t === 'sha256' || t === 'sha384' || t === 'sha512') return t;
  return null;
}

/** `base` + `href`, where base is a directory URL (trailing slash added when missing). */
export function resolveHref(base: string, href: string): string {
  return new URL(href, base.endsWith('/') ? base : `${base}/`).href;
}
