// Per-token rate limits: request N+1 of a window is 429 rate_limited with Retry-After, counted
// alike by the API and the dnf pre-router; the operator and anonymous reads are not counted;
// each token has its own count; a new window starts afresh. Off unless configured.
import { describe, expect, it } from 'vitest';
import { createToken } from '../../src/auth/tokens.js';
import { RateLimiter } from '../../src/http/rate-limit.js';
import { ProblemError } from '../../src/http/problem.js';
import { makeWorld, publish, syntheticRpm } from '../repo/support.js';
import { asOperator, composedApp } from './lifecycle-app.js';

describe('RateLimiter', () => {
  it('allows N per fixed window, then 429 with the seconds to the next window; the next window starts afresh', () => {
    let now = 120_000 + 15_500; // 15.5 s into a 60 s window
    const limiter = new RateLimiter({ requests: 3, windowSeconds: 60 }, () => now);
    for (let i = 0; i < 3; i++) limiter.hit('a');
    limiter.hit('b');
    let refused: unknown;
    try {
      limiter.hit('a');
    } catch (e) {
      refused = e;
    }
    expect(refused).toBeInstanceOf(ProblemError);
    expect(refused).toMatchObject({ status: 429, code: 'rate_limited', headers: { 'Retry-After': '45' } });
    now = 180_000;
    limiter.hit('a');
    expect(limiter.size).toBe(2);
  });
});

describe('rate limit through the app', () => {
  it('the N+1th request of a token in a window is 429 with Retry-After, API and dnf paths alike', async () => {
    const w = await makeWorld([{ name: 'main', allowUnsigned: true, public: true }]);
    await publish(w, 'main', syntheticRpm('alpha'));
    await w.sink.idle();
    w.deps.config.rateLimit = { requests: 4, windowSeconds: 86400 };
    const app = await composedApp(w);
    const mint = async () => (await createToken(w.store, { tenant: 'acme', scopes: ['read'], repos: null, expiresAt: null }, new Date())).token;
    const [one, two] = [await mint(), await mint()];
    const as = (t: string) => ({ authorization: `Bearer ${t}` });
    const paths = ['/api/v1/repos/acme/main', '/acme/main/repodata/repomd.xml', '/api/v1/repos/acme/main/packages', '/acme/main/config.repo'];
    for (const p of paths) expect((await app.request(`http://x${p}`, { headers: as(one) })).status, p).toBe(200);
    const over = await app.request('http://x/acme/main/repodata/repomd.xml', { headers: as(one) });
    expect(over.status).toBe(429);
    const retry = Number(over.headers.get('retry-after'));
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(86400);
    expect(await over.json()).toMatchObject({ status: 429, code: 'rate_limited' });
    const api = await app.request('http://x/api/v1/repos/acme/main', { headers: as(one) });
    expect([api.status, api.headers.get('retry-after')]).toEqual([429, expect.stringMatching(/^\d+$/)]);
    // another token, the operator and anonymous reads of the public repo are not held back
    expect((await app.request('http://x/api/v1/repos/acme/main', { headers: as(two) })).status).toBe(200);
    for (let i = 0; i < 6; i++) {
      expect((await app.request('http://x/api/v1/repos/acme/main', { headers: asOperator() })).status).toBe(200);
      expect((await app.request('http://x/acme/main/repodata/repomd.xml')).status).toBe(200);
    }
  });

  it('is off by default', async () => {
    const w = await makeWorld([{ name: 'main', public: true }]);
    const app = await composedApp(w);
    const { token } = await createToken(w.store, { tenant: 'acme', scopes: ['read'], repos: null, expiresAt: null }, new Date());
    for (let i = 0; i < 50; i++) expect((await app.request('http://x/api/v1/repos/acme/main', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  });
});
