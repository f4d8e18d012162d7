// The Worker's configuration (Node; the settings themselves are the one schema's, checked in
// test/settings) and its Platform (inside workerd, via the test Worker): digests match Node's,
// gzip members are byte-identical to the Node platform's, and zstd is accepted by the config only
// where the runtime can write it. infra/cloudflare/wrangler.jsonc sets only settings the Worker
// reads, under their current names.
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync, zstdCompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseWorkerEnv, type WorkerEnv } from '../../src/adapters/cloudflare/config.js';
import { formerNames, settingsOf } from '../../src/settings/schema.js';
import { repoRoot } from '../helpers/tools.js';
import { nodePlatform } from '../../src/adapters/node/platform.js';
import { toHex } from '../../src/core/platform.js';
import { startWorkerProcess, workerdUnavailableReason, type LocalWorker } from './workerd.js';

const bucket = {} as NonNullable<WorkerEnv['BUCKET']>;
const events = { send: async () => undefined };
const r2 = (extra: Partial<WorkerEnv> = {}): WorkerEnv => ({ BUCKET: bucket, EVENTS: events, ...extra });

describe('Worker configuration', () => {
  it('reuses a verified credential for at most 60 s, never longer', () => {
    expect(parseWorkerEnv(r2()).tokenCacheSeconds).toBe(5);
    expect(parseWorkerEnv(r2({ BERTH_TOKEN_CACHE_SECONDS: '60' })).tokenCacheSeconds).toBe(60);
    expect(parseWorkerEnv(r2({ BERTH_TOKEN_CACHE_SECONDS: 2 })).tokenCacheSeconds).toBe(2);
    for (const bad of ['61', '1.5', 'soon']) {
      expect(() => parseWorkerEnv(r2({ BERTH_TOKEN_CACHE_SECONDS: bad })), bad).toThrow(/BERTH_TOKEN_CACHE_SECONDS/);
    }
  });

  it('wrangler.jsonc sets only settings the Worker reads, under their current names, with valid values', () => {
    const text = readFileSync(join(repoRoot(), 'infra', 'cloudflare', 'wrangler.jsonc'), 'utf8');
    const vars = JSON.parse(/"vars": (\{[^}]*\})/.exec(text.replace(/^\s*\/\/.*$/gm, ''))?.[1] ?? 'null') as Record<string, string>;
    expect(Object.keys(vars).length).toBeGreaterThan(2);
    const readable = new Set<string>(settingsOf('worker'));
    for (const name of Object.keys(vars)) expect(readable.has(name), `${name} is not a Worker setting`).toBe(true);
    for (const old of formerNames().keys()) expect(text, `deprecated name ${old}`).not.toContain(old);
    const c = parseWorkerEnv(r2(vars));
    expect(c).toMatchObject({ tokenCacheSeconds: 60, maxUploadBytes: 100 * 1024 * 1024, warnings: [] });
  });

  it('needs the R2 and queue bindings for r2, a URL and SAS for azure-sas; errors never echo secrets', () => {
    expect(() => parseWorkerEnv({})).toThrow(/BUCKET/);
    expect(() => parseWorkerEnv({ BUCKET: bucket })).toThrow(/EVENTS/);
    expect(() => parseWorkerEnv(r2({ BERTH_STORAGE: 's3' }))).toThrow(/BERTH_STORAGE/);
    const sas = parseWorkerEnv({ BERTH_STORAGE: 'azure-sas', AZURE_BLOB_CONTAINER_URL: 'https://a.blob.core.windows.net/c', AZURE_BLOB_SAS: 'sv=x&sig=SECRET' });
    expect(sas.storage).toMatchObject({ kind: 'azure-sas', containerUrl: 'https://a.blob.core.windows.net/c' });
    expect(() => parseWorkerEnv({ BERTH_STORAGE: 'azure-sas', AZURE_BLOB_CONTAINER_URL: 'https://a/c?sig=SECRET', AZURE_BLOB_SAS: 'x' })).toThrow(/AZURE_BLOB_CONTAINER_URL/);
    const short = (() => {
      try {
        parseWorkerEnv(r2({ BERTH_ADMIN_TOKEN: 'short-SECRET' }));
      } catch (e) {
        return e as Error & { code: string };
      }
      return null;
    })();
    expect(short).toMatchObject({ code: 'worker_config' });
    expect(short!.message).not.toContain('short-SECRET');
  });
});

const reason = workerdUnavailableReason();
if (reason) console.warn(`[skip] Worker platform in workerd: ${reason}`);

describe.skipIf(reason !== null)('Worker platform in workerd', () => {
  let worker: LocalWorker;
  beforeAll(async () => {
    worker = await startWorkerProcess({
      entrypoint: 'test/cloudflare/harness/store-worker.ts',
      compatibilityDate: '2026-11-01',
      compatibilityFlags: ['nodejs_compat'],
      bindings: { BUCKET: { type: 'r2_bucket', bucket_name: 'platform' } },
      dev: { persist: false },
    });
  }, 120_000);
  afterAll(async () => {
    await worker?.dispose();
  });

  it('hashes like node:crypto and gzips byte-for-byte like the Node platform', async () => {
    const xml = new TextEncoder().encode(`<?xml version="1.0"?>\n${'<package type="rpm"><name>x</name></package>\n'.repeat(20_000)}`);
    const res = await worker.fetch('/platform', { method: 'POST', body: xml });
    expect(res.status).toBe(200);
    const got = (await res.json()) as { gzip: string; digests: Record<string, string>; zstdAvailable: boolean; zstdConfig: string };
    for (const alg of ['md5', 'sha1', 'sha256', 'sha512']) expect(got.digests[alg], alg).toBe(createHash(alg).update(xml).digest('hex'));
    const gz = Buffer.from(got.gzip, 'hex');
    expect(gunzipSync(gz).equals(Buffer.from(xml))).toBe(true);
    expect(gz.length).toBeLessThan(xml.length / 20);
    expect(got.gzip).toBe(toHex(await nodePlatform.compress('gz', xml)));
    // zstd: offered exactly when the runtime has it.
    expect(got.zstdConfig).toBe(got.zstdAvailable ? 'accepted' : 'worker_config');
  }, 60_000);

  it('decompresses metadata for the repodata reader: concatenated gzip members and zstd frames', async () => {
    const parts = ['<metadata packages="2">\n', '<package type="rpm"><name>é😀</name></package>\n', '</metadata>\n'];
    const gz = Buffer.concat(parts.map((p) => gzipSync(p)));
    const gzRes = await worker.fetch('/decompress?name=primary.xml.gz', { method: 'POST', body: gz });
    expect(gzRes.status).toBe(200);
    expect(await gzRes.text()).toBe(parts.join(''));
    const zst = Buffer.concat(parts.map((p) => zstdCompressSync(Buffer.from(p))));
    const zRes = await worker.fetch('/decompress?name=primary.xml.zst', { method: 'POST', body: zst });
    const zBody = await zRes.text();
    // zstd where workerd's node:zlib has it; a clear refusal where it does not
    if (zRes.status === 200) expect(zBody).toBe(parts.join(''));
    else expect(JSON.parse(zBody)).toMatchObject({ code: 'invalid_compression', message: expect.stringMatching(/zstd/) });
    const bad = await worker.fetch('/decompress?name=primary.xml.gz', { method: 'POST', body: 'not gzip' });
    expect(bad.status).toBe(422);
    expect(await bad.json()).toMatchObject({ code: 'invalid_compression' });
  }, 60_000);
});
