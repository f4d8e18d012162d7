// Changing and undoing through the composed app: repo update and delete (and a name made again),
// tenant delete, mirror configuration update and removal, package list pages and delete by
// sha256 prefix or NEVRA. Each change is audited.
import { describe, expect, it } from 'vitest';
import { createToken } from '../../src/auth/tokens.js';
import { readAudit } from '../../src/repo/audit.js';
import { collectGarbage } from '../../src/repo/gc.js';
import { addPackage, readIndex } from '../../src/repo/index-store.js';
import { normalizeMirrorInput, writeMirrorConfig } from '../../src/repo/mirror-config.js';
import { writeFragmentFile } from '../../src/repo/package-fragments.js';
import { deleteRepo } from '../../src/repo/repo-delete.js';
import { getRepo } from '../../src/repo/repos.js';
import { repoPrefix } from '../../src/storage/keys.js';
import { listAll } from '../../src/storage/blob-store.js';
import { makeWorld, syntheticRpm, type World } from '../repo/support.js';
import { asOperator, composedApp, jsonReq } from './lifecycle-app.js';

const API = 'http://x/api/v1/repos/acme';

async function push(app: Awaited<ReturnType<typeof composedApp>>, repo: string, name: string, version = '1'): Promise<{ status: number; sha256: string }> {
  const res = await app.request(`${API}/${repo}/packages`, { method: 'PUT', body: syntheticRpm(name, version), headers: asOperator() });
  const body = (await res.json()) as { sha256: string };
  return { status: res.status, sha256: body.sha256 };
}

async function keysUnder(w: World, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const i of listAll(w.store, prefix)) out.push(i.key);
  return out;
}

