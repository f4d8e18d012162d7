/**
 * HTTP to the upstream repository: GETs with bounded retries (exponential back-off with full
 * jitter on network errors, 429 and 5xx; other 4xx fail at once), and downloads streamed into
 * a staging blob while counted and hashed, so no package or metadata file is ever held whole.
 */
import type { HashAlgorithm, Platform } from '../core/platform.js';
import { toHex } from '../core/platform.js';
import type { BlobStore } from '../storage/blob-store.js';
import { MirrorError } from './errors.js';

export interface UpstreamOptions {
  platform: Platform;
  fetch?: typeof fetch;
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
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(signal.reason as Error);
    }, { once: true });
  });

const retryable = (status: number): boolean => status === 408 || status === 429 || status >= 500;

/** Runs `attempt` until it succeeds, a non-retryable error occurs, or attempts run out. */
export async function withRetries<T>(opts: UpstreamOptions, what: string, attempt: () => Promise<T>): Promise<T> {
  const max = Math.max(1, opts.attempts ?? 4);
  const base = opts.baseDelayMs ?? 250;
  let last: unknown;
  for (let i = 1; i <= max; i++) {
    opts.signal?.throwIfAborted();
    try {
      return await attempt();
    } catch (e) {
      last = e;
      const transient = !(e instanceof MirrorError) || e.details['retryable'] === true;
      if (!transient || i === max || opts.signal?.aborted) break;
      await sleep(Math.random() * base * 2 ** (i - 1), opts.signal);
    }
  }
  if (last instanceof MirrorError) throw last;
  throw new MirrorError('upstream_unreachable', `${what}: ${describe(last)}`);
}

function describe(e: unknown): string {
  const err = e as { message?: string; cause?: { code?: string; message?: string } };
  return err.cause?.code ?? err.cause?.message ?? err.message ?? String(e);
}

/** One GET; 2xx → the response, 404 → null when `allowMissing`, else a MirrorError. */
async function getOnce(url: string, opts: UpstreamOptions, allowMissing: boolean): Promise<Response | null> {
  opts.onRequest?.(url);
  const res = await (opts.fetch ?? fetch)(url, { redirect: 'follow', ...(opts.signal ? { signal: opts.signal } : {}) });
  if (res.ok) return res;
  await res.body?.cancel().catch(() => undefined);
  if (res.status === 404 && allowMissing) return null;
  throw new MirrorError('upstream_http_error', `GET ${url} answered ${res.status}`, { url, status: res.status, retryable: retryable(res.status) });
}

/** The whole (small) body of `url`: repomd.xml, its signature, a metalink. */
export async function fetchBytes(url: string, opts: UpstreamOptions, allowMissing = false, limit = 16 * 1024 * 1024): Promise<Uint8Array | null> {
  return withRetries(opts, `GET ${url}`, async () => {
    const res = await getOnce(url, opts, allowMissing);
    if (!res) return null;
    const buf = new Uint8Array(await res.arrayBuffer());
    if (buf.length > limit) throw new MirrorError('upstream_too_large', `${url} is larger than ${limit} bytes`, { url });
    return buf;
  });
}

export interface Downloaded {
  size: number;
  /** Hex digests by algorithm, for every algorithm asked for. */
  digests: Partial<Record<HashAlgorithm, string>>;
}

/**
 * Streams `url` into `key` (overwritten on retry), hashing with each of `algorithms`. Stops with
 * `size_mismatch` as soon as more than `maxBytes` arrive, so a hostile upstream cannot fill the
 * store.
 */
export async function downloadToStore(
  store: BlobStore,
  key: string,
  url: string,
  algorithms: readonly HashAlgorithm[],
  opts: UpstreamOptions,
  maxBytes: number,
): Promise<Downloaded> {
  return withRetries(opts, `GET ${url}`, async () => {
    const res = await getOnce(url, opts, false);
    if (!res?.body) throw new MirrorError('upstream_http_error', `GET ${url} had no body`, { url });
    const hashes = [...new Set(algorithms)].map((a) => [a, opts.platform.createHash(a)] as const);
    let size = 0;
    const meter = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        size += chunk.length;
        if (size > maxBytes) {
          controller.error(new MirrorError('size_mismatch', `${url} is larger than the ${maxBytes} bytes its metadata announces`, { url }));
          return;
        }
        for (const [, h] of hashes) h.update(chunk);
        controller.enqueue(chunk);
      },
    });
    await store.put(key, res.body.pipeThrough(meter), { contentType: 'application/octet-stream' });
    const digests: Partial<Record<HashAlgorithm, string>> = {};
    for (const [a, h] of hashes) digests[a] = toHex(h.digest());
    return { size, digests };
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
