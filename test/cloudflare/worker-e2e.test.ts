// End to end on workerd: the Worker from infra/cloudflare/wrangler.jsonc (local R2, local queue,
// Cache API) driven by the `berth` CLI and HTTP; the queue consumer regenerates; real dnf
// installs from the Worker's 127.0.0.1 URL (repo_gpgcheck=1, gpgcheck=1, Basic auth); a token
// revoked at the origin is refused by the edge within its (test-shortened) cache window.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berthCliPresent } from '../helpers/berth.js';
import { disposeDnfWork, dnfClient } from '../helpers/dnf.js';
import { disposeTestKeyring, rpmSign, testKeyring, type TestKeyring } from '../helpers/gpg.js';
import { buildMany, rpmbuild, specBytes } from '../helpers/rpmbuild.js';
import { berthAs, eventually, jsonOf } from '../helpers/service.js';
import { announceSkip, skipReason } from '../helpers/tools.js';
import { startWorkerProcess, workerdUnavailableReason, type LocalWorker } from './workerd.js';

const reason = workerdUnavailableReason() ?? skipReason({ tools: ['dnf', 'rpm', 'rpmbuild', 'rpmsign', 'gpg'], root: true }) ??
  (berthCliPresent() ? null : 'berth CLI not present');
announceSkip('Cloudflare Worker end-to-end', reason);

const ADMIN = `op-worker-${process.pid}-secret-xxxxxxxx`;
const TOKEN_TTL_SECONDS = 2;
const work = mkdtempSync(join(tmpdir(), 'berth-cf-'));

afterAll(async () => {
  await disposeTestKeyring();
  disposeDnfWork(work);
});

