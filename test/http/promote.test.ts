// Promotion over HTTP: copy by name glob, NEVRA and sha256 without re-upload; the target's trust
// policy applies (nothing changes when one package is refused); a dry run changes nothing; a move
// removes the selected packages from the source; the dependency closure takes what the selected
// packages require from the source; `<time file>` is the time the package entered the target.
import { describe, expect, it } from 'vitest';
import { readAudit } from '../../src/repo/audit.js';
import { readIndex } from '../../src/repo/index-store.js';
import { listAll } from '../../src/storage/blob-store.js';
import { makeWorld, servedPrimary, syntheticRpm, type World } from '../repo/support.js';
import { asOperator, composedApp, jsonReq } from './lifecycle-app.js';

const PROMOTE = 'http://x/api/v1/repos/acme/testing/promote';

async function setup(prodUnsigned = true) {
  const w = await makeWorld([{ name: 'testing', allowUnsigned: true }, { name: 'prod', allowUnsigned: prodUnsigned }]);
  const app = await composedApp(w);
  const push = async (bytes: Uint8Array<ArrayBuffer>): Promise<{ sha256: string; nevra: string; addedAt: number }> => {
    const res = await app.request('http://x/api/v1/repos/acme/testing/packages', { method: 'PUT', body: bytes, headers: asOperator() });
    expect(res.status).toBe(201);
    return (await res.json()) as { sha256: string; nevra: string; addedAt: number };
  };
  return { w, app, push };
}

const names = async (w: World, repo: string): Promise<string[]> =>
  (await readIndex(w.store, 'acme', repo)).index.packages.map((p) => `${p.name}-${p.version}`).sort();

async function count(w: World, prefix: string): Promise<number> {
  let n = 0;
  for await (const item of listAll(w.store, prefix)) if (item.key) n++;
  return n;
}

