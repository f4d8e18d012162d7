/**
 * What dnf fetches from a snapshot (docs/service.md, Snapshots): `/{t}/{r}/snapshots/{name}/`
 * is a complete repository — repodata/repomd.xml, .asc and .key from the snapshot record, the
 * repodata files it lists, packages at their locations in its index segments, and a config.repo
 * pointing at it. Access is the repo's (read), decided the same way as for the repo's own paths.
 * Mounted before the repo's dnf routes, whose location pattern would otherwise take these paths.
 */
import { Hono, type Context } from 'hono';
import type { Platform } from '../../core/platform.js';
import { toHex } from '../../core/platform.js';
import { keyOfLocation } from '../../repo/index-entry.js';
import { findInList } from '../../repo/index-store.js';
import { CHECKSUM_NAMED, type SnapshotRecord } from '../../repo/snapshots.js';
import { isValidSnapshotName, packageBlobKey, repodataKey, snapshotFileKey } from '../../storage/keys.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { NO_SERVE_CACHE, ServeCache } from '../cache/serve-cache.js';
import type { CachedSource } from '../cache/file-cache.js';
import type { RouteDoc } from '../openapi.js';
import { ProblemError } from '../problem.js';
import { blobSource, bytesSource, serveSource } from '../serve-blob.js';
import { clientConfig } from '../../repo/client-keys.js';
import { repoFileText } from '../config-repo.js';
import { dnfRequest, type DnfRepoLookup, type DnfRequest } from './dnf.js';
import { fileRouteDocs } from './dnf-docs.js';

