// The dnf pre-router (src/http/dnf-pre-router.ts) must answer exactly as the hono routes do:
// same statuses, headers, bodies and access-log lines for every credential × path × method ×
// conditional/range header, public and private — it may only be faster, never more permissive.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/adapters/node/config.js';
import { buildAppDeps } from '../../src/adapters/node/deps.js';
import { jsonLogger } from '../../src/adapters/node/logger.js';
import { operatorTokenHash } from '../../src/auth/operator.js';
import { createToken } from '../../src/auth/tokens.js';
import { createApp } from '../../src/http/app.js';
import { dnfPreRouter } from '../../src/http/dnf-pre-router.js';
import { authenticator } from '../../src/http/middleware/auth.js';
import { dnfHandlers } from '../../src/http/routes/dnf.js';
import { createRepo } from '../../src/repo/repos.js';
import { createTenant } from '../../src/repo/tenants.js';
import { createMemoryBlobStore } from '../../src/storage/memory-store.js';
import { syntheticRpm } from '../repo/support.js';

const OPERATOR = 'operator-secret-for-pre-router-tests';

async function world() {
  const store = createMemoryBlobStore();
  const lines: string[] = [];
  const logger = jsonLogger((l) => lines.push(l));
  const { deps, sink } = buildAppDeps(loadConfig({}), store, await operatorTokenHash(OPERATOR), logger);
  for (const t of ['acme', 'other']) await createTenant(store, t, new Date());
  for (const [name, pub] of [['open', true], ['closed', false], ['side', false]] as const) {
    await createRepo(store, { tenant: 'acme', name, public: pub, allowUnsigned: true }, new Date());
  }
  const fast = createApp(deps);
  const slow = createApp(deps, { dnfPreRouter: false });
  const op = { authorization: `Bearer ${OPERATOR}` };
  for (const repo of ['open', 'closed']) {
    const res = await slow.request(`/api/v1/repos/acme/${repo}/packages`, { method: 'PUT', headers: op, body: syntheticRpm(`pkg-${repo}`) });
    expect(res.status).toBe(201);
  }
  await sink.idle();
  const mint = async (tenant: string, repos: string[] | null) =>
    (await createToken(store, { tenant, scopes: ['read'], repos, expiresAt: null }, new Date())).token;
  const reader = await mint('acme', ['closed', 'open']);
  const sideOnly = await mint('acme', ['side']);
  const stranger = await mint('other', null);
  const credentials: Record<string, Record<string, string>> = {
    anonymous: {},
    operator: op,
    'read token (Basic)': { authorization: `Basic ${btoa(`dnf:${reader}`)}` },
    'read token (Bearer)': { authorization: `Bearer ${reader}` },
    'token for another repo': { authorization: `Basic ${btoa(`dnf:${sideOnly}`)}` },
    'token of another tenant': { authorization: `Bearer ${stranger}` },
    'unknown token': { authorization: `Basic ${btoa('dnf:berth_not-a-token')}` },
    'malformed Basic': { authorization: 'Basic !!!' },
    'unsupported scheme': { authorization: 'Digest abc' },
  };
  const paths: string[] = [];
  for (const repo of ['open', 'closed']) {
    const repomd = await (await slow.request(`/acme/${repo}/repodata/repomd.xml`, { headers: op })).text();
    const primary = /<data type="primary">[\s\S]*?<location href="([^"]+)"/.exec(repomd)?.[1];
    const list = (await (await slow.request(`/api/v1/repos/acme/${repo}/packages`, { headers: op })).json()) as { packages: { location: string }[] };
    paths.push(
      `/acme/${repo}/repodata/repomd.xml`, `/acme/${repo}/repodata/repomd.xml.asc`, `/acme/${repo}/repodata/repomd.xml.key`,
      `/acme/${repo}/${primary}`, `/acme/${repo}/repodata/${'0'.repeat(64)}-primary.xml.gz`, `/acme/${repo}/repodata/comps.xml`,
      `/acme/${repo}/${list.packages[0]!.location}`, `/acme/${repo}/Packages/m/missing-1-1.noarch.rpm`, `/acme/${repo}/not-a-package.txt`,
      `/acme/${repo}/repodata/sub/dir.xml`, `/acme/${repo}/${list.packages[0]!.location}?query=ignored`,
    );
  }
  paths.push('/acme/side/repodata/repomd.xml', '/acme/nope/repodata/repomd.xml', '/nope/open/repodata/repomd.xml', '/ACME/open/repodata/repomd.xml');
  return { fast, slow, credentials, paths, lines, deps };
}

type Answer = { status: number; headers: [string, string][]; body: string };

async function answer(res: Response): Promise<Answer> {
  const boundary = /boundary=(\S+)/.exec(res.headers.get('content-type') ?? '')?.[1];
  const norm = (v: string): string => (boundary ? v.replaceAll(boundary, 'BOUNDARY') : v);
  const headers = [...res.headers].filter(([k]) => k !== 'date').map(([k, v]) => [k, norm(v)] as [string, string]).sort();
  return { status: res.status, headers, body: norm(await res.text()) };
}

