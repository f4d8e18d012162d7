// The operator's per-tenant limits: a tenant's own quota and rate limit replace the server's
// (or lift them: "unlimited"; "default" goes back), take effect at once, are audited, and only
// the operator sets them.
import { describe, expect, it } from 'vitest';
import { createToken } from '../../src/auth/tokens.js';
import { readAudit } from '../../src/repo/audit.js';
import { createTenant } from '../../src/repo/tenants.js';
import { makeWorld, syntheticRpm } from '../repo/support.js';
import { asOperator, composedApp, jsonReq } from './lifecycle-app.js';

describe('per-tenant limits', () => {
  it('a tenant\'s own quota replaces the server\'s: set, lifted, back to the default; audited', async () => {
    const w = await makeWorld([{ name: 'a', allowUnsigned: true }]);
    const [one, two] = [syntheticRpm('q1'), syntheticRpm('q2')];
    w.deps.config.tenantQuotaBytes = 10 * (one.length + two.length);
    const app = await composedApp(w);
    const put = (body: Uint8Array<ArrayBuffer>) => app.request('http://x/api/v1/repos/acme/a/packages', { method: 'PUT', body, headers: asOperator() });
    const patch = async (body: unknown) => {
      const res = await app.request('http://x/api/v1/tenants/acme/limits', jsonReq('PATCH', body));
      expect(res.status).toBe(200);
      return res.json();
    };
    expect(await patch({ quotaBytes: one.length })).toEqual({ tenant: 'acme', quotaBytes: one.length, rateLimit: null, overrides: { quotaBytes: one.length } });
    expect((await put(one)).status).toBe(201);
    const refused = await put(two);
    expect([refused.status, ((await refused.json()) as { quotaBytes: number }).quotaBytes]).toEqual([507, one.length]);
    expect(await (await app.request('http://x/api/v1/tenants/acme/usage', { headers: asOperator() })).json()).toMatchObject({ quotaBytes: one.length });

    w.deps.config.tenantQuotaBytes = one.length;
    expect(await patch({ quotaBytes: 'unlimited' })).toMatchObject({ quotaBytes: null, overrides: { quotaBytes: 'unlimited' } });
    expect((await put(two)).status).toBe(201);
    expect(await patch({ quotaBytes: 'default' })).toEqual({ tenant: 'acme', quotaBytes: one.length, rateLimit: null, overrides: {} });
    expect((await put(syntheticRpm('q3'))).status).toBe(507);

    const audit = (await readAudit(w.store, 'acme')).filter((e) => e.action === 'tenant.limits');
    expect(audit.map((e) => e.details)).toEqual([
      { changed: { quotaBytes: { from: 'default', to: one.length } } },
      { changed: { quotaBytes: { from: one.length, to: 'unlimited' } } },
      { changed: { quotaBytes: { from: 'unlimited', to: 'default' } } },
    ]);
    expect(audit.every((e) => e.actor === 'operator' && e.target === 'acme')).toBe(true);
    // setting what is already set changes and audits nothing
    await patch({ quotaBytes: 'default' });
    expect((await readAudit(w.store, 'acme')).filter((e) => e.action === 'tenant.limits')).toHaveLength(3);
    await w.sink.idle();
  }, 60_000);

  it('a tenant\'s own rate limit applies to its tokens at once, even with the server\'s off; "unlimited" lifts the server\'s', async () => {
    const w = await makeWorld([{ name: 'main', public: true }]);
    await createTenant(w.store, 'other', new Date());
    const app = await composedApp(w);
    const token = async (tenant: string) => (await createToken(w.store, { tenant, scopes: ['read'], repos: null, expiresAt: null }, new Date())).token;
    const [acme, other] = [await token('acme'), await token('other')];
    const get = async (t: string, path = '/api/v1/tenants/acme') => (await app.request(`http://x${path}`, { headers: { authorization: `Bearer ${t}` } })).status;
    for (let i = 0; i < 5; i++) expect(await get(acme)).toBe(200);
    expect(await (await app.request('http://x/api/v1/tenants/acme/limits', jsonReq('PATCH', { rateLimit: 2 }))).json())
      .toEqual({ tenant: 'acme', quotaBytes: null, rateLimit: { requests: 2, windowSeconds: 60 }, overrides: { rateLimit: 2 } });
    const fresh = await token('acme');
    expect(await get(fresh)).toBe(200);
    expect(await get(fresh, '/acme/main/config.repo')).toBe(200);
    const over = await app.request('http://x/api/v1/tenants/acme', { headers: { authorization: `Bearer ${fresh}` } });
    expect([over.status, over.headers.get('retry-after')]).toEqual([429, expect.stringMatching(/^\d+$/)]);
    expect(await over.json()).toMatchObject({ code: 'rate_limited', limit: 2 });
    for (let i = 0; i < 5; i++) expect(await get(other, '/api/v1/tenants/other')).toBe(200);

    // a server-wide limit of 3: acme's own limit off ("unlimited") lifts it for acme only
    w.deps.config.rateLimit = { requests: 3, windowSeconds: 3600 };
    const app2 = await composedApp(w);
    expect((await app2.request('http://x/api/v1/tenants/acme/limits', jsonReq('PATCH', { rateLimit: 'unlimited' }))).status).toBe(200);
    const get2 = async (t: string, path: string) => (await app2.request(`http://x${path}`, { headers: { authorization: `Bearer ${t}` } })).status;
    for (let i = 0; i < 6; i++) expect(await get2(acme, '/api/v1/tenants/acme')).toBe(200);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push(await get2(other, '/api/v1/tenants/other'));
    expect(statuses).toEqual([200, 200, 200, 429]);
  }, 60_000);

  it('only the operator sets limits; the tenant\'s admin reads them; bad values are 400', async () => {
    const w = await makeWorld([{ name: 'main' }]);
    const app = await composedApp(w);
    const { token } = await createToken(w.store, { tenant: 'acme', scopes: ['admin'], repos: null, expiresAt: null }, new Date());
    const asAdmin = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    expect((await app.request('http://x/api/v1/tenants/acme/limits', { method: 'PATCH', headers: asAdmin, body: JSON.stringify({ quotaBytes: 1 << 30 }) })).status).toBe(403);
    expect((await app.request('http://x/api/v1/tenants/acme/limits', { headers: asAdmin })).status).toBe(200);
    for (const bad of [{ rateLimit: 0 }, { quotaBytes: -1 }, { quotaBytes: '5G' }, { rate: 3 }]) {
      const res = await app.request('http://x/api/v1/tenants/acme/limits', jsonReq('PATCH', bad));
      expect([res.status, ((await res.json()) as { code: string }).code], JSON.stringify(bad)).toEqual([400, 'invalid_request']);
    }
    expect((await app.request('http://x/api/v1/tenants/nope/limits', jsonReq('PATCH', { rateLimit: 5 }))).status).toBe(404);
  });
});
