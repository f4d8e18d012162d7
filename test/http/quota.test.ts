// The per-tenant storage quota: package bytes a tenant stores (a package in several repos counts
// once); a publish that would pass it is 507 quota_exceeded and stores nothing; GC frees the bytes
// of what it deletes. Off unless configured.
import { describe, expect, it } from 'vitest';
import { collectGarbage } from '../../src/repo/gc.js';
import { readUsage } from '../../src/repo/usage.js';
import { packageBlobsPrefix, usageKey } from '../../src/storage/keys.js';
import { listAll } from '../../src/storage/blob-store.js';
import { makeWorld, syntheticRpm } from '../repo/support.js';
import { asOperator, composedApp } from './lifecycle-app.js';

const DAY = 86400_000;

describe('tenant quota', () => {
  it('refuses a publish past the quota with 507 quota_exceeded; the same bytes again and GC-freed room are fine', async () => {
    const w = await makeWorld([{ name: 'a', allowUnsigned: true }, { name: 'b', allowUnsigned: true }]);
    const [one, two, three] = ['one', 'two', 'three'].map((n) => syntheticRpm(n));
    w.deps.config.tenantQuotaBytes = one!.length + two!.length + 10;
    const app = await composedApp(w);
    const put = (repo: string, body: Uint8Array<ArrayBuffer>) => app.request(`http://x/api/v1/repos/acme/${repo}/packages`, { method: 'PUT', body, headers: asOperator() });
    expect((await put('a', one!)).status).toBe(201);
    expect((await put('a', two!)).status).toBe(201);
    expect(await readUsage(w.store, 'acme')).toEqual({ bytes: one!.length + two!.length, packages: 2 });
    // bytes already stored cost nothing more
    expect((await put('b', one!)).status).toBe(201);
    const refused = await put('b', three!);
    expect(refused.status).toBe(507);
    expect(await refused.json()).toMatchObject({ code: 'quota_exceeded', quotaBytes: one!.length + two!.length + 10, usedBytes: one!.length + two!.length });
    let blobs = 0;
    for await (const _ of listAll(w.store, packageBlobsPrefix('acme'))) blobs++;
    expect(blobs).toBe(2);

    // delete `two` and let GC (past its grace) free it: `three` fits
    const sha = ((await (await app.request('http://x/api/v1/repos/acme/a/packages?name=two', { headers: asOperator() })).json()) as { packages: { sha256: string }[] }).packages[0]!.sha256;
    expect((await app.request(`http://x/api/v1/repos/acme/a/packages/${sha}`, { method: 'DELETE', headers: asOperator() })).status).toBe(200);
    await w.sink.idle();
    const report = await collectGarbage(w.deps, new Date(Date.now() + 5 * DAY));
    expect(report.blobs).toBe(1);
    expect(await readUsage(w.store, 'acme')).toEqual({ bytes: one!.length, packages: 1 });
    expect((await put('b', three!)).status).toBe(201);
    await w.sink.idle();
  }, 60_000);

  it('a tenant stored before the count existed is counted once from its blobs; no quota by default', async () => {
    const w = await makeWorld([{ name: 'a', allowUnsigned: true }]);
    const app = await composedApp(w);
    const bytes = syntheticRpm('old');
    expect((await app.request('http://x/api/v1/repos/acme/a/packages', { method: 'PUT', body: bytes, headers: asOperator() })).status).toBe(201);
    await w.store.delete(usageKey('acme'));
    expect(await readUsage(w.store, 'acme')).toEqual({ bytes: bytes.length, packages: 1 });
    for (const n of ['p', 'q', 'r']) {
      expect((await app.request('http://x/api/v1/repos/acme/a/packages', { method: 'PUT', body: syntheticRpm(n), headers: asOperator() })).status).toBe(201);
    }
    await w.sink.idle();
  }, 60_000);

  it('GET …/usage reads the usage record (no listing) with the quota; a record without a package count is counted once', async () => {
    const w = await makeWorld([{ name: 'a', allowUnsigned: true }]);
    const app = await composedApp(w);
    const usage = async () => {
      const res = await app.request('http://x/api/v1/tenants/acme/usage', { headers: asOperator() });
      expect(res.status).toBe(200);
      return res.json();
    };
    expect(await usage()).toEqual({ tenant: 'acme', bytes: 0, packages: 0, quotaBytes: null });
    const [one, two] = [syntheticRpm('u1'), syntheticRpm('u2')];
    for (const body of [one, two]) expect((await app.request('http://x/api/v1/repos/acme/a/packages', { method: 'PUT', body, headers: asOperator() })).status).toBe(201);
    w.deps.config.tenantQuotaBytes = 1 << 20;
    let lists = 0;
    const list = w.store.list.bind(w.store);
    w.store.list = (...args) => {
      lists++;
      return list(...args);
    };
    expect(await usage()).toEqual({ tenant: 'acme', bytes: one.length + two.length, packages: 2, quotaBytes: 1 << 20 });
    expect(lists).toBe(0);
    // a record written before blobs were counted
    await w.store.put(usageKey('acme'), new TextEncoder().encode(JSON.stringify({ bytes: one.length + two.length })));
    expect(await usage()).toMatchObject({ bytes: one.length + two.length, packages: 2 });
    expect(lists).toBeGreaterThan(0);
    lists = 0;
    expect(await usage()).toMatchObject({ packages: 2 });
    expect(lists).toBe(0);
    expect((await app.request('http://x/api/v1/tenants/nope/usage', { headers: asOperator() })).status).toBe(404);
    await w.sink.idle();
  }, 60_000);
});