describe('promotion API', () => {
  it('copies by name glob, NEVRA and sha256, without re-upload; idempotent; audited; time restarts in the target', async () => {
    const { w, app, push } = await setup();
    let t = 1_800_000_000_000;
    w.deps.clock = () => new Date(t);
    const foo1 = await push(syntheticRpm('foo', '1'));
    await push(syntheticRpm('foo', '2'));
    const bar = await push(syntheticRpm('bar', '1'));
    await push(syntheticRpm('baz', '1'));
    t += 3_600_000;

    const blobsBefore = await count(w, 't/acme/blobs/');
    const res = await app.request(PROMOTE, jsonReq('POST', { to: 'prod', names: ['fo*'], sha256: [bar.sha256] }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { packages: { nevra: string; status: string; addedAt: number }[]; revision: number };
    expect(body.packages.map((p) => [p.nevra, p.status]).sort()).toEqual([['bar-1-1.noarch', 'added'], ['foo-1-1.noarch', 'added'], ['foo-2-1.noarch', 'added']]);
    expect(await names(w, 'prod')).toEqual(['bar-1', 'foo-1', 'foo-2']);
    // no new package blob: the target names the tenant's existing one
    expect(await count(w, 't/acme/blobs/')).toBe(blobsBefore);
    // <time file> = when it entered prod, not testing
    await w.sink.idle();
    const prodPrimary = await servedPrimary(w.store, 'acme', 'prod');
    const foo1Time = prodPrimary.packages.find((p) => p.pkgid === foo1.sha256)?.time;
    expect(Number(foo1Time)).toBe(Math.floor(t / 1000));
    expect(Number(foo1Time)).not.toBe(foo1.addedAt);

    const again = await app.request(PROMOTE, jsonReq('POST', { to: 'prod', nevra: ['foo-1-1.noarch'] }));
    expect(((await again.json()) as { packages: { status: string }[] }).packages.map((p) => p.status)).toEqual(['present']);
    expect(await names(w, 'testing')).toEqual(['bar-1', 'baz-1', 'foo-1', 'foo-2']);

    const audit = (await readAudit(w.store, 'acme')).filter((e) => e.action === 'package.copy');
    expect(audit[0]).toMatchObject({ actor: 'operator', target: 'testing -> prod', details: { from: 'testing', to: 'prod', added: 3 } });
    expect(await count(w, 'uploads/')).toBe(0);
  });

  it('refuses what the target does not trust (422) and then promotes nothing; 404 for an unmatched selector; dry run', async () => {
    const { w, app, push } = await setup(false);
    await push(syntheticRpm('foo', '1'));
    const refused = await app.request(PROMOTE, jsonReq('POST', { to: 'prod', names: ['foo'] }));
    expect(refused.status).toBe(422);
    expect(await refused.json()).toMatchObject({ code: 'unsigned', nevra: 'foo-1-1.noarch' });
    expect(await names(w, 'prod')).toEqual([]);

    const { w: w2, app: app2, push: push2 } = await setup();
    await push2(syntheticRpm('foo', '1'));
    const none = await app2.request(PROMOTE, jsonReq('POST', { to: 'prod', names: ['foo', 'nosuch*'] }));
    expect(none.status).toBe(404);
    expect(await none.json()).toMatchObject({ code: 'package_not_found', selector: 'nosuch*' });
    const dry = await app2.request(PROMOTE, jsonReq('POST', { to: 'prod', names: ['foo'], dryRun: true }));
    expect(((await dry.json()) as { packages: { status: string }[] }).packages.map((p) => p.status)).toEqual(['planned']);
    expect(await names(w2, 'prod')).toEqual([]);
    const same = await app2.request(PROMOTE, jsonReq('POST', { to: 'testing', names: ['foo'] }));
    expect(await same.json()).toMatchObject({ status: 400, code: 'invalid_request' });
    const missing = await app2.request(PROMOTE, jsonReq('POST', { to: 'nosuch', names: ['foo'] }));
    expect(missing.status).toBe(404);
  });

  it('a move removes the selected packages from the source', async () => {
    const { w, app, push } = await setup();
    await push(syntheticRpm('foo', '1'));
    await push(syntheticRpm('bar', '1'));
    const res = await app.request(PROMOTE, jsonReq('POST', { to: 'prod', nevra: ['foo-1-1.noarch'], move: true }));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ move: true, sourceRevision: expect.any(Number) });
    expect(await names(w, 'prod')).toEqual(['foo-1']);
    expect(await names(w, 'testing')).toEqual(['bar-1']);
    expect((await readAudit(w.store, 'acme')).some((e) => e.action === 'package.move')).toBe(true);
  });

  it('with dependencies: takes the newest provider of each requirement from the source, recursively; reports the unresolved', async () => {
    const { w, app, push } = await setup();
    await push(syntheticRpm('app', '1', { requires: ['libfoo >= 2', 'sh-runtime', 'system-thing'] }));
    await push(syntheticRpm('libfoo', '1'));
    await push(syntheticRpm('libfoo', '2', { requires: ['libbar'] }));
    await push(syntheticRpm('libfoo', '3', { requires: ['libbar'] }));
    await push(syntheticRpm('libbar', '1'));
    await push(syntheticRpm('shell', '5', { provides: ['sh-runtime = 5'] }));
    await push(syntheticRpm('unrelated', '1'));
    await w.sink.idle();
    const res = await app.request(PROMOTE, jsonReq('POST', { to: 'prod', names: ['app'], dependencies: true }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { packages: { nevra: string; dependency: boolean }[]; unresolved: string[] };
    expect(body.packages.map((p) => [p.nevra, p.dependency]).sort()).toEqual([
      ['app-1-1.noarch', false], ['libbar-1-1.noarch', true], ['libfoo-3-1.noarch', true], ['shell-5-1.noarch', true],
    ]);
    expect(body.unresolved).toEqual(['system-thing']);
    expect(await names(w, 'prod')).toEqual(['app-1', 'libbar-1', 'libfoo-3', 'shell-5']);
  });
});
