// Snapshots over HTTP: taken through the API, served at /{t}/{r}/snapshots/{name}/ byte for byte
// as the repo served them when taken (metadata, signature, key, files, packages) after the repo
// moved on, through the composed app (pre-router included); gone when deleted.
import { describe, expect, it } from 'vitest';
import { currentGeneration } from '../../src/repo/generations.js';
import { readIndex } from '../../src/repo/index-store.js';
import { makeWorld, syntheticRpm } from '../repo/support.js';
import { asOperator, composedApp, jsonReq } from './lifecycle-app.js';

describe('snapshots over HTTP', () => {
  it('serves a snapshot exactly as the repo was, after retention removed its old versions', async () => {
    const w = await makeWorld([{ name: 'main', allowUnsigned: true }]);
    const app = await composedApp(w);
    const get = async (path: string, init: RequestInit = {}): Promise<Response> => app.request(`http://x${path}`, { headers: asOperator(), ...init });
    const bytes = async (path: string): Promise<Uint8Array> => {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      return new Uint8Array(await res.arrayBuffer());
    };
    for (const v of ['1', '2']) expect((await get('/api/v1/repos/acme/main/packages', { method: 'PUT', body: syntheticRpm('foo', v) })).status).toBe(201);
    await w.sink.idle();

    const gen = (await currentGeneration(w.store, 'acme', 'main'))!.record;
    const files = ['repomd.xml', 'repomd.xml.asc', 'repomd.xml.key', ...gen.files].map((f) => `repodata/${f}`);
    const locations = (await readIndex(w.store, 'acme', 'main')).index.packages.map((p) => p.location);
    const before = new Map<string, Uint8Array>();
    for (const p of [...files, ...locations]) before.set(p, await bytes(`/acme/main/${p}`));

    const bad = await app.request('http://x/api/v1/repos/acme/main/snapshots', jsonReq('POST', { name: 'Bad/Name' }));
    expect(await bad.json()).toMatchObject({ status: 400, code: 'invalid_name' });
    const made = await app.request('http://x/api/v1/repos/acme/main/snapshots', jsonReq('POST', { name: '2025-06-01' }));
    expect(made.status).toBe(201);
    expect(await made.json()).toMatchObject({ name: '2025-06-01', revision: gen.revision, packages: 2, path: '/acme/main/snapshots/2025-06-01/' });
    const again = await app.request('http://x/api/v1/repos/acme/main/snapshots', jsonReq('POST', { name: '2025-06-01' }));
    expect(await again.json()).toMatchObject({ status: 409, code: 'snapshot_exists' });

    // the repo moves on: keep 1, so foo-1 leaves it; foo-3 arrives
    expect((await app.request('http://x/api/v1/repos/acme/main/retention', jsonReq('PUT', { keepNewest: 1 }))).status).toBe(200);
    expect((await get('/api/v1/repos/acme/main/packages', { method: 'PUT', body: syntheticRpm('foo', '3') })).status).toBe(201);
    await w.sink.idle();
    expect((await readIndex(w.store, 'acme', 'main')).index.packages.map((p) => p.version)).toEqual(['3']);
    expect(await bytes('/acme/main/repodata/repomd.xml')).not.toEqual(before.get('repodata/repomd.xml'));

    for (const [p, b] of before) expect(await bytes(`/acme/main/snapshots/2025-06-01/${p}`), p).toEqual(b);
    const head = await get(`/acme/main/snapshots/2025-06-01/${locations[0]!}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(before.get(locations[0]!)!.length));
    const conf = await (await get('/acme/main/snapshots/2025-06-01/config.repo')).text();
    expect(conf).toContain('baseurl=http://x/acme/main/snapshots/2025-06-01\n');
    expect(conf).toContain('gpgkey=http://x/acme/main/snapshots/2025-06-01/repodata/repomd.xml.key\n');

    const list = (await (await get('/api/v1/repos/acme/main/snapshots')).json()) as { snapshots: { name: string }[] };
    expect(list.snapshots.map((s) => s.name)).toEqual(['2025-06-01']);
    expect((await get('/acme/main/snapshots/nosuch/repodata/repomd.xml')).status).toBe(404);
    expect((await get('/acme/main/snapshots/2025-06-01/repodata/nosuch.xml.gz')).status).toBe(404);
    expect((await get('/acme/main/snapshots/2025-06-01/Packages/n/nosuch-1-1.noarch.rpm')).status).toBe(404);

    expect((await app.request('http://x/api/v1/repos/acme/main/snapshots/2025-06-01', { method: 'DELETE', headers: asOperator() })).status).toBe(200);
    expect((await get('/acme/main/snapshots/2025-06-01/repodata/repomd.xml')).status).toBe(404);
    expect((await get('/api/v1/repos/acme/main/snapshots/2025-06-01')).status).toBe(404);
  }, 60_000);

  it('a private repo\'s snapshot needs the same credentials as the repo', async () => {
    const w = await makeWorld([{ name: 'main', allowUnsigned: true }]);
    const app = await composedApp(w);
    await app.request('http://x/api/v1/repos/acme/main/packages', { method: 'PUT', body: syntheticRpm('foo'), headers: asOperator() });
    await w.sink.idle();
    expect((await app.request('http://x/api/v1/repos/acme/main/snapshots', jsonReq('POST', { name: 's' }))).status).toBe(201);
    const anon = await app.request('http://x/acme/main/snapshots/s/repodata/repomd.xml');
    expect(anon.status).toBe(401);
    expect(anon.headers.get('www-authenticate')).toMatch(/^Basic/);
  });
});
