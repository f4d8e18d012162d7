/**
 * What dnf/tdnf fetch: `/{t}/{r}/repodata/{file}`, packages at their location href, and a
 * ready-made `/{t}/{r}/config.repo`. repomd.xml and repomd.xml.asc come from the generation
 * record current.json names (read once per request), so the pair always matches.
 *
 * Packages are found by location: the current index first (the head, then only the index
 * segment covering the location — docs/service.md, Index), then the generations still retained,
 * so a client holding an older repomd.xml can fetch a package deleted since, until GC removes it.
 */
import { Hono } from 'hono';
import type { Context } from 'hono';
import type { Principal } from '../../auth/principal.js';
import type { Platform } from '../../core/platform.js';
import { toHex } from '../../core/platform.js';
import { readKeySet } from '../../repo/metadata-key-set.js';
import { currentGeneration, findInGeneration, readGenerationAt, readGenerationPackages, type GenerationRecord } from '../../repo/generations.js';
import { keyOfLocation } from '../../repo/index-entry.js';
import { findInList, peekInList, readHead } from '../../repo/index-store.js';
import type { RepoSettings, RepoTenancy } from '../../repo/tenancy.js';
import { storeTenancy } from '../../repo/tenancy-bindings.js';
import { listAll } from '../../storage/blob-store.js';
import { generationsPrefix, isValidName, packageBlobKey, repodataKey } from '../../storage/keys.js';
import { configRepoText, publicOrigin } from '../config-repo.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { refuseRegardless, repoDecision, requireRepoAccess, settingsAllowed } from '../middleware/auth.js';
import { ProblemError } from '../problem.js';
import type { CachedSource } from '../cache/file-cache.js';
import { NO_SERVE_CACHE, ServeCache, type MemoryDoc, type ServedGeneration } from '../cache/serve-cache.js';
import { blobSource, bytesSource, serveFromMemory, serveSource, type ServeOptions } from '../serve-blob.js';


/**
 * repomd.xml (or its .asc) of a generation, with the `Berth-Revision` header naming Berth's own
 * index revision of that generation: the cursor `berth sync` asks the changes feed with (a
 * complete mirror's repomd.xml carries upstream's `<revision>`, which the feed knows nothing of).
 * One source per cached document, so its header records are built once (serve-blob.ts).
 */
const generationDocs = new WeakMap<MemoryDoc, CachedSource>();
function generationDoc(file: string, revision: number, doc: MemoryDoc): CachedSource {
  let src = generationDocs.get(doc);
  if (src === undefined) {
    src = bytesSource(doc.bytes, doc.etag, doc.lastModified);
    if (file === 'repomd.xml') src.headers = { 'berth-revision': String(revision) };
    generationDocs.set(doc, src);
  }
  return src;
}

/**
 * The options of every answer, per content type and visibility: constants, so that serve-blob.ts
 * can keep each source's header records per options object.
 */
function optionsFor(contentType: string, cacheControl: string): { public: ServeOptions; private: ServeOptions } {
  return {
    public: { contentType, cacheControl: `public, ${cacheControl}` },
    private: { contentType, cacheControl: `private, ${cacheControl}` },
  };
}
const IMMUTABLE = 'max-age=31536000, immutable';
const OPTIONS = {
  repomd: optionsFor('text/xml; charset=utf-8', 'no-cache'),
  asc: optionsFor('application/pgp-signature', 'no-cache'),
  key: optionsFor('application/pgp-keys', 'no-cache'),
  gzip: optionsFor('application/gzip', IMMUTABLE),
  zstd: optionsFor('application/zstd', IMMUTABLE),
  json: optionsFor('application/json', IMMUTABLE),
  other: optionsFor('application/octet-stream', IMMUTABLE),
  rpm: optionsFor('application/x-rpm', IMMUTABLE),
};
export type Visibility = 'public' | 'private';
const metadataOptions = (file: string, cache: Visibility): ServeOptions =>
  (file.endsWith('.gz') ? OPTIONS.gzip : file.endsWith('.zst') ? OPTIONS.zstd : file.endsWith('.json') ? OPTIONS.json : OPTIONS.other)[cache];

export interface DnfRouteOptions {
  tenancy?: RepoTenancy;
}

/** What a dnf handler needs from a request: the hono routes and the app's pre-router both supply it. */
export interface DnfRequest {
  raw: Request;
  /** The request path (for problem details). */
  path: string;
  principal: Principal;
  /** Echoed in `X-Request-Id` of the responses the handler builds (absent: nothing added). */
  requestId: string | undefined;
  /** The runtime's way to keep work alive after the response (a Worker's ctx.waitUntil), if any. */
  waitUntil?: ((p: Promise<unknown>) => void) | undefined;
}

