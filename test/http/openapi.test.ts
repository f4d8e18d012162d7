// The OpenAPI document against the app it describes: every route hono serves is in it (dnf
// paths included) and nothing else, every operation has a unique operationId, every query
// parameter a handler reads is documented, servers are named, and the package list's
// documented filters work.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/app.js';
import { repoRoot } from '../helpers/tools.js';
import { makeWorld, publish, syntheticRpm } from '../repo/support.js';
import { appFor, bearer } from './serving-app.js';

interface Operation { operationId?: string; parameters?: { name: string; in: string }[] }
interface Doc { servers?: { url: string }[]; paths: Record<string, Record<string, Operation>> }

async function documentOf(publicUrl: string | null = null): Promise<{ doc: Doc; routes: { method: string; path: string }[] }> {
  const w = await makeWorld([]);
  w.deps.config.publicUrl = publicUrl;
  const app = createApp(w.deps);
  const doc = (await (await app.request('http://x/api/v1/openapi.json')).json()) as Doc;
  return { doc, routes: app.routes.filter((r) => r.method !== 'ALL') };
}

/** hono's `/:tenant/:repo/:location{.+}` as the document writes it: `/{tenant}/{repo}/{location}`. */
const template = (path: string): string => path.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}');

describe('OpenAPI document', () => {
  it('lists every route the app serves, with its method, and no route it does not serve', async () => {
    const { doc, routes } = await documentOf();
    const served = new Set(routes.map((r) => `${r.method.toLowerCase()} ${template(r.path)}`));
    const documented = new Set(Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`)));
    expect([...served].filter((x) => !documented.has(x)).sort()).toEqual([]);
    // HEAD is served for every GET (hono does it); the document lists HEAD where the route is its own
    expect([...documented].filter((x) => !served.has(x) && !served.has(x.replace(/^head /, 'get '))).sort()).toEqual([]);
    for (const p of ['/{tenant}/{repo}/repodata/{file}', '/{tenant}/{repo}/{location}', '/{tenant}/{repo}/config.repo']) {
      expect(Object.keys(doc.paths[p] ?? {}), p).toContain('get');
    }
  });

  it('every operation has an operationId, each one different', async () => {
    const { doc } = await documentOf();
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((o) => o.operationId));
    expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z0-9]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.paths['/api/v1/repos/{tenant}/{repo}/packages']?.['get']?.operationId).toBe('getReposByTenantByRepoPackages');
  });

  it('names the servers: the public URL when set, else the host it was fetched from', async () => {
    expect((await documentOf()).doc.servers).toEqual([{ url: '/' }]);
    expect((await documentOf('https://repo.example.test/')).doc.servers).toEqual([{ url: 'https://repo.example.test' }]);
  });

  it('documents every query parameter a route handler reads', async () => {
    const { doc } = await documentOf();
    const documented = new Set(Object.values(doc.paths).flatMap((ops) => Object.values(ops).flatMap((o) => (o.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name))));
    const dir = join(repoRoot(), 'src', 'http', 'routes');
    const read: string[] = [];
    let wholeQueries = 0;
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
      const text = readFileSync(join(dir, f), 'utf8');
      for (const m of text.matchAll(/c\.req\.query\('(\w+)'\)/g)) read.push(m[1]!);
      // a whole-query read is validated by the schema the route's document entry names
      for (const m of text.matchAll(/(\w+)\.safeParse\(c\.req\.query\(\)\)/g)) {
        wholeQueries++;
        expect(text, `${f}: ${m[1]} must be a documented query`).toMatch(new RegExp(`query: ${m[1]}\\b`));
      }
    }
    expect(read.length + wholeQueries).toBeGreaterThan(0);
    expect(read.filter((q) => !documented.has(q))).toEqual([]);
    for (const q of ['force', 'since', 'name', 'arch']) expect(documented, q).toContain(q);
  });
});

describe('the package list honours its documented filters', () => {
  it('name and arch select exactly; a bad filter is 400', async () => {
    const w = await makeWorld([{ name: 'open', allowUnsigned: true }]);
    const app = await appFor(w);
    for (const n of ['alpha', 'beta', 'gamma']) await publish(w, 'open', syntheticRpm(n));
    const list = async (q: string): Promise<{ status: number; names: string[] }> => {
      const res = await app.request(`http://x/api/v1/repos/acme/open/packages${q}`, { headers: bearer() });
      const body = (await res.json()) as { packages?: { name: string }[] };
      return { status: res.status, names: (body.packages ?? []).map((p) => p.name).sort() };
    };
    expect(await list('')).toEqual({ status: 200, names: ['alpha', 'beta', 'gamma'] });
    expect(await list('?name=beta')).toEqual({ status: 200, names: ['beta'] });
    expect(await list('?arch=noarch')).toEqual({ status: 200, names: ['alpha', 'beta', 'gamma'] });
    expect(await list('?arch=x86_64')).toEqual({ status: 200, names: [] });
    expect(await list('?name=gamma&arch=noarch')).toEqual({ status: 200, names: ['gamma'] });
    expect((await list('?name=')).status).toBe(400);
    await w.sink.idle();
  });
});