describe('dnf pre-router', () => {
  it('answers every dnf request exactly as the hono routes do (status, headers, body, log line)', async () => {
    const w = await world();
    let compared = 0;
    const statuses = new Set<number>();
    for (const path of w.paths) {
      const etag = (await w.slow.request(path, { headers: w.credentials['operator'] })).headers.get('etag');
      const variants: Record<string, string>[] = [
        {}, { range: 'bytes=0-9' }, { range: 'bytes=0-1,5-7' }, { range: 'bytes=999999-' },
        ...(etag ? [{ 'if-none-match': etag }] : []),
      ];
      for (const [who, cred] of Object.entries(w.credentials)) {
        for (const method of ['GET', 'HEAD']) {
          for (const extra of variants) {
            const init = { method, headers: { ...cred, ...extra, 'x-request-id': 'pre-router-test-1' } };
            w.lines.length = 0;
            const a = await answer(await w.fast.request(path, init));
            const fastLog = w.lines.splice(0).map((l) => JSON.parse(l) as Record<string, unknown>);
            const b = await answer(await w.slow.request(path, init));
            const slowLog = w.lines.splice(0).map((l) => JSON.parse(l) as Record<string, unknown>);
            const what = `${method} ${path} as ${who} ${JSON.stringify(extra)}`;
            expect(a, what).toEqual(b);
            const strip = (e: Record<string, unknown>) => ({ ...e, time: undefined, ms: undefined });
            expect(fastLog.map(strip), what).toEqual(slowLog.map(strip));
            expect(a.headers.find(([k]) => k === 'x-request-id')?.[1], what).toBe('pre-router-test-1');
            statuses.add(a.status);
            compared++;
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(1000);
    // the matrix really covers allowed, refused, conditional and ranged answers
    expect([...statuses].sort()).toEqual([200, 206, 304, 401, 403, 404, 416]);
  }, 120_000);

  it('answers warm cache hits synchronously (no promise), single ranges included; cold or multi-range requests asynchronously', async () => {
    const w = await world();
    const pre = dnfPreRouter(w.deps, dnfHandlers(w.deps), authenticator(w.deps));
    const get = (path: string, headers: Record<string, string> = {}) => pre(new Request(`http://repo.test${path}`, { headers }));
    const pkg = w.paths.find((p) => p.startsWith('/acme/open/Packages/') && !p.includes('missing') && !p.includes('?'))!;
    for (const path of ['/acme/open/repodata/repomd.xml', pkg]) {
      await get(path); // warms the serve cache
      const hit = get(path);
      expect(hit, path).toBeInstanceOf(Response);
      expect((hit as Response).status).toBe(200);
      const ranged = get(path, { range: 'bytes=0-3' });
      expect(ranged, path).toBeInstanceOf(Response);
      expect([(ranged as Response).status, (await (ranged as Response).arrayBuffer()).byteLength]).toEqual([206, 4]);
      expect(get(path, { range: 'bytes=0-1,5-7' }), path).toBeInstanceOf(Promise);
    }
    // an access refusal goes through the async handler, which answers it
    const refused = get('/acme/closed/repodata/repomd.xml');
    expect(refused).toBeInstanceOf(Promise);
    expect((await refused)!.status).toBe(401);
  });

  it('takes plain dnf GET/HEAD paths only; the API, escapes, config.repo and other methods go to hono', async () => {
    const w = await world();
    const pre = dnfPreRouter(w.deps, dnfHandlers(w.deps), authenticator(w.deps));
    const taken = (method: string, path: string): boolean => {
      const r = pre(new Request(`http://repo.test${path}`, { method }));
      if (r instanceof Promise) void r.catch(() => undefined);
      return r !== null;
    };
    expect(taken('GET', '/acme/open/repodata/repomd.xml')).toBe(true);
    expect(taken('HEAD', '/acme/open/Packages/p/pkg-1-1.noarch.rpm')).toBe(true);
    expect(taken('GET', '/acme/open/repodata/a/b')).toBe(true);
    for (const [method, path] of [
      ['GET', '/api/v1/repos/acme/open/packages'], ['GET', '/api/v1/x/y/z'], ['GET', '/healthz'],
      ['GET', '/acme/open/config.repo'], ['GET', '/acme/open/repodata/repomd%2Exml'], ['GET', '/acme/open'],
      ['GET', '/acme/open/'], ['GET', '/acme//repodata/repomd.xml'], ['GET', '/acme/open/repodata//x'],
      ['GET', '/acme/open/repodata/'], ['PUT', '/acme/open/repodata/repomd.xml'], ['POST', '/acme/open/x.rpm'],
    ] as const) {
      expect(taken(method, path), `${method} ${path}`).toBe(false);
    }
  });
});
