// The retention API: set, show, clear, a dry run that changes nothing, and the policy applied to
// pushes through the package API.
import { describe, expect, it } from 'vitest';
import { readAudit } from '../../src/repo/audit.js';
import { readIndex } from '../../src/repo/index-store.js';
import { makeWorld, syntheticRpm } from '../repo/support.js';
import { asOperator, composedApp, jsonReq } from './lifecycle-app.js';

const BASE = 'http://x/api/v1/repos/acme/main';

describe('retention API', () => {
  it('sets, shows and clears a policy; pushes keep the newest N; a dry run lists and changes nothing', async () => {
    const w = await makeWorld([{ name: 'main', allowUnsigned: true }]);
    const app = await composedApp(w);
    const bad = await app.request(`${BASE}/retention`, jsonReq('PUT', { keepNewest: 0 }));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'invalid_request' });

    const set = await app.request(`${BASE}/retention`, jsonReq('PUT', { keepNewest: 2 }));
    expect(set.status).toBe(200);
    expect(await set.json()).toMatchObject({ keepNewest: 2, maxAgeSeconds: null });
    expect(await (await app.request(`${BASE}/retention`, { headers: asOperator() })).json()).toMatchObject({ keepNewest: 2, maxAgeSeconds: null });

    for (const v of ['1', '2', '3', '4']) {
      const put = await app.request(`${BASE}/packages`, { method: 'PUT', body: syntheticRpm('foo', v), headers: asOperator() });
      expect(put.status).toBe(201);
    }
    const versions = async (): Promise<string[]> => (await readIndex(w.store, 'acme', 'main')).index.packages.map((p) => p.version).sort();
    expect(await versions()).toEqual(['3', '4']);

    const dry = await app.request(`${BASE}/retention/apply`, jsonReq('POST', { dryRun: true, rules: { keepNewest: 1 } }));
    expect(dry.status).toBe(200);
    const body = (await dry.json()) as { dryRun: boolean; keepNewest: number; removed: { nevra: string }[] };
    expect(body).toMatchObject({ dryRun: true, keepNewest: 1 });
    expect(body.removed.map((r) => r.nevra)).toEqual(['foo-3-1.noarch']);
    expect(await versions()).toEqual(['3', '4']);

    // an empty body applies the stored policy (nothing left to remove)
    const noop = await app.request(`${BASE}/retention/apply`, { method: 'POST', headers: asOperator() });
    expect(await noop.json()).toMatchObject({ dryRun: false, keepNewest: 2, removed: [] });

    const cleared = await app.request(`${BASE}/retention`, jsonReq('PUT', { keepNewest: null, maxAgeSeconds: null }));
    expect(await cleared.json()).toEqual({ keepNewest: null, maxAgeSeconds: null, updatedAt: null });
    await app.request(`${BASE}/packages`, { method: 'PUT', body: syntheticRpm('foo', '5'), headers: asOperator() });
    expect(await versions()).toEqual(['3', '4', '5']);

    const actions = (await readAudit(w.store, 'acme')).map((e) => e.action);
    expect(actions.filter((a) => a.startsWith('retention.'))).toEqual(['retention.set', 'retention.apply', 'retention.apply', 'retention.clear']);
    await w.sink.idle();
  }, 60_000);
});