describe('change and undo', () => {
  it('PATCH changes visibility, signing policy and description; unknown fields are 400; changes are audited', async () => {
    const w = await makeWorld([{ name: 'main' }]);
    const app = await composedApp(w);
    expect((await app.request('http://x/acme/main/repodata/repomd.xml.key')).status).toBe(401);
    const bad = await app.request(`${API}/main`, jsonReq('PATCH', { name: 'other' }));
    expect([bad.status, ((await bad.json()) as { code: string }).code]).toEqual([400, 'invalid_request']);

    const res = await app.request(`${API}/main`, jsonReq('PATCH', { public: true, description: 'the main one' }));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ name: 'main', public: true, allowUnsigned: false, description: 'the main one' });
    expect((await app.request('http://x/acme/main/repodata/repomd.xml.key')).status).toBe(200);
    // unsigned refused, then accepted once allowed
    expect((await push(app, 'main', 'foo')).status).toBe(422);
    await app.request(`${API}/main`, jsonReq('PATCH', { allowUnsigned: true, description: null }));
    expect(await getRepo(w.store, 'acme', 'main')).not.toHaveProperty('description');
    expect((await push(app, 'main', 'foo')).status).toBe(201);
    // a PATCH that changes nothing is not audited
    await app.request(`${API}/main`, jsonReq('PATCH', { public: true }));
    const updates = (await readAudit(w.store, 'acme')).filter((e) => e.action === 'repo.update');
    expect(updates.map((e) => e.details)).toEqual([
      { changed: { public: [false, true], description: [null, 'the main one'] } },
      { changed: { allowUnsigned: [false, true], description: ['the main one', null] } },
    ]);
    await w.sink.idle();
  }, 60_000);

  it('DELETE removes a repo with its packages and mirror config; the name made again starts empty and past the old revisions', async () => {
    const w = await makeWorld([{ name: 'main', allowUnsigned: true, public: true }]);
    const app = await composedApp(w);
    for (const n of ['a', 'b', 'c']) expect((await push(app, 'main', n)).status).toBe(201);
    await w.sink.idle();
    const before = (await readIndex(w.store, 'acme', 'main')).index.revision;
    expect((await app.request('http://x/acme/main/repodata/repomd.xml')).status).toBe(200);

    const del = await app.request(`${API}/main`, { method: 'DELETE', headers: asOperator() });
    expect(del.status).toBe(204);
    expect((await app.request(`${API}/main`, { headers: asOperator() })).status).toBe(404);
    // anonymous: a missing repo answers like a private one (no existence oracle)
    expect((await app.request('http://x/acme/main/repodata/repomd.xml')).status).toBe(401);
    expect((await app.request('http://x/acme/main/repodata/repomd.xml', { headers: asOperator() })).status).toBe(404);
    expect((await app.request(`${API}/main/packages`, { headers: asOperator() })).status).toBe(404);
    expect((await app.request(`${API}/main`, { method: 'DELETE', headers: asOperator() })).status).toBe(404);
    expect(await keysUnder(w, repoPrefix('acme', 'main'))).toEqual([`${repoPrefix('acme', 'main')}config.json`]);
    const listed = (await (await app.request('http://x/api/v1/tenants/acme/repos', { headers: asOperator() })).json()) as { repos: unknown[] };
    expect(listed.repos).toEqual([]);
    const audit = (await readAudit(w.store, 'acme')).find((e) => e.action === 'repo.delete');
    expect(audit).toMatchObject({ target: 'acme/main', details: { packages: 3, complete: true } });

    const again = await app.request('http://x/api/v1/tenants/acme/repos', jsonReq('POST', { name: 'main', allowUnsigned: true }));
    expect(again.status).toBe(201);
    const page = (await (await app.request(`${API}/main/packages`, { headers: asOperator() })).json()) as { packages: unknown[]; revision: number };
    expect(page.packages).toEqual([]);
    expect(page.revision).toBeGreaterThan(before);
    expect((await push(app, 'main', 'd')).status).toBe(201);
    await w.sink.idle();
    expect((await readIndex(w.store, 'acme', 'main')).index.packages.map((p) => p.name)).toEqual(['d']);
  }, 60_000);

  it('a deletion left unfinished stops serving at once; a repeated DELETE or GC finishes it', async () => {
    const w = await makeWorld([{ name: 'main', allowUnsigned: true }, { name: 'other', allowUnsigned: true }]);
    const app = await composedApp(w);
    for (const n of ['a', 'b']) await push(app, 'main', n);
    await push(app, 'other', 'a');
    await w.sink.idle();
    const first = await deleteRepo(w.store, 'acme', 'main', 'test', w.deps.clock(), 2);
    expect(first).toMatchObject({ complete: false, deleted: 2, packages: 2 });
    expect(await getRepo(w.store, 'acme', 'main')).toBeNull();
    expect((await app.request(`${API}/main/packages`, { headers: asOperator() })).status).toBe(404);
    // a name still being cleared is not taken over half-way: the creation finishes the sweep first
    const report = await collectGarbage(w.deps, w.deps.clock());
    expect(report.deleted).toBeGreaterThan(0);
    expect(await keysUnder(w, repoPrefix('acme', 'main'))).toEqual([`${repoPrefix('acme', 'main')}config.json`]);
    expect((await app.request(`${API}/main`, { method: 'DELETE', headers: asOperator() })).status).toBe(404);
    // the other repo is untouched, its package blob too
    expect((await readIndex(w.store, 'acme', 'other')).index.packages).toHaveLength(1);
    await w.sink.idle();
  }, 60_000);

  it('tenant DELETE: operator only, refused while repos exist unless forced; its tokens stop working; the name can be used again', async () => {
    const w = await makeWorld([{ name: 'main', allowUnsigned: true }]);
    const app = await composedApp(w);
    await push(app, 'main', 'a');
    await w.sink.idle();
    const { token } = await createToken(w.store, { tenant: 'acme', scopes: ['admin'], repos: null, expiresAt: null }, w.deps.clock());
    const asAdmin = { authorization: `Bearer ${token}` };
    expect((await app.request('http://x/api/v1/tenants/acme', { method: 'DELETE', headers: asAdmin })).status).toBe(403);
    const refused = await app.request('http://x/api/v1/tenants/acme', { method: 'DELETE', headers: asOperator() });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ code: 'tenant_not_empty', repos: ['main'] });
    expect((await app.request('http://x/api/v1/tenants/acme?force=yes', { method: 'DELETE', headers: asOperator() })).status).toBe(400);

    expect((await app.request('http://x/api/v1/tenants/acme?force=1', { method: 'DELETE', headers: asOperator() })).status).toBe(204);
    expect((await app.request('http://x/api/v1/tenants/acme', { headers: asOperator() })).status).toBe(404);
    expect((await app.request(`${API}/main`, { headers: asAdmin })).status).toBe(401);
    expect(await keysUnder(w, 't/acme/')).toEqual(['t/acme/r/main/config.json']);
    expect(w.logger.lines.find((l) => l.msg === 'tenant deleted')?.fields).toMatchObject({ tenant: 'acme', repos: ['main'], tokens: 1, complete: true });

    expect((await app.request('http://x/api/v1/tenants', jsonReq('POST', { name: 'acme' }))).status).toBe(201);
    expect((await app.request(`${API}/main`, { headers: asAdmin })).status).toBe(401);
    expect((await app.request('http://x/api/v1/tenants/acme/repos', jsonReq('POST', { name: 'main' }))).status).toBe(201);
    expect((await readIndex(w.store, 'acme', 'main')).index.packages).toEqual([]);
  }, 60_000);

  it('mirror configuration: PATCH changes named fields (not the mode), DELETE makes a complete mirror an ordinary repo again', async () => {
    const w = await makeWorld([{ name: 'up', allowUnsigned: true }, { name: 'plain' }]);
    const app = await composedApp(w);
    const input = { from: 'http://127.0.0.1:9/', verify: false, mode: 'complete' as const, metalink: false, include: [], exclude: [], arches: [] };
    await writeMirrorConfig(w.store, 'acme', 'up', normalizeMirrorInput(input, w.deps.clock()));
    expect((await push(app, 'up', 'a')).status).toBe(409);

    const patched = await app.request(`${API}/up/mirror`, jsonReq('PATCH', { intervalSeconds: 7200 }));
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ from: 'http://127.0.0.1:9/', mode: 'complete', intervalSeconds: 7200 });
    const mode = await app.request(`${API}/up/mirror`, jsonReq('PATCH', { mode: 'filtered' }));
    expect([mode.status, ((await mode.json()) as { code: string }).code]).toEqual([400, 'invalid_mirror']);
    const none = await app.request(`${API}/plain/mirror`, jsonReq('PATCH', { intervalSeconds: 7200 }));
    expect([none.status, ((await none.json()) as { code: string }).code]).toEqual([404, 'mirror_not_configured']);

    expect((await app.request(`${API}/up/mirror`, { method: 'DELETE', headers: asOperator() })).status).toBe(204);
    expect((await app.request(`${API}/up/mirror`, { headers: asOperator() })).status).toBe(404);
    expect((await app.request(`${API}/up/mirror`, { method: 'DELETE', headers: asOperator() })).status).toBe(404);
    expect((await push(app, 'up', 'a')).status).toBe(201);
    const actions = (await readAudit(w.store, 'acme')).map((e) => e.action);
    expect(actions.filter((a) => a.startsWith('mirror.'))).toEqual(['mirror.update', 'mirror.remove']);
    await w.sink.idle();
  }, 60_000);

  it('package list pages with a cursor and filters by name; delete takes a sha256 prefix or a NEVRA', async () => {
    const w = await makeWorld([{ name: 'main', allowUnsigned: true }]);
    const app = await composedApp(w);
    const pushed: Record<string, string> = {};
    for (const [n, v] of [['bar', '1'], ['foo', '1'], ['foo', '2'], ['qux', '1'], ['zed', '1']] as const) pushed[`${n}-${v}`] = (await push(app, 'main', n, v)).sha256;
    await w.sink.idle();

    const names: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const res = await app.request(`${API}/main/packages?limit=2${after ? `&after=${encodeURIComponent(after)}` : ''}`, { headers: asOperator() });
      const page = (await res.json()) as { count: number; packages: { name: string; version: string }[]; next: string | null };
      expect(page.count).toBe(5);
      names.push(...page.packages.map((p) => `${p.name}-${p.version}`));
      after = page.next;
      pages++;
    } while (after !== null);
    expect(names).toEqual(['bar-1', 'foo-1', 'foo-2', 'qux-1', 'zed-1']);
    expect(pages).toBe(3);
    const foo = (await (await app.request(`${API}/main/packages?name=foo`, { headers: asOperator() })).json()) as { packages: { version: string }[] };
    expect(foo.packages.map((p) => p.version)).toEqual(['1', '2']);
    const badCursor = await app.request(`${API}/main/packages?after=nonsense`, { headers: asOperator() });
    expect(badCursor.status).toBe(400);

    // the 12 digits `berth push` prints
    const byPrefix = await app.request(`${API}/main/packages/${pushed['qux-1']!.slice(0, 12)}`, { method: 'DELETE', headers: asOperator() });
    expect(byPrefix.status).toBe(200);
    expect(await byPrefix.json()).toMatchObject({ sha256: pushed['qux-1'], nevra: 'qux-1-1.noarch' });
    const byNevra = await app.request(`${API}/main/packages/foo-2-1.noarch`, { method: 'DELETE', headers: asOperator() });
    expect(byNevra.status).toBe(200);
    expect(await byNevra.json()).toMatchObject({ sha256: pushed['foo-2'] });
    const withEpoch = await app.request(`${API}/main/packages/foo-0:1-1.noarch`, { method: 'DELETE', headers: asOperator() });
    expect(withEpoch.status).toBe(200);
    const gone = await app.request(`${API}/main/packages/foo-1-1.noarch`, { method: 'DELETE', headers: asOperator() });
    expect([gone.status, ((await gone.json()) as { code: string }).code]).toEqual([404, 'package_not_found']);
    const short = await app.request(`${API}/main/packages/abc`, { method: 'DELETE', headers: asOperator() });
    expect([short.status, ((await short.json()) as { code: string }).code]).toEqual([400, 'invalid_sha256']);
    const junk = await app.request(`${API}/main/packages/not%20a%20package`, { method: 'DELETE', headers: asOperator() });
    expect([junk.status, ((await junk.json()) as { code: string }).code]).toEqual([400, 'invalid_package_ref']);
    await w.sink.idle();
    expect((await readIndex(w.store, 'acme', 'main')).index.packages.map((p) => p.name)).toEqual(['bar', 'zed']);
  }, 60_000);

  it('a sha256 prefix several packages share is 409 with the candidates', async () => {
    const w = await makeWorld([{ name: 'main', allowUnsigned: true }]);
    const app = await composedApp(w);
    for (const [name, sha256] of [['one', `abcdef${'1'.repeat(58)}`], ['two', `abcdef${'2'.repeat(58)}`]] as const) {
      const location = `Packages/${name[0]}/${name}-1-1.noarch.rpm`;
      await writeFragmentFile(w.store, 'acme', 'main', { sha256, location, addedAt: 1_700_000_000, primary: '', filelists: '', other: '' });
      await addPackage(w.store, 'acme', 'main', {
        sha256, name, epoch: 0, version: '1', release: '1', arch: 'noarch', filename: `${name}-1-1.noarch.rpm`, location, size: 1, addedAt: 1_700_000_000, signer: null,
      }, w.deps.clock);
    }
    const res = await app.request(`${API}/main/packages/abcdef`, { method: 'DELETE', headers: asOperator() });
    expect(res.status).toBe(409);
    const body = (await res.json()) as { code: string; candidates: { nevra: string }[] };
    expect(body.code).toBe('ambiguous_package');
    expect(body.candidates.map((c) => c.nevra).sort()).toEqual(['one-1-1.noarch', 'two-1-1.noarch']);
    expect((await app.request(`${API}/main/packages/abcdef2`, { method: 'DELETE', headers: asOperator() })).status).toBe(200);
  }, 60_000);
});