describe.skipIf(reason !== null)('Cloudflare Worker in workerd: publish, queue regeneration, dnf, revocation', () => {
  let worker: LocalWorker;
  let server: { url: string };
  let keys: TestKeyring;
  let rpms: string[];
  let logs = '';
  let admin = '';
  let publish = '';
  let read = '';
  const repoUrl = (): string => `${server.url}/acme/main`;
  const basic = (token: string): string => `Basic ${Buffer.from(`dnf:${token}`).toString('base64')}`;

  beforeAll(async () => {
    const dir = join(work, 'rpms');
    const [bench, lib, app, kr] = await Promise.all([
      buildMany(2, dir),
      rpmbuild('berth-lib', specBytes('berth-lib'), dir),
      rpmbuild('berth-app', specBytes('berth-app'), dir),
      testKeyring(),
    ]);
    keys = kr;
    rpms = [...bench, ...lib, ...app];
    await rpmSign(rpms, 'rsa');
    worker = await startWorkerProcess({
      config: 'infra/cloudflare/wrangler.jsonc',
      bindings: {
        BERTH_ADMIN_TOKEN: { type: 'secret_text', value: ADMIN },
        BERTH_TOKEN_CACHE_SECONDS: { type: 'plain_text', value: String(TOKEN_TTL_SECONDS) },
        BERTH_METADATA_CACHE_SECONDS: { type: 'plain_text', value: '1' },
      },
      dev: { persist: false },
    }, (text) => (logs += text));
    server = { url: worker.url.origin };
  }, 300_000);

  afterAll(async () => {
    await worker?.dispose();
    for (const secret of [ADMIN, admin, publish, read].filter((s) => s !== '')) expect(logs).not.toContain(secret);
  }, 60_000);

  it('sets up a tenant, a private repo, a trusted key and tokens through the Worker', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const t = await berthAs(server, ADMIN, ['tenant', 'create', 'acme', '--json']);
    expect(t.code, `${t.stderr}\n${logs.slice(-3000)}`).toBe(0);
    const r = await berthAs(server, ADMIN, ['repo', 'create', 'acme/main', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(jsonOf(r)).toMatchObject({ name: 'main', public: false });
    admin = jsonOf<{ token: string }>(await berthAs(server, ADMIN, ['token', 'create', 'acme', '--scope', 'admin', '--json'])).token;
    const k = await berthAs(server, admin, ['key', 'add', 'acme', keys.rsa.publicKeyFile, '--json']);
    expect(k.code, k.stderr).toBe(0);
    publish = jsonOf<{ token: string }>(await berthAs(server, admin, ['token', 'create', 'acme', '--scope', 'publish', '--repo', 'main', '--json'])).token;
    read = jsonOf<{ token: string }>(await berthAs(server, admin, ['token', 'create', 'acme', '--scope', 'read', '--json'])).token;
    expect(publish).toMatch(/^berth_/);
    expect(read).toMatch(/^berth_/);
  }, 180_000);

  it('publishes signed packages into R2; the queue consumer regenerates', async () => {
    const p = await berthAs(server, publish, ['push', 'acme/main', '--jobs', '2', '--json', ...rpms]);
    expect(p.code, `${p.stdout}\n${p.stderr}\n${logs.slice(-3000)}`).toBe(0);
    const pushed = jsonOf<{ results: { ok: boolean; revision?: number }[] }>(p);
    expect(pushed.results).toHaveLength(rpms.length);
    const last = Math.max(...pushed.results.map((x) => x.revision ?? 0));
    expect(last).toBe(rpms.length);
    // Nobody regenerates in the request: only the queue consumer can make this appear.
    const revision = await eventually('repomd.xml from the queue consumer', async () => {
      const res = await fetch(`${repoUrl()}/repodata/repomd.xml`, { headers: { authorization: basic(read) } });
      if (res.status !== 200) return undefined;
      const m = /<revision>(\d+)<\/revision>/.exec(await res.text());
      return m && Number(m[1]) >= last ? Number(m[1]) : undefined;
    }, 120_000);
    expect(revision).toBe(last);
    expect(logs).toMatch(/"msg":"regeneration"/);
  }, 300_000);

  it('dnf installs from the Worker (repo_gpgcheck + gpgcheck, Basic auth)', async () => {
    const c = dnfClient(join(work, 'install'), {
      id: 'berth', name: 'Berth on workerd', baseurl: repoUrl(), password: read,
      gpgkeys: [`${repoUrl()}/repodata/repomd.xml.key`, `file://${keys.rsa.publicKeyFile}`],
    });
    const r = await c.dnf(['install', 'berth-app', 'berth-bench-2']);
    expect(r.code, `${r.stdout}\n${r.stderr}\n${logs.slice(-3000)}`).toBe(0);
    const q = await c.rpmQuery(['berth-app', 'berth-lib', 'berth-bench-2']);
    expect(q.code, q.stdout + q.stderr).toBe(0);
    expect(q.stdout.trim().split('\n').sort()).toEqual(['berth-app-2.0-1.noarch', 'berth-bench-2-1.0-1.noarch', 'berth-lib-1.2-1.noarch']);
    const anon = await fetch(`${repoUrl()}/repodata/repomd.xml`);
    expect(anon.status).toBe(401);
    expect(anon.headers.get('www-authenticate')).toMatch(/^Basic/);
  }, 300_000);

  it('serves checksum-named files and packages from the edge cache, after the access check', async () => {
    const repomd = await (await fetch(`${repoUrl()}/repodata/repomd.xml`, { headers: { authorization: basic(read) } })).text();
    const primary = /href="(repodata\/[0-9a-f]{64}-primary\.xml\.gz)"/.exec(repomd)?.[1];
    expect(primary).toBeDefined();
    // dnf fetched primary above, which filled the cache (in waitUntil).
    const cachedPrimary = await eventually('primary from the edge cache', async () => {
      const res = await fetch(`${repoUrl()}/${primary!}`, { headers: { authorization: basic(read) } });
      await res.arrayBuffer();
      return res.headers.get('x-berth-edge-cache') === 'HIT' ? res : undefined;
    }, 20_000);
    expect(cachedPrimary.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');

    // A package nobody fetched yet: a miss served from R2, then hits with the same bytes.
    const url = `${repoUrl()}/Packages/b/berth-bench-1-1.0-1.noarch.rpm`;
    // HEAD before any GET: a miss, answered with the stored size and no body.
    const headMiss = await fetch(url, { method: 'HEAD', headers: { authorization: basic(read) } });
    expect(headMiss.status).toBe(200);
    expect(headMiss.headers.get('x-berth-edge-cache')).toBe('MISS');
    const size = Number(headMiss.headers.get('content-length'));
    expect(size).toBeGreaterThan(100);
    expect((await headMiss.arrayBuffer()).byteLength).toBe(0);
    const states: string[] = [];
    const bodies: string[] = [];
    const lengths: (string | null)[] = [];
    await eventually('an edge cache hit for the package', async () => {
      const res = await fetch(url, { headers: { authorization: basic(read) } });
      expect(res.status).toBe(200);
      const body = Buffer.from(await res.arrayBuffer());
      expect(body.length).toBe(size);
      bodies.push(body.toString('base64'));
      // workerd sends a streamed body chunked unless it has a known length: declared on a miss
      // (R2 stream) and on a hit (cache body) alike.
      lengths.push(res.headers.get('content-length'));
      states.push(res.headers.get('x-berth-edge-cache') ?? 'none');
      return states.at(-1) === 'HIT' ? true : undefined;
    }, 20_000);
    expect(states[0]).toBe('MISS');
    expect(new Set(bodies).size).toBe(1);
    expect(new Set(lengths)).toEqual(new Set([String(size)]));
    const head = await fetch(url, { method: 'HEAD', headers: { authorization: basic(read) } });
    expect(head.status).toBe(200);
    expect(head.headers.get('x-berth-edge-cache')).toBe('HIT');
    // The Cache API does not keep Content-Length; the entry's own record of the size gives it.
    expect(head.headers.get('content-length')).toBe(String(size));
    expect(head.headers.get('x-berth-size')).toBeNull();
    // A range request bypasses the cache and is answered from R2.
    const ranged = await fetch(url, { headers: { authorization: basic(read), range: 'bytes=0-3' } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-length')).toBe('4');
    expect(ranged.headers.get('content-range')).toBe(`bytes 0-3/${size}`);
    expect(Buffer.from(await ranged.arrayBuffer())).toEqual(Buffer.from([0xed, 0xab, 0xee, 0xdb]));
    const headRange = await fetch(url, { method: 'HEAD', headers: { authorization: basic(read), range: 'bytes=10-19' } });
    expect(headRange.status).toBe(206);
    expect(headRange.headers.get('content-length')).toBe('10');

    // Cached or not, no credentials means no bytes.
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: basic('berth_aaaaaaaaaaaa_nope') } })).status).toBe(401);
  }, 60_000);

  it('refuses a token revoked at the origin within the token cache window', async () => {
    const rd = await berthAs(server, admin, ['token', 'create', 'acme', '--scope', 'read', '--json']);
    const { id, token } = jsonOf<{ id: string; token: string }>(rd);
    const repomd = await fetch(`${repoUrl()}/repodata/repomd.xml`, { headers: { authorization: basic(token) } });
    expect(repomd.status).toBe(200);
    const primary = /href="(repodata\/[0-9a-f]{64}-primary\.xml\.gz)"/.exec(await repomd.text())?.[1];
    const rv = await berthAs(server, admin, ['token', 'revoke', id, '--json']);
    expect(rv.code, rv.stderr).toBe(0);
    const revokedAt = Date.now();
    const refusedAfter = await eventually('the edge refusing the revoked token', async () => {
      const res = await fetch(`${repoUrl()}/${primary!}`, { headers: { authorization: basic(token) } });
      await res.arrayBuffer();
      return res.status === 401 ? Date.now() - revokedAt : undefined;
    }, 30_000);
    expect(refusedAfter).toBeLessThanOrEqual((TOKEN_TTL_SECONDS + 2) * 1000);
    // And it stays refused, for metadata and cached files alike.
    expect((await fetch(`${repoUrl()}/repodata/repomd.xml`, { headers: { authorization: basic(token) } })).status).toBe(401);
    expect((await fetch(`${repoUrl()}/${primary!}`, { headers: { authorization: basic(token) } })).status).toBe(401);
  }, 60_000);
});
