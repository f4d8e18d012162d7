/**
 * Test-only Worker: exposes a raw BlobStore driver (R2 from the BUCKET binding, or the SAS reader
 * when SAS_CONTAINER_URL is set) over HTTP, so the Node-side conformance suite can drive the
 * driver while it runs inside workerd. One operation per request; errors come back as JSON with
 * the storage `code` (and `size` for unsatisfiable ranges).
 */
import type { BlobStore } from '../../../src/storage/blob-store.js';
import { R2BlobStore, type R2BucketLike } from '../../../src/storage/r2-store.js';
import { SasBlobStore } from '../../../src/storage/sas-store.js';
import { toHex } from '../../../src/core/platform.js';
import { parseWorkerEnv, type WorkerEnv } from '../../../src/adapters/cloudflare/config.js';
import { workerPlatform, zstdAvailable } from '../../../src/adapters/cloudflare/platform.js';
import { metadataText } from '../../../src/core/repodata/read/metadata-text.js';

interface Env {
  BUCKET?: R2BucketLike;
  SAS_CONTAINER_URL?: string;
  SAS_TOKEN?: string;
}

const json = (value: unknown, status = 200): Response =>
  new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json' } });

function storeOf(env: Env, url: URL): BlobStore {
  if (url.searchParams.get('driver') === 'sas') {
    if (!env.SAS_CONTAINER_URL || !env.SAS_TOKEN) throw new Error('SAS_CONTAINER_URL/SAS_TOKEN not bound');
    return new SasBlobStore({ containerUrl: env.SAS_CONTAINER_URL, sas: env.SAS_TOKEN });
  }
  if (!env.BUCKET) throw new Error('BUCKET not bound');
  return new R2BlobStore(env.BUCKET, { partSize: 5 * 1024 * 1024 });
}

async function handle(req: Request, env: Env): Promise<Response> {
  const url = new URL(req.url);
  const store = storeOf(env, url);
  const key = url.searchParams.get('key') ?? '';
  const opts = JSON.parse(url.searchParams.get('opts') ?? '{}') as Record<string, unknown>;
  switch (url.pathname) {
    case '/get': {
      const obj = await store.get(key, opts);
      if (!obj) return json(null, 404);
      const { body, ...info } = obj;
      return new Response(body, { headers: { 'x-info': JSON.stringify(info) } });
    }
    case '/head':
      return json(await store.head(key));
    case '/put': {
      const body = url.searchParams.get('bytes') === '1' ? new Uint8Array(await req.arrayBuffer()) : (req.body ?? new Uint8Array(0));
      return json(await store.put(key, body, opts));
    }
    case '/delete':
      return json(await store.delete(key, opts));
    case '/list':
      return json(await store.list(url.searchParams.get('prefix') ?? '', opts));
    case '/copy':
      if (!store.copy) return json({ code: 'no_copy' }, 501);
      return json(await store.copy(url.searchParams.get('source') ?? '', key, opts));
    case '/platform': {
      // The Worker's Platform on the request body: gzip member and digests, for comparison with Node's.
      const data = new Uint8Array(await req.arrayBuffer());
      const gz = await workerPlatform.compress('gz', data);
      const digests: Record<string, string> = {};
      for (const alg of ['md5', 'sha1', 'sha256', 'sha512'] as const) {
        const h = workerPlatform.createHash(alg);
        h.update(data.subarray(0, 7));
        h.update(data.subarray(7));
        digests[alg] = toHex(h.digest());
      }
      let zstdConfig: string;
      try {
        parseWorkerEnv({ BUCKET: env.BUCKET, EVENTS: { send: async () => undefined }, BERTH_METADATA_CODEC: 'zstd' } as WorkerEnv);
        zstdConfig = 'accepted';
      } catch (e) {
        zstdConfig = (e as { code?: string }).code ?? 'error';
      }
      return json({ gzip: toHex(gz), digests, zstdAvailable, zstdConfig });
    }
    case '/decompress': {
      // The repodata reader's text of a metadata file, decompressed by the Worker's Platform.
      let text = '';
      try {
        for await (const t of metadataText(req.body ?? new ReadableStream(), url.searchParams.get('name') ?? '', workerPlatform)) text += t;
      } catch (e) {
        return json({ code: (e as { code?: string }).code ?? 'error', message: (e as Error).message }, 422);
      }
      return new Response(text);
    }
    case '/globals':
      return json({ FixedLengthStream: typeof (globalThis as { FixedLengthStream?: unknown }).FixedLengthStream });
    default:
      return json({ code: 'no_route' }, 404);
  }
}

export default {
  async fetch(req: Request, env: Env): Promise<Response> {
    try {
      return await handle(req, env);
    } catch (err) {
      const e = err as { code?: unknown; message?: unknown; size?: unknown; name?: unknown };
      return json({ error: true, code: typeof e.code === 'string' ? e.code : null, name: e.name, message: String(e.message ?? err), size: e.size }, 500);
    }
  },
};
