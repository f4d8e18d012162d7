/**
 * The dnf-facing read path at the edge (docs/cloudflare.md). It answers GET/HEAD of
 * `/{t}/{r}/repodata/{file}` and `/{t}/{r}/Packages/…` itself and returns null for everything
 * else (the app handles it: API, config.repo, repomd.xml.key, packages only older generations
 * list, 404s).
 *
 * - Credentials: CredentialCache (verdicts reused ≤ 60 s, so revocation at the origin is honoured
 *   within that window). Repo settings (public/private) are reused for the metadata window.
 * - repomd.xml and repomd.xml.asc come from one generation record, the one current.json named
 *   when this isolate last looked (reused for BERTH_METADATA_CACHE_SECONDS, default 5): both
 *   requests of a dnf refresh normally see the same generation, and each is always
 *   self-consistent. Clients are told `no-cache`.
 * - Checksum-named repodata files and packages are immutable and go through the Cache API,
 *   keyed by what they are (repodata by repo and checksum name, packages by tenant and sha256, the
 *   package's location resolved through the current generation's package list), so a cached
 *   entry can never be stale. The access check runs before every cache lookup; private repos are
 *   stored in the cache as `public` (only this code reads it) and answered as `private`.
 * - A miss is served straight from the store, and the cache is filled from a second, independent
 *   read in `waitUntil`: never a tee, which would buffer whatever the slower side lags behind (a
 *   300 MB filelists must not sit in a 128 MB isolate). Range and conditional requests bypass the
 *   cache and are answered by serveSource from the store.
 */
import type { Principal } from '../../auth/principal.js';
import { authorize } from '../../auth/principal.js';
import { toHex } from '../../core/platform.js';
import type { AppDeps } from '../../http/deps.js';
import { notFound } from '../../http/errors.js';
import { CHALLENGE } from '../../http/middleware/auth.js';
import { ProblemError, problemResponse } from '../../http/problem.js';
import { blobSource, bytesSource, serveSource, type ByteSourceInfo } from '../../http/serve-blob.js';
import { currentGeneration, findInGeneration, readGenerationPackages, type GenerationRecord } from '../../repo/generations.js';
import type { RepoSettings, RepoTenancy } from '../../repo/tenancy.js';
import { storeTenancy } from '../../repo/tenancy-bindings.js';
import { isValidName, packageBlobKey, repodataKey } from '../../storage/keys.js';
import { CredentialCache } from './credentials.js';
import { TtlCache } from './ttl-cache.js';

/** The Workers Cache API (caches.default), structurally. */
export interface EdgeCache {
  match(key: string): Promise<Response | undefined>;
  put(key: string, res: Response): Promise<void>;
}

export interface EdgeOptions {
  tokenCacheSeconds: number;
  metadataCacheSeconds: number;
  /** Null when there is no Cache API (then immutable files are served from the store each time). */
  cache: EdgeCache | null;
  tenancy?: RepoTenancy;
}

export type EdgeHandler = (req: Request, waitUntil: (p: Promise<unknown>) => void) => Promise<Response | null>;

const DNF_PATH = /^\/([^/]+)\/([^/]+)\/(repodata\/[^/]+|Packages\/[^/]+\/[^/]+)$/;
const METADATA_FILE = /^[0-9a-f]{64}-[a-z_]+\.xml(?:\.(?:gz|zst|xz|bz2))?$/;
const IMMUTABLE = 'max-age=31536000, immutable';
const CACHE_PATH = '/.berth-edge';
/** Internal to cache entries, never sent: the stored file's size (see fromCache). */
const SIZE_HEADER = 'x-berth-size';

function strongEtag(deps: AppDeps, text: string): string {
  const h = deps.platform.createHash('sha256');
  h.update(new TextEncoder().encode(text));
  return `"${toHex(h.digest()).slice(0, 32)}"`;
}

/** Throws the same problems the app's requireAccess would. */
function checkRead(principal: Principal, tenant: string, repo: string, settings: RepoSettings | null): asserts settings is RepoSettings {
  switch (authorize(principal, { tenant, repo, action: 'read' }, settings?.public ?? false)) {
    case 'allow':
      break;
    case 'unauthenticated':
      throw new ProblemError(401, 'unauthenticated', 'credentials required', {}, CHALLENGE);
    case 'forbidden':
      throw new ProblemError(403, 'forbidden', 'this credential may not read here');
    case 'not-found':
      throw notFound(tenant, repo);
  }
  if (!settings) throw notFound(tenant, repo);
}

function bypassesCache(req: Request): boolean {
  return ['range', 'if-range', 'if-none-match', 'if-modified-since', 'if-match', 'if-unmodified-since'].some((h) => req.headers.has(h));
}

