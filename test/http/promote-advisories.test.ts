// Promotion carries advisories: the source's advisories naming a promoted package are merged into
// the target, pruned to the packages the target holds; an advisory the target has gains the newly
// promoted packages (its `updated` moves forward); the same promotion again changes nothing; a
// dry run only plans; the target's served updateinfo lists them; the source keeps its own.
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readUpdateinfo } from '../../src/core/advisory/read.js';
import { readRepomd } from '../../src/core/repodata/read/repomd.js';
import { readAdvisories, readAdvisory } from '../../src/repo/advisories.js';
import { makeWorld, syntheticRpm } from '../repo/support.js';
import { asOperator, composedApp, jsonReq } from './lifecycle-app.js';

const PROMOTE = 'http://x/api/v1/repos/acme/testing/promote';
const pkg = (name: string, version: string) => ({ name, epoch: '0', version, release: '1', arch: 'noarch' });
const advisory = (id: string, packages: ReturnType<typeof pkg>[]) => ({ id, type: 'security', title: `${id} fix`, issued: '2026-03-01 10:00:00', packages });

describe('promotion carries advisories', () => {
  it('merges the source advisories naming promoted packages into the target, pruned to what it holds', async () => {
    const w = await makeWorld([{ name: 'testing', allowUnsigned: true }, { name: 'prod', allowUnsigned: true }]);
    const app = await composedApp(w);
    let t = 1_800_000_000_000;
    w.deps.clock = () => new Date(t);
    for (const [n, v] of [['foo', '1'], ['foo', '2'], ['bar', '1']] as const) {
      expect((await app.request('http://x/api/v1/repos/acme/testing/packages', { method: 'PUT', body: syntheticRpm(n, v), headers: asOperator() })).status).toBe(201);
    }
    const posted = await app.request('http://x/api/v1/repos/acme/testing/advisories', jsonReq('POST', {
      advisories: [advisory('ACME-1', [pkg('foo', '2'), pkg('bar', '1')]), advisory('ACME-2', [pkg('foo', '1')])],
    }));
    expect(posted.status).toBe(201);
    const sourceBefore = await readAdvisories(w.store, 'acme', 'testing');
    const promote = async (body: Record<string, unknown>) => {
      const res = await app.request(PROMOTE, jsonReq('POST', { to: 'prod', ...body }));
      expect(res.status).toBe(200);
      return ((await res.json()) as { advisories: { id: string; outcome: string }[] }).advisories;
    };

    expect(await promote({ nevra: ['foo-2-1.noarch'], dryRun: true })).toEqual([{ id: 'ACME-1', outcome: 'planned' }]);
    expect(await readAdvisories(w.store, 'acme', 'prod')).toEqual([]);

    t += 60_000;
    expect(await promote({ nevra: ['foo-2-1.noarch'] })).toEqual([{ id: 'ACME-1', outcome: 'created' }]);
    const first = await readAdvisory(w.store, 'acme', 'prod', 'ACME-1');
    // bar-1 is not in prod: the carried advisory names only what prod serves
    expect(first?.packages.map((p) => p.name)).toEqual(['foo']);
    expect(first?.updated).toBeUndefined();

    t += 60_000;
    expect(await promote({ names: ['bar'] })).toEqual([{ id: 'ACME-1', outcome: 'replaced' }]);
    const second = await readAdvisory(w.store, 'acme', 'prod', 'ACME-1');
    expect(second?.packages.map((p) => p.name)).toEqual(['foo', 'bar']);
    expect(second?.updated).toBe('2027-01-15 08:02:00');

    t += 60_000;
    expect(await promote({ nevra: ['foo-2-1.noarch', 'bar-1-1.noarch'] })).toEqual([{ id: 'ACME-1', outcome: 'unchanged' }]);
    expect((await readAdvisories(w.store, 'acme', 'prod')).map((a) => a.id)).toEqual(['ACME-1']);
    expect(await readAdvisories(w.store, 'acme', 'testing')).toEqual(sourceBefore);

    // prod's served updateinfo carries it
    await w.sink.idle();
    const repomd = await (await app.request('http://x/acme/prod/repodata/repomd.xml', { headers: asOperator() })).text();
    const rec = readRepomd(repomd).entries.find((e) => e.type === 'updateinfo');
    expect(rec).toBeDefined();
    const file = await app.request(`http://x/acme/prod/${rec!.href}`, { headers: asOperator() });
    const served = readUpdateinfo(gunzipSync(new Uint8Array(await file.arrayBuffer())).toString('utf8'));
    expect(served.map((a) => [a.id, a.packages.map((p) => p.name)])).toEqual([['ACME-1', ['foo', 'bar']]]);
  });
});
