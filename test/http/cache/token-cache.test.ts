// Remembered credential verdicts never outlive the token: a token that expires inside the cache
// window is refused from its expiry on, under the Node server's policy and the Worker's (which
// also remembers refusals and keys entries by the credential's SHA-256). Fake clock throughout.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/adapters/node/config.js';
import { buildAppDeps, serveCacheOptions } from '../../../src/adapters/node/deps.js';
import { jsonLogger } from '../../../src/adapters/node/logger.js';
import { createToken, revokeToken } from '../../../src/auth/tokens.js';
import { createApp } from '../../../src/http/app.js';
import type { ServeCacheOptions } from '../../../src/http/cache/serve-cache.js';
import { REFUSED, TokenCache } from '../../../src/http/cache/token-cache.js';
import { createRepo } from '../../../src/repo/repos.js';
import { createTenant } from '../../../src/repo/tenants.js';
import { createMemoryBlobStore } from '../../../src/storage/memory-store.js';

const NODE_POLICY = {};
const WORKER_POLICY = { tokenPolicy: { cacheRefusals: true, hashKeys: true } };

async function service(policy: Partial<ServeCacheOptions>) {
  const store = createMemoryBlobStore();
  const clock = { ms: Date.parse('2026-01-01T00:00:00Z') };
  // The longest window the settings allow: the token's expiry must cut it short.
  const config = loadConfig({ BERTH_TOKEN_CACHE_SECONDS: '60' });
  const { deps } = buildAppDeps(config, store, null, jsonLogger(() => undefined), { ...serveCacheOptions(config), ...policy, now: () => clock.ms });
  deps.clock = () => new Date(clock.ms);
  await createTenant(store, 'acme', new Date(clock.ms));
  await createRepo(store, { tenant: 'acme', name: 'main', public: false, allowUnsigned: true }, new Date(clock.ms));
  const app = createApp(deps);
  // A read route that needs a valid token and no metadata: the repo's settings.
  const read = (token: string) => app.request('/api/v1/repos/acme/main', { headers: { authorization: `Basic ${btoa(`dnf:${token}`)}` } });
  return { store, clock, deps, app, read };
}

describe.each([['Node server', NODE_POLICY], ['Worker', WORKER_POLICY]] as const)('token cache (%s policy)', (_name, policy) => {
  it('refuses a token from its expiry on, although its verdict was cached for longer', async () => {
    const s = await service(policy);
    const { token } = await createToken(s.store, { tenant: 'acme', scopes: ['read'], repos: null, expiresAt: new Date(s.clock.ms + 2_000) }, new Date(s.clock.ms));
    expect((await s.read(token)).status).toBe(200);
    s.clock.ms += 1_999;
    expect((await s.read(token)).status).toBe(200);
    s.clock.ms += 1;
    const refused = await s.read(token);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { code: string }).code).toBe('invalid_token');
    // …on the dnf paths too (the pre-router shares the authenticator).
    expect((await s.app.request('/acme/main/repodata/repomd.xml', { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
  });

  it('a token without expiry is reused for the configured window, then verified again', async () => {
    const s = await service(policy);
    const { id, token } = await createToken(s.store, { tenant: 'acme', scopes: ['read'], repos: null, expiresAt: null }, new Date(s.clock.ms));
    expect((await s.read(token)).status).toBe(200);
    await revokeToken(s.store, id); // revoked through another instance
    s.clock.ms += 59_999;
    expect((await s.read(token)).status).toBe(200);
    s.clock.ms += 1;
    expect((await s.read(token)).status).toBe(401);
  });
});

describe('token cache entries', () => {
  it('expire at the earlier of the window and the token\'s expiry', () => {
    let now = 1_000_000;
    const cache = new TokenCache({ ttlMs: 60_000, maxEntries: 10, now: () => now });
    const p = { kind: 'token', id: 'i', tenant: 't', scopes: ['read'], repos: null } as const;
    cache.set('a', p, now + 5_000);
    cache.set('b', p, null);
    cache.set('c', p, now); // already expired: not remembered at all
    now += 4_999;
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([p, p, undefined]);
    now += 1;
    expect([cache.get('a'), cache.get('b')]).toEqual([undefined, p]);
  });

  it('remember refusals only where the policy says so', () => {
    const node = new TokenCache({ ttlMs: 60_000, maxEntries: 10 });
    const worker = new TokenCache({ ttlMs: 60_000, maxEntries: 10, cacheRefusals: true });
    node.refuse('k');
    worker.refuse('k');
    expect([node.get('k'), worker.get('k')]).toEqual([undefined, REFUSED]);
  });

  it('under the Worker policy, a refused token costs one store read per window and entries are keyed by SHA-256', async () => {
    const s = await service(WORKER_POLICY);
    let reads = 0;
    const get = s.store.get.bind(s.store);
    s.store.get = (key, opts) => {
      if (key.startsWith('tokens/')) reads++;
      return get(key, opts);
    };
    const bogus = `berth_aaaaaaaaaaaa_${'x'.repeat(43)}`;
    for (let i = 0; i < 3; i++) expect((await s.read(bogus)).status).toBe(401);
    expect(reads).toBe(1);
    const header = `Basic ${btoa(`dnf:${bogus}`)}`;
    expect(s.deps.cache!.tokens.get(header)).toBeUndefined();
    expect(s.deps.cache!.tokens.get(createHash('sha256').update(header).digest('hex'))).toBe(REFUSED);
  });
});
