/**
 * The browse pages through the composed app, without a browser: what each credential is shown
 * (never another tenant's data), content negotiation (API clients never get HTML), the security
 * headers and the absence of inline script, escaping, and the session login: what the cookie and
 * the store hold, logout, revocation, cross-site refusal, redirect targets.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { revokeToken } from '../../src/auth/tokens.js';
import { createApp } from '../../src/http/app.js';
import { CSP } from '../../src/http/pages/context.js';
import { SESSION_COOKIE } from '../../src/http/pages/session-cookie.js';
import { SESSION_SECONDS } from '../../src/auth/sessions.js';
import { allBlobText, OPERATOR_TOKEN } from './admin-app.js';
import { buildWorld, type World } from './isolation-matrix.js';
import { echoSha, pageSetup } from './isolation-page-cases.js';
import { serviceSetup } from './isolation-service-cases.js';

const HTML = { accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8' };

let world: World;
beforeAll(async () => {
  world = await buildWorld({ app: (deps) => createApp(deps) });
  await serviceSetup(world);
  await pageSetup(world);
}, 60_000);

const get = (path: string, headers: Record<string, string> = {}) => world.svc.app.request(path, { headers: { ...HTML, ...headers } });

async function login(token: string, next?: string): Promise<Response> {
  const body = new URLSearchParams({ token, ...(next !== undefined ? { next } : {}) });
  return world.svc.app.request('/-/login', {
    method: 'POST', body: body.toString(),
    headers: { ...HTML, 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
  });
}

const tokenOf = (who: keyof World['headers']): string => (world.headers[who]['authorization'] ?? '').slice('Bearer '.length);
const cookieOf = (res: Response): string => (/^([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1] ?? '');

describe('browse pages: who sees what', () => {
  it('a tenant index shows outsiders only the public repos, members what their token may read', async () => {
    const outsider = await (await get('/a/', world.headers.bAdmin)).text();
    expect(outsider).toContain('/a/pub/');
    expect(outsider).not.toMatch(/\/a\/[xy]\//);
    const anonymous = await (await get('/a/')).text();
    expect(anonymous).toContain('/a/pub/');
    expect(anonymous).not.toMatch(/\/a\/[xy]\//);
    const limited = await (await get('/a/', world.sessions!.aReadX)).text();
    expect(limited).toContain('/a/x/');
    expect(limited).toContain('/a/pub/');
    expect(limited).not.toContain('/a/y/');
    const member = await (await get('/a/', world.sessions!.aRead)).text();
    for (const r of ['x', 'y', 'pub']) expect(member).toContain(`/a/${r}/`);
  });

  it('a tenant with only private repos looks like a missing one to outsiders', async () => {
    const hidden = await get('/b/', world.sessions!.aAdmin);
    const missing = await get('/nosuch/', world.sessions!.aAdmin);
    expect(hidden.status).toBe(404);
    expect(missing.status).toBe(404);
    expect((await hidden.text()).replace(/\bb\b/g, 'T')).toBe((await missing.text()).replace(/\bnosuch\b/g, 'T'));
  });

  it('the start page lists public repos to everyone and never a private one', async () => {
    for (const who of ['none', 'bAdmin', 'aRead'] as const) {
      const page = await (await get('/', world.sessions![who])).text();
      expect(page).toContain('/a/pub/');
      expect(page).not.toMatch(/href="\/(a\/[xy]|b\/z)\/"/);
    }
  });

  it('another tenant never sees a private repo’s package, description or files, by any path', async () => {
    for (const path of ['/a/x/', '/a/x/-/packages', `/a/x/-/packages/${echoSha({ tenant: 'a', repo: 'x' })}`, '/a/x/Packages/e/', '/a/x/-/use']) {
      for (const who of ['bAdmin', 'none'] as const) {
        for (const creds of [world.headers[who], world.sessions![who]]) {
          const res = await get(path, creds);
          const text = await res.text();
          expect([401, 404], `${who} ${path}`).toContain(res.status);
          expect(text).not.toContain('secret words');
          expect(text).not.toContain('echo-2-3');
        }
      }
    }
    const own = await (await get(`/a/x/-/packages/${echoSha({ tenant: 'a', repo: 'x' })}`, world.sessions!.aRead)).text();
    expect(own).toContain('secret words of a/x');
    expect(own).toContain('/usr/bin/echo-x');
  });
});

describe('browse pages: negotiation and headers', () => {
  it('answers a JSON client with a 406 problem naming the API, never HTML', async () => {
    const res = await world.svc.app.request('/a/pub/-/packages', { headers: { accept: 'application/json' } });
    expect(res.status).toBe(406);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(((await res.json()) as { code: string; detail: string }).detail).toContain('/api/v1/');
  });

  it('gives API clients JSON problems and browsers HTML pages for the same refusal', async () => {
    const api = await world.svc.app.request('/a/x/');
    expect(api.status).toBe(401);
    expect(api.headers.get('content-type')).toBe('application/problem+json');
    expect(api.headers.get('www-authenticate')).toBe('Basic realm="berth"');
    const page = await get('/a/x/');
    expect(page.status).toBe(401);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    // no Basic challenge: the browser would show its own password dialog instead of the form
    expect(page.headers.get('www-authenticate')).toBeNull();
    expect(await page.text()).toContain('action="/-/login"');
    for (const path of ['/a/pub/-/nothing-here', '/a/pub/Packages/n/', '/x/']) {
      const unknown = await get(path);
      expect(unknown.status, path).toBe(404);
      expect(unknown.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(unknown.headers.get('content-security-policy')).toBe(CSP);
      expect((await world.svc.app.request(path)).headers.get('content-type')).toBe('application/problem+json');
    }
    expect((await get('/api/v1/repos/a/x')).headers.get('content-type')).toBe('application/problem+json');
  });

  it('sends /a and /a/x to their pages, for GET only', async () => {
    for (const [path, to] of [['/a', '/a/'], ['/a/x', '/a/x/'], ['/nosuch', '/nosuch/']] as const) {
      const res = await world.svc.app.request(path);
      expect(res.status, path).toBe(308);
      expect(res.headers.get('location')).toBe(to);
      expect((await world.svc.app.request(path, { method: 'POST' })).status).toBe(404);
    }
    expect((await world.svc.app.request('/api')).status).toBe(404);
    expect((await world.svc.app.request('/Not-A-Name')).status).toBe(404);
  });

  it('leaves dnf paths exactly as they are', async () => {
    for (const headers of [HTML, { 'user-agent': 'libdnf (Debian GNU/Linux 12; generic; Linux.x86_64)' }]) {
      const res = await world.svc.app.request('/a/pub/repodata/repomd.xml', { headers });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/xml; charset=utf-8');
      expect(res.headers.get('content-security-policy')).toBeNull();
    }
    // a missing file is the problem it always was, whoever asks
    for (const path of ['/a/pub/Packages/n/nothing-1-1.noarch.rpm', '/a/pub/repodata/nothing.xml.gz', '/a/x/config.repo']) {
      const missing = await world.svc.app.request(path, { headers: HTML });
      expect([401, 404]).toContain(missing.status);
      expect(missing.headers.get('content-type'), path).toBe('application/problem+json');
    }
  });

  it('every page carries the strict CSP and no inline script or style', async () => {
    const paths = ['/', '/-/login', '/a/', '/a/pub/', '/a/pub/-/use', '/a/pub/-/packages', `/a/pub/-/packages/${echoSha({ tenant: 'a', repo: 'pub' })}`, '/a/pub/Packages/', '/a/pub/Packages/e/', '/a/-/audit', '/a/x/', '/nope/'];
    for (const path of paths) {
      const res = await get(path, world.headers.operator);
      expect(res.headers.get('content-security-policy'), path).toBe(CSP);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      const text = await res.text();
      expect(text.match(/<script\b[^>]*>/g) ?? [], path).toEqual([expect.stringMatching(/^<script src="\/-\/static\/berth\.[0-9a-f]{12}\.js" defer>$/)]);
      expect(text, path).not.toMatch(/\sstyle=|<style|\son[a-z]+=|javascript:/i);
    }
    expect(CSP).toContain("script-src 'self'");
    expect(CSP).not.toContain('unsafe-inline');
  });
});

describe('browse pages: session login', () => {
  it('logs in with a token: the cookie holds a random id, flagged HttpOnly Secure SameSite=Strict; neither it nor the token is stored', async () => {
    const token = tokenOf('aReadX');
    const res = await login(token, '/a/x/');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/a/x/');
    const setCookie = res.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]{43}; Path=/; Max-Age=${SESSION_SECONDS}; HttpOnly; Secure; SameSite=Strict$`));
    const id = cookieOf(res).split('=')[1]!;
    expect(setCookie).not.toContain(token);
    const blobs = [...(await allBlobText(world.svc.store)).values()].join('\n');
    expect(blobs).not.toContain(id);
    expect(blobs).not.toContain(token);
    const page = await get('/a/x/', { cookie: cookieOf(res) });
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('private, no-store');
    // the access log names the token id, never the cookie or the token
    const line = world.svc.logs.findLast((l) => l.msg === 'request' && l.fields?.['path'] === '/a/x/');
    expect(line?.fields?.['principal']).toBe(`token:${world.tokenIds.aReadX}`);
    expect(JSON.stringify(world.svc.logs)).not.toContain(id);
    expect(JSON.stringify(world.svc.logs)).not.toContain(token);
  });

  it('refuses a bad token with the form again, and never echoes what was typed', async () => {
    const typed = 'berth_aaaaaaaaaaaa_typed-but-wrong-0000000000000000000000000';
    const res = await login(typed);
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toBeNull();
    const text = await res.text();
    expect(text).toContain('not valid');
    expect(text).not.toContain(typed);
  });

  it('logout deletes the session: the old cookie is worthless afterwards', async () => {
    const cookie = cookieOf(await login(tokenOf('aRead')));
    expect((await get('/a/x/', { cookie })).status).toBe(200);
    const out = await world.svc.app.request('/-/logout', { method: 'POST', headers: { ...HTML, cookie, 'sec-fetch-site': 'same-origin' } });
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toContain(`${SESSION_COOKIE}=; Path=/; Max-Age=0`);
    const after = await get('/a/x/', { cookie });
    expect(after.status).toBe(401);
    expect(after.headers.get('set-cookie')).toContain('Max-Age=0');
  });

  it('a revoked token ends its sessions at once; a replaced operator credential ends operator sessions', async () => {
    const { createToken } = await import('../../src/auth/tokens.js');
    const made = await createToken(world.svc.store, { tenant: 'a', scopes: ['read'], repos: null, expiresAt: null }, world.svc.deps.clock());
    const cookie = cookieOf(await login(made.token));
    expect((await get('/a/y/', { cookie })).status).toBe(200);
    await revokeToken(world.svc.store, made.id);
    expect((await get('/a/y/', { cookie })).status).toBe(401);

    const op = cookieOf(await login(OPERATOR_TOKEN));
    expect((await get('/b/z/', { cookie: op })).status).toBe(200);
    const saved = world.svc.deps.config.operatorTokenHash;
    world.svc.deps.config.operatorTokenHash = 'f'.repeat(64);
    try {
      expect((await get('/b/z/', { cookie: op })).status).toBe(401);
    } finally {
      world.svc.deps.config.operatorTokenHash = saved;
    }
  });

  it('a session ends when it expires (and with its token)', async () => {
    const cookie = cookieOf(await login(tokenOf('aRead')));
    world.svc.now.offsetMs = (SESSION_SECONDS + 1) * 1000;
    try {
      expect((await get('/a/x/', { cookie })).status).toBe(401);
    } finally {
      world.svc.now.offsetMs = 0;
    }
    expect((await get('/a/x/', { cookie })).status).toBe(401); // the expired record was deleted
  });

  it('refuses a login or logout another site started', async () => {
    const body = new URLSearchParams({ token: tokenOf('aRead') }).toString();
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const cross = await world.svc.app.request('/-/login', { method: 'POST', body, headers: { ...HTML, ...form, 'sec-fetch-site': 'cross-site' } });
    expect(cross.status).toBe(403);
    expect(cross.headers.get('set-cookie')).toBeNull();
    const foreign = await world.svc.app.request('http://localhost/-/login', { method: 'POST', body, headers: { ...HTML, ...form, origin: 'https://evil.example' } });
    expect(foreign.status).toBe(403);
    const same = await world.svc.app.request('http://localhost/-/login', { method: 'POST', body, headers: { ...HTML, ...form, origin: 'http://localhost' } });
    expect(same.status).toBe(303);
    const out = await world.svc.app.request('/-/logout', { method: 'POST', headers: { ...HTML, cookie: cookieOf(same), 'sec-fetch-site': 'same-site' } });
    expect(out.status).toBe(403);
    expect((await get('/a/x/', { cookie: cookieOf(same) })).status).toBe(200);
  });

  it('sends a login only to a path on this site, never to another host', async () => {
    for (const next of ['//evil.example/', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)', '/-/logout']) {
      const res = await login(tokenOf('aRead'), next);
      expect(res.headers.get('location'), next).toBe('/a/');
    }
    expect((await login(tokenOf('aRead'), '/a/pub/-/packages?q=e')).headers.get('location')).toBe('/a/pub/-/packages?q=e');
  });

  it('never takes a token from the URL', async () => {
    const res = await world.svc.app.request(`/-/login?token=${tokenOf('aRead')}`, { headers: HTML });
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toBeNull();
  });
});

describe('browse pages: session records', () => {
  it('GC removes session records older than a session lives, and only those', async () => {
    const { sweepLogins } = await import('../../src/repo/gc-logins.js');
    const { LOGINS_PREFIX } = await import('../../src/storage/keys.js');
    const { listAll } = await import('../../src/storage/blob-store.js');
    const cookie = cookieOf(await login(tokenOf('aRead')));
    const before: string[] = [];
    for await (const item of listAll(world.svc.store, LOGINS_PREFIX)) before.push(item.key);
    expect(before.length).toBeGreaterThan(0);
    expect(await sweepLogins(world.svc.store, new Date())).toBe(0);
    expect((await get('/a/x/', { cookie })).status).toBe(200);
    const removed = await sweepLogins(world.svc.store, new Date(Date.now() + (SESSION_SECONDS + 60) * 1000));
    expect(removed).toBe(before.length);
    expect((await get('/a/x/', { cookie })).status).toBe(401);
    await withFreshSessions();
  });
});

async function withFreshSessions(): Promise<void> {
  const { withSessions } = await import('./isolation-page-cases.js');
  await withSessions(world);
}
