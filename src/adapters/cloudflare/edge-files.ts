/**
 * The Worker's file cache for the one dnf read path (src/http/cache/file-cache.ts): checksum-named
 * repodata files and package blobs in the Cache API (`caches.default`), keyed by their store key
 * (a content address, so an entry can never be stale). The access decision is the read path's and
 * comes before any lookup; entries are stored as `public` (only this code reads them) and the
 * response says `public` or `private` as the repo is.
 *
 * - A miss is served straight from the store, and the cache is filled from a second, independent
 *   read in `waitUntil`: never a tee, which would buffer whatever the slower side lags behind (a
 *   300 MB filelists must not sit in a 128 MB isolate). HEAD looks but never fills.
 * - Range and conditional requests bypass the cache: the store answers them (dnf sends neither).
 * - The Cache API keeps a body's length but not its Content-Length header, which a HEAD (no body)
 *   needs: the size is stored under its own header (never sent).
 * - Responses say how they were answered: `X-Berth-Edge-Cache: HIT | MISS | BYPASS`.
 */
import type { Logger } from '../../core/logger.js';
import type { CachedSource, FileCache, FileRequest } from '../../http/cache/file-cache.js';
import { ProblemError } from '../../http/problem.js';
import { blobSource, type ByteSourceInfo } from '../../http/serve-blob.js';
import type { BlobStore } from '../../storage/blob-store.js';

/** The Workers Cache API (caches.default), structurally. */
export interface EdgeCache {
  match(key: string): Promise<Response | undefined>;
  put(key: string, res: Response): Promise<void>;
}

const CACHE_PATH = '/.berth-edge/';
const STATUS = 'x-berth-edge-cache';
/** Internal to cache entries, never sent: the stored file's size. */
const SIZE_HEADER = 'x-berth-size';
const CONDITIONAL = ['range', 'if-range', 'if-none-match', 'if-modified-since', 'if-match', 'if-unmodified-since'];

const answered = (src: ByteSourceInfo, how: 'HIT' | 'MISS' | 'BYPASS'): CachedSource => ({ ...src, headers: { [STATUS]: how } });

export class EdgeFileCache implements FileCache {
  readonly bytesUsed = 0;

  constructor(private readonly cache: EdgeCache, private readonly logger: Logger) {}

  now(): undefined {
    return undefined;
  }

  async get(store: BlobStore, key: string, req?: FileRequest): Promise<CachedSource | null> {
    const load = blobSource(store, key);
    if (!req || CONDITIONAL.some((h) => req.request.headers.has(h))) {
      const src = await load();
      return src && answered(src, 'BYPASS');
    }
    const cacheKey = `${new URL(req.request.url).origin}${CACHE_PATH}${key}`;
    const head = req.request.method === 'HEAD';
    const hit = await this.cache.match(cacheKey);
    const cached = hit ? fromEntry(hit, head, load) : null;
    if (cached) return answered(cached, 'HIT');
    const src = await load();
    if (!src) return null;
    if (!head && req.waitUntil) {
      req.waitUntil(this.#fill(cacheKey, load).catch((e: unknown) =>
        this.logger.warn('edge cache fill failed', { key: cacheKey, error: e instanceof Error ? e.message : String(e) })));
    }
    return answered(src, 'MISS');
  }

  async #fill(cacheKey: string, load: () => Promise<ByteSourceInfo | null>): Promise<void> {
    const src = await load();
    if (!src) return;
    const headers = new Headers({
      'content-length': String(src.size),
      [SIZE_HEADER]: String(src.size),
      etag: src.etag,
      'last-modified': src.lastModified.toUTCString(),
      'cache-control': 'public, max-age=31536000, immutable',
    });
    await this.cache.put(cacheKey, new Response(await src.open(), { status: 200, headers }));
  }
}

/**
 * A cache entry as a servable source: its body for the whole file; a range (never asked: ranges
 * bypass the cache) or a HEAD (which reads no body) goes to the store. Null for an entry that does
 * not say its size or validators (then it is treated as a miss).
 */
function fromEntry(hit: Response, head: boolean, load: () => Promise<ByteSourceInfo | null>): ByteSourceInfo | null {
  const size = Number(hit.headers.get(SIZE_HEADER) ?? NaN);
  const etag = hit.headers.get('etag');
  const lastModified = new Date(hit.headers.get('last-modified') ?? NaN);
  const valid = Number.isSafeInteger(size) && etag !== null && !Number.isNaN(lastModified.getTime());
  let body = hit.body;
  if (head || !valid) {
    void body?.cancel();
    body = null;
  }
  if (!valid) return null;
  return {
    size, etag, lastModified,
    async open(offset, length) {
      if (offset === undefined && body !== null) {
        const whole = body;
        body = null;
        return whole;
      }
      const src = await load();
      if (!src) throw new ProblemError(404, 'not_found', 'the file was removed while being served');
      return src.open(offset, length);
    },
  };
}