export interface DnfHandlers {
  /** GET|HEAD /{t}/{r}/repodata/{file} */
  repodata(req: DnfRequest, tenant: string, repo: string, file: string): Promise<Response>;
  /** GET|HEAD /{t}/{r}/{location} (a package) */
  location(req: DnfRequest, tenant: string, repo: string, location: string): Promise<Response>;
  /**
   * The same answers, synchronously, when everything they need is fresh in the serve cache and
   * the response needs no stream; undefined otherwise (then the async handler answers). They may
   * throw (access denied): callers then use the async handler, which throws the same.
   */
  repodataNow(req: DnfRequest, tenant: string, repo: string, file: string): Response | undefined;
  locationNow(req: DnfRequest, tenant: string, repo: string, location: string): Response | undefined;
}

// checksum-named metadata files, and the member map named by its repomd.xml's checksum
const METADATA_FILE = /^[0-9a-f]{64}-(?:[a-z_]+\.xml(?:\.(?:gz|zst|xz|bz2))?|members\.json)$/;
const GENERATION_RECORD = /\/(\d{12})\.json$/;
// Berth's own `Packages/<l>/<file>`, and a complete mirror's upstream hrefs (src/mirror): any
// relative path to an .rpm without dot segments. The location is only ever a lookup key.
const LOCATION = /^(?!\/)(?!.*(?:^|\/)\.\.?(?:\/|$))[^?#\0\\]+\.rpm$/;

const fileMissing = (what: string): ProblemError => new ProblemError(404, 'not_found', `${what} not found`);

function strongEtag(platform: Platform, text: string): string {
  const h = platform.createHash('sha256');
  h.update(new TextEncoder().encode(text));
  return `"${toHex(h.digest()).slice(0, 32)}"`;
}

/** Bounded memo of immutable lookups (generation package lists). */
class Memo<V> {
  readonly #map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(k: string): V | undefined {
    return this.#map.get(k);
  }
  set(k: string, v: V): void {
    this.#map.delete(k);
    this.#map.set(k, v);
    if (this.#map.size > this.max) this.#map.delete(this.#map.keys().next().value as string);
  }
}

export function dnfHandlers(deps: AppDeps, options: DnfRouteOptions = {}): DnfHandlers & { repoFor: DnfRepoLookup } {
  const tenancy = options.tenancy ?? storeTenancy;
  const { store } = deps;
  const hot = deps.cache ?? new ServeCache(NO_SERVE_CACHE);
  const generationLists = new Memo<Map<string, string>>(16);
  const generationRecords = new Memo<GenerationRecord>(256);

  /**
   * Access first (middleware/auth.ts requireRepoAccess): a refusal that does not depend on the
   * repo reads nothing, and the settings read (cached, absence included) is the same for a
   * private repo and a missing one, so nothing tells another tenant whether a repo exists.
   */
  async function repoFor(req: DnfRequest, tenant: string, repo: string): Promise<{ settings: RepoSettings; cache: Visibility }> {
    if (!isValidName(tenant) || !isValidName(repo)) throw fileMissing(req.path);
    const settings = await requireRepoAccess(req.principal, { tenant, repo, action: 'read' },
      () => hot.settings(tenant, repo, () => tenancy.getRepo(store, tenant, repo)));
    return { settings, cache: settings.public ? 'public' : 'private' };
  }

  /** serveSource with the request id in the header record it builds (no Headers conversion later). */
  function serve(req: DnfRequest, src: CachedSource, opts: ServeOptions): Promise<Response> {
    return serveSource(req.raw, src, opts, req.requestId);
  }

  /** The immutable file at `key` through the runtime's file cache. */
  function cachedFile(req: DnfRequest, key: string): Promise<CachedSource | null> {
    return hot.file(store, key, { request: req.raw, waitUntil: req.waitUntil });
  }

  /** repoFor from the cache only (undefined: not cached); throws the same refusals. */
  function cachedRepo(req: DnfRequest, tenant: string, repo: string): Visibility | undefined {
    if (!isValidName(tenant) || !isValidName(repo)) return undefined;
    const access = { tenant, repo, action: 'read' } as const;
    const decision = repoDecision(req.principal, access);
    refuseRegardless(decision, access);
    const settings = hot.settingsNow(tenant, repo);
    if (settings === undefined) return undefined;
    return settingsAllowed(decision, access, settings).public ? 'public' : 'private';
  }

  function serveNow(req: DnfRequest, src: CachedSource, opts: ServeOptions): Response | undefined {
    return serveFromMemory(req.raw, src, opts, req.requestId) ?? undefined;
  }

  function repodataNow(req: DnfRequest, tenant: string, repo: string, file: string): Response | undefined {
    const cache = cachedRepo(req, tenant, repo);
    if (cache === undefined) return undefined;
    if (file === 'repomd.xml' || file === 'repomd.xml.asc') {
      const gen = hot.generationNow(tenant, repo);
      const doc = gen?.[file === 'repomd.xml' ? 'repomd' : 'asc'];
      if (!gen || !doc) return undefined;
      return serveNow(req, generationDoc(file, gen.revision, doc), (file === 'repomd.xml' ? OPTIONS.repomd : OPTIONS.asc)[cache]);
    }
    if (!METADATA_FILE.test(file)) return undefined;
    const src = hot.fileNow(repodataKey(tenant, repo, file));
    if (!src) return undefined;
    return serveNow(req, src, metadataOptions(file, cache));
  }

  function locationNow(req: DnfRequest, tenant: string, repo: string, location: string): Response | undefined {
    const cache = cachedRepo(req, tenant, repo);
    if (cache === undefined || !LOCATION.test(location)) return undefined;
    const key = keyOfLocation(location);
    const sha = hot.locationNow(tenant, repo, (list) => {
      const e = peekInList(store, tenant, repo, list, key);
      return e?.location === location ? e.sha256 : undefined;
    });
    const src = sha === undefined ? undefined : hot.fileNow(packageBlobKey(tenant, sha));
    if (!src) return undefined;
    return serveNow(req, src, OPTIONS.rpm[cache]);
  }

  function currentLocation(tenant: string, repo: string, location: string): Promise<string | undefined> {
    const key = keyOfLocation(location);
    return hot.location(
      tenant, repo,
      async () => {
        const { head, etag } = await readHead(store, tenant, repo);
        return etag === null ? null : { etag, list: head.list };
      },
      async (list) => {
        const e = await findInList(store, tenant, repo, list, key);
        return e?.location === location ? e.sha256 : undefined;
      },
    );
  }

  /** The served generation's repomd.xml/.asc as bytes with their ETags (one record, one pair). */
  function generation(tenant: string, repo: string): Promise<ServedGeneration | null> {
    return hot.generation(tenant, repo, async (previous) => {
      const gen = await currentGeneration(store, tenant, repo);
      if (!gen) return null;
      const { repomd, asc, files, revision } = gen.record;
      if (previous?.texts[0] === repomd && previous.texts[1] === asc) return previous;
      const doc = (text: string): MemoryDoc => ({
        bytes: new TextEncoder().encode(text), etag: strongEtag(deps.platform, text), lastModified: gen.lastModified,
      });
      // a mirror of an unsigned upstream (verify: false) has no signature to serve
      return { revision, repomd: doc(repomd), asc: asc === '' ? null : doc(asc), files, texts: [repomd, asc] };
    });
  }

  async function retainedLocation(tenant: string, repo: string, location: string): Promise<string | undefined> {
    const keys: { key: string; revision: number }[] = [];
    for await (const item of listAll(store, generationsPrefix(tenant, repo))) {
      const m = GENERATION_RECORD.exec(item.key);
      if (m) keys.push({ key: item.key, revision: Number(m[1]) });
    }
    keys.sort((a, b) => b.revision - a.revision);
    const legacy = async (revision: number): Promise<Map<string, string> | null> => {
      const id = `${tenant}/${repo}/${revision}`;
      let map = generationLists.get(id);
      if (!map) {
        const list = await readGenerationPackages(store, tenant, repo, revision);
        if (!list) return null;
        map = new Map(list);
        generationLists.set(id, map);
      }
      return map;
    };
    for (const { key } of keys) {
      let record = generationRecords.get(key);
      if (!record) {
        record = (await readGenerationAt(store, key)) ?? undefined;
        if (!record) continue;
        generationRecords.set(key, record);
      }
      const sha = await findInGeneration(store, tenant, repo, record, location, legacy);
      if (sha) return sha;
    }
    return undefined;
  }

  async function repodata(req: DnfRequest, tenant: string, repo: string, file: string): Promise<Response> {
    const { settings, cache } = await repoFor(req, tenant, repo);
    if (file === 'repomd.xml' || file === 'repomd.xml.asc') {
      const gen = await generation(tenant, repo);
      if (!gen) throw fileMissing(`${tenant}/${repo}/repodata/${file} (no metadata generated yet)`);
      const doc = file === 'repomd.xml' ? gen.repomd : gen.asc;
      if (!doc) throw fileMissing(`${tenant}/${repo}/repodata/${file}`);
      const src = generationDoc(file, gen.revision, doc);
      return serve(req, src, (file === 'repomd.xml' ? OPTIONS.repomd : OPTIONS.asc)[cache]);
    }
    if (file === 'repomd.xml.key') {
      const key = await hot.publicKey(tenant, repo, async () => {
        const armored = await tenancy.metadataPublicKeyArmored(store, tenant, repo);
        if (!armored) return null;
        // The key changes only by a rotation: the key set's time, else the repo's creation time.
        const changed = (await readKeySet(store, tenant, repo))?.value.updatedAt ?? settings.createdAt;
        const lastModified = changed ? new Date(changed) : new Date(0);
        return { bytes: new TextEncoder().encode(armored), etag: strongEtag(deps.platform, armored), lastModified };
      });
      if (!key) throw fileMissing(`${tenant}/${repo}/repodata/repomd.xml.key`);
      const src = bytesSource(key.bytes, key.etag, key.lastModified);
      return serve(req, src, OPTIONS.key[cache]);
    }
    // Other names (a complete mirror keeps upstream's, e.g. comps or modules files) only when
    // the current generation lists them.
    const checksumNamed = METADATA_FILE.test(file);
    if (!checksumNamed && !(await generation(tenant, repo))?.files.includes(file)) {
      throw fileMissing(`${tenant}/${repo}/repodata/${file}`);
    }
    // Only checksum-named files are immutable by name; others are read from the store each time.
    const key = repodataKey(tenant, repo, file);
    const src = checksumNamed ? await cachedFile(req, key) : await blobSource(store, key)();
    if (!src) throw fileMissing(`${tenant}/${repo}/repodata/${file}`);
    return serve(req, src, metadataOptions(file, cache));
  }

  async function location(req: DnfRequest, tenant: string, repo: string, location: string): Promise<Response> {
    const { cache } = await repoFor(req, tenant, repo);
    if (!LOCATION.test(location)) throw fileMissing(`${tenant}/${repo}/${location}`);
    const sha = (await currentLocation(tenant, repo, location)) ?? (await retainedLocation(tenant, repo, location));
    if (!sha) throw fileMissing(`${tenant}/${repo}/${location}`);
    const src = await cachedFile(req, packageBlobKey(tenant, sha));
    if (!src) throw fileMissing(`${tenant}/${repo}/${location}`);
    return serve(req, src, OPTIONS.rpm[cache]);
  }

  return { repodata, location, repodataNow, locationNow, repoFor };
}

export type DnfRepoLookup = (req: DnfRequest, tenant: string, repo: string) => Promise<{ settings: RepoSettings; cache: Visibility }>;

/** The runtime's waitUntil, when hono was given an execution context (a Worker); undefined on Node. */
function waitUntilOf(c: Context<AppEnv>): ((p: Promise<unknown>) => void) | undefined {
  let ctx: { waitUntil(p: Promise<unknown>): void };
  try {
    ctx = c.executionCtx; // a getter that throws where there is none
  } catch {
    return undefined;
  }
  return (p) => ctx.waitUntil(p);
}

export const dnfRequest = (c: Context<AppEnv>): DnfRequest => ({
  raw: c.req.raw, path: c.req.path, principal: c.get('principal'), requestId: c.get('requestId') as string | undefined, waitUntil: waitUntilOf(c),
});

/**
 * The dnf paths as hono routes. The app's pre-router (app.ts) answers the plain-path GET/HEAD
 * requests with the same handlers before hono routes them; these routes take the rest.
 */
export function dnfRoutes(deps: AppDeps, options: DnfRouteOptions = {}, handlers = dnfHandlers(deps, options)): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const param = (c: Context<AppEnv>, name: string): string => c.req.param(name) ?? '';

  app.on(['GET', 'HEAD'], '/:tenant/:repo/repodata/:file', (c) =>
    handlers.repodata(dnfRequest(c), param(c, 'tenant'), param(c, 'repo'), param(c, 'file')));

  app.get('/:tenant/:repo/config.repo', async (c) => {
    const tenant = param(c, 'tenant');
    const repo = param(c, 'repo');
    const { settings } = await handlers.repoFor(dnfRequest(c), tenant, repo);
    const text = await configRepoText(deps.store, publicOrigin(deps.config, c.req.url), tenant, repo, settings);
    return c.body(text, 200, {
      'content-type': 'text/plain; charset=utf-8',
      'cache-control': `${settings.public ? 'public' : 'private'}, no-cache`,
      'content-disposition': `inline; filename="${tenant}-${repo}.repo"`,
    });
  });

  app.on(['GET', 'HEAD'], '/:tenant/:repo/:location{.+}', (c) =>
    handlers.location(dnfRequest(c), param(c, 'tenant'), param(c, 'repo'), param(c, 'location')));

  return app;
}