const IMMUTABLE = 'max-age=31536000, immutable';
const LOCATION = /^(?!\/)(?!.*(?:^|\/)\.\.?(?:\/|$))[^?#\0\\]+\.rpm$/;
/** How long a process reuses a snapshot record (a delete elsewhere shows within this). */
const RECORD_TTL_MS = 2000;
const RECORDS_MAX = 256;

export const snapshotDnfRouteDocs: RouteDoc[] = [
  ...fileRouteDocs('/{tenant}/{repo}/snapshots/{name}/repodata/{file}',
    "A snapshot's metadata, exactly as it was when taken: repomd.xml, repomd.xml.asc, repomd.xml.key (the key(s) that verify it) and its metadata files"),
  ...fileRouteDocs('/{tenant}/{repo}/snapshots/{name}/{location}', "A package of the snapshot, at the location its primary.xml names"),
  {
    method: 'get', path: '/{tenant}/{repo}/snapshots/{name}/config.repo', summary: 'A dnf .repo file for the snapshot (baseurl from BERTH_PUBLIC_URL or the request)',
    access: 'read', responses: { 200: 'text' }, problems: { 401: ['unauthenticated', 'invalid_token'], 404: ['not_found'] },
  },
];

const missing = (what: string): ProblemError => new ProblemError(404, 'not_found', `${what} not found`);

function strongEtag(platform: Platform, text: string): string {
  const h = platform.createHash('sha256');
  h.update(new TextEncoder().encode(text));
  return `"${toHex(h.digest()).slice(0, 32)}"`;
}

/** Snapshot records per process for a moment: dnf fetches repomd.xml, .asc and files in a burst. */
export class SnapshotRecords {
  readonly #map = new Map<string, { at: number; value: Promise<SnapshotRecord | null> }>();
  constructor(private readonly load: (tenant: string, repo: string, name: string) => Promise<SnapshotRecord | null>) {}

  get(tenant: string, repo: string, name: string): Promise<SnapshotRecord | null> {
    const k = `${tenant}/${repo}/${name}`;
    const hit = this.#map.get(k);
    if (hit && Date.now() - hit.at < RECORD_TTL_MS) return hit.value;
    const value = this.load(tenant, repo, name);
    this.#map.delete(k);
    this.#map.set(k, { at: Date.now(), value });
    value.catch(() => this.#map.delete(k));
    if (this.#map.size > RECORDS_MAX) this.#map.delete(this.#map.keys().next().value as string);
    return value;
  }

  forget(tenant: string, repo: string, name: string): void {
    this.#map.delete(`${tenant}/${repo}/${name}`);
  }
}

export function snapshotDnfRoutes(deps: AppDeps, repoFor: DnfRepoLookup, records: SnapshotRecords): Hono<AppEnv> {
  const { store } = deps;
  const hot = deps.cache ?? new ServeCache(NO_SERVE_CACHE);
  const app = new Hono<AppEnv>();
  const param = (c: Context<AppEnv>, name: string): string => c.req.param(name) ?? '';

  async function open(req: DnfRequest, tenant: string, repo: string, name: string): Promise<{ snap: SnapshotRecord; cache: string; allowUnsigned: boolean }> {
    const { cache, settings } = await repoFor(req, tenant, repo);
    const snap = isValidSnapshotName(name) ? await records.get(tenant, repo, name) : null;
    if (!snap) throw missing(`snapshot ${name} of ${tenant}/${repo}`);
    return { snap, cache, allowUnsigned: settings.allowUnsigned };
  }

  function serve(req: DnfRequest, src: CachedSource, contentType: string, cacheControl: string): Promise<Response> {
    const headers = { ...src.headers, ...(req.requestId === undefined ? {} : { 'x-request-id': req.requestId }) };
    return serveSource(req.raw, src, { contentType, cacheControl, headers });
  }

  function doc(text: string, at: string): CachedSource {
    return bytesSource(new TextEncoder().encode(text), strongEtag(deps.platform, text), new Date(at));
  }

  app.on(['GET', 'HEAD'], '/:tenant/:repo/snapshots/:name/repodata/:file', async (c) => {
    const req = dnfRequest(c);
    const [tenant, repo, name, file] = [param(c, 'tenant'), param(c, 'repo'), param(c, 'name'), param(c, 'file')];
    const { snap, cache } = await open(req, tenant, repo, name);
    const at = snap.createdAt;
    // A snapshot never changes while it exists; no-cache lets a client notice a deleted and re-made one.
    const fixed = `${cache}, no-cache`;
    if (file === 'repomd.xml') return serve(req, doc(snap.generation.repomd, at), 'text/xml; charset=utf-8', fixed);
    if (file === 'repomd.xml.asc') {
      if (snap.generation.asc === '') throw missing(`${req.path}`);
      return serve(req, doc(snap.generation.asc, at), 'application/pgp-signature', fixed);
    }
    if (file === 'repomd.xml.key') {
      if (!snap.key) throw missing(`${req.path}`);
      return serve(req, doc(snap.key, at), 'application/pgp-keys', fixed);
    }
    if (!snap.generation.files.includes(file)) throw missing(req.path);
    const type = file.endsWith('.gz') ? 'application/gzip' : file.endsWith('.zst') ? 'application/zstd' : 'application/octet-stream';
    const src = CHECKSUM_NAMED.test(file)
      ? await hot.file(store, repodataKey(tenant, repo, file), { request: req.raw, waitUntil: req.waitUntil })
      : await blobSource(store, snapshotFileKey(tenant, repo, name, file))();
    if (!src) throw missing(req.path);
    return serve(req, src, type, `${cache}, ${IMMUTABLE}`);
  });

  app.get('/:tenant/:repo/snapshots/:name/config.repo', async (c) => {
    const req = dnfRequest(c);
    const [tenant, repo, name] = [param(c, 'tenant'), param(c, 'repo'), param(c, 'name')];
    const { snap, cache, allowUnsigned } = await open(req, tenant, repo, name);
    const origin = deps.config.publicUrl?.replace(/\/+$/, '') ?? new URL(c.req.url).origin;
    const base = `${origin}/${tenant}/${repo}/snapshots/${snap.name}`;
    const keys = await clientConfig(deps.store, tenant, repo);
    const text = repoFileText({
      id: `${tenant}-${repo}-${snap.name.replace(/[^a-z0-9-]/g, '-')}`, name: `${tenant}/${repo} snapshot ${snap.name} (Berth)`, base, origin,
      private: cache === 'private', allowUnsigned,
      keys: { ...keys, metadataKey: snap.generation.asc !== '' },
    });
    return c.body(text, 200, {
      'content-type': 'text/plain; charset=utf-8', 'cache-control': `${cache}, no-cache`,
      'content-disposition': `inline; filename="${tenant}-${repo}-${snap.name}.repo"`,
    });
  });

  app.on(['GET', 'HEAD'], '/:tenant/:repo/snapshots/:name/:location{.+}', async (c) => {
    const req = dnfRequest(c);
    const [tenant, repo, name, location] = [param(c, 'tenant'), param(c, 'repo'), param(c, 'name'), param(c, 'location')];
    const { snap, cache } = await open(req, tenant, repo, name);
    if (!LOCATION.test(location)) throw missing(req.path);
    const entry = await findInList(store, tenant, repo, snap.generation.index ?? null, keyOfLocation(location));
    if (entry?.location !== location) throw missing(req.path);
    const src = await hot.file(store, packageBlobKey(tenant, entry.sha256), { request: req.raw, waitUntil: req.waitUntil });
    if (!src) throw missing(req.path);
    return serve(req, src, 'application/x-rpm', `${cache}, ${IMMUTABLE}`);
  });

  return app;
}