export function createEdge(deps: AppDeps, options: EdgeOptions): EdgeHandler {
  const { store } = deps;
  const tenancy = options.tenancy ?? storeTenancy;
  const credentials = new CredentialCache(deps, options.tokenCacheSeconds);
  const metadataMs = options.metadataCacheSeconds * 1000;
  const repos = new TtlCache<RepoSettings | null>(metadataMs, 1000);
  const generations = new TtlCache<{ record: GenerationRecord; lastModified: Date } | null>(metadataMs, 1000);
  // Package lists of generations from before index segments never change; kept an hour, a few at a time.
  const packageLists = new TtlCache<Map<string, string> | null>(3600_000, 16);

  async function current(tenant: string, repo: string): Promise<{ record: GenerationRecord; lastModified: Date } | null> {
    return generations.through(`${tenant}/${repo}`, () => currentGeneration(store, tenant, repo));
  }

  async function packageSha(tenant: string, repo: string, location: string): Promise<string | undefined> {
    const gen = await current(tenant, repo);
    if (!gen) return undefined;
    // through the index segment covering the location; records from before segments: their list
    return findInGeneration(store, tenant, repo, gen.record, location, (revision) => packageLists.through(`${tenant}/${repo}/${revision}`, async () => {
      const l = await readGenerationPackages(store, tenant, repo, revision);
      return l ? new Map(l) : null;
    }));
  }

  /** Cached response → client response (visibility, request id, HEAD without body). */
  function fromCache(hit: Response, req: Request, visibility: string): Response {
    const headers = new Headers(hit.headers);
    headers.set('cache-control', `${visibility}, ${IMMUTABLE}`);
    headers.set('x-berth-edge-cache', 'HIT');
    // The Cache API keeps the body's length but not the Content-Length header, which a HEAD
    // (no body) needs; fill() stored the size under its own name for that.
    const size = headers.get(SIZE_HEADER);
    headers.delete(SIZE_HEADER);
    if (size !== null) headers.set('content-length', size);
    if (req.method === 'HEAD') {
      void hit.body?.cancel();
      return new Response(null, { status: 200, headers });
    }
    return new Response(hit.body, { status: 200, headers });
  }

  async function fill(cache: EdgeCache, cacheKey: string, src: ByteSourceInfo, contentType: string): Promise<void> {
    const headers = new Headers({
      'content-type': contentType,
      'content-length': String(src.size),
      [SIZE_HEADER]: String(src.size),
      etag: src.etag,
      'last-modified': src.lastModified.toUTCString(),
      'accept-ranges': 'bytes',
      'cache-control': `public, ${IMMUTABLE}`,
    });
    await cache.put(cacheKey, new Response(await src.open(), { status: 200, headers }));
  }

  async function immutable(
    req: Request,
    waitUntil: (p: Promise<unknown>) => void,
    storeKey: string,
    cacheKey: string,
    contentType: string,
    visibility: string,
  ): Promise<Response | null> {
    const cache = options.cache;
    const useCache = cache !== null && !bypassesCache(req);
    if (useCache) {
      const hit = await cache.match(cacheKey);
      if (hit) return fromCache(hit, req, visibility);
    }
    const load = blobSource(store, storeKey);
    const src = await load();
    if (!src) return null;
    const res = await serveSource(req, src, { contentType, cacheControl: `${visibility}, ${IMMUTABLE}` });
    if (useCache && req.method === 'GET' && res.status === 200) {
      waitUntil((async () => {
        const again = await load();
        if (again) await fill(cache, cacheKey, again, contentType);
      })().catch((e: unknown) => deps.logger.warn('edge cache fill failed', { key: cacheKey, error: e instanceof Error ? e.message : String(e) })));
    }
    res.headers.set('x-berth-edge-cache', useCache ? 'MISS' : 'BYPASS');
    return res;
  }

  async function handle(req: Request, waitUntil: (p: Promise<unknown>) => void): Promise<Response | null> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return null;
    const url = new URL(req.url);
    const m = DNF_PATH.exec(url.pathname);
    if (!m) return null;
    const [, tenant = '', repo = '', rest = ''] = m;
    if (tenant === 'api' || !isValidName(tenant) || !isValidName(repo) || rest === 'repodata/repomd.xml.key') return null;

    const principal = await credentials.principal(req.headers.get('authorization'));
    if (principal === 'invalid') throw new ProblemError(401, 'invalid_token', 'the token is invalid, expired or revoked', {}, CHALLENGE);
    const settings = await repos.through(`${tenant}/${repo}`, () => tenancy.getRepo(store, tenant, repo));
    checkRead(principal, tenant, repo, settings);
    const visibility = settings.public ? 'public' : 'private';
    const cacheBase = `${url.origin}${CACHE_PATH}`;

    if (rest === 'repodata/repomd.xml' || rest === 'repodata/repomd.xml.asc') {
      const gen = await current(tenant, repo);
      if (!gen) throw new ProblemError(404, 'not_found', `${tenant}/${repo}/${rest} not found (no metadata generated yet)`);
      const xml = rest.endsWith('.xml');
      const text = xml ? gen.record.repomd : gen.record.asc;
      const src = bytesSource(new TextEncoder().encode(text), strongEtag(deps, text), gen.lastModified);
      const res = await serveSource(req, src, {
        contentType: xml ? 'text/xml; charset=utf-8' : 'application/pgp-signature',
        cacheControl: `${visibility}, no-cache`,
      });
      res.headers.set('x-berth-generation', String(gen.record.revision));
      return res;
    }
    if (rest.startsWith('repodata/')) {
      const file = rest.slice('repodata/'.length);
      if (!METADATA_FILE.test(file)) return null;
      const type = file.endsWith('.gz') ? 'application/gzip' : file.endsWith('.zst') ? 'application/zstd' : 'application/octet-stream';
      return immutable(req, waitUntil, repodataKey(tenant, repo, file), `${cacheBase}/r/${tenant}/${repo}/${file}`, type, visibility);
    }
    const sha = await packageSha(tenant, repo, rest);
    if (!sha) return null;
    return immutable(req, waitUntil, packageBlobKey(tenant, sha), `${cacheBase}/p/${tenant}/${sha}`, 'application/x-rpm', visibility);
  }

  return async (req, waitUntil) => {
    try {
      return await handle(req, waitUntil);
    } catch (e) {
      if (!(e instanceof ProblemError)) throw e;
      const requestId = crypto.randomUUID();
      const res = problemResponse(e, requestId);
      res.headers.set('X-Request-Id', requestId);
      return res;
    }
  };
}
