// Scheduled mirror runs in workerd: the Worker from infra/cloudflare/wrangler.jsonc (local R2 and
// queue, `testScheduled` on) runs due mirrors when its mirror cron fires. The upstream is a
// signed createrepo_c repository served by node:http from this test process on 127.0.0.1, which
// the local Worker fetches like any upstream: the mirror code's node:zlib/node:stream paths,
// openpgp checks and R2 writes all run inside workerd.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GC_CRON, MIRROR_CRON } from '../../src/adapters/cloudflare/crons.js';
import { disposeDnfWork } from '../helpers/dnf.js';
import { disposeTestKeyring, rpmSign, testKeyring, type TestKeyring } from '../helpers/gpg.js';
import { eventually } from '../helpers/service.js';
import { startStaticServer, type StaticServer } from '../helpers/static-http.js';
import { announceSkip, repoRoot, skipReason } from '../helpers/tools.js';
import { buildBench, publishUpstream } from '../mirror/upstream.js';
import { startWorkerProcess, workerdUnavailableReason, type LocalWorker } from './workerd.js';

const wranglerReason = workerdUnavailableReason();
const reason = wranglerReason ?? skipReason({ tools: ['createrepo_c', 'rpm', 'rpmbuild', 'rpmsign', 'gpg'] });
announceSkip('Cloudflare Worker scheduled mirrors', reason);

const ADMIN = `op-mirror-${process.pid}-secret-xxxxxxxx`;
// long enough that the checks made between two runs (on a loaded CI machine: seconds) stay inside it
const INTERVAL = 8;

interface LastRun { ok: boolean; outcome: string; startedAt: string; error?: { code: string } }

describe.skipIf(wranglerReason !== null)('wrangler.jsonc crons', () => {
  it('are exactly the GC and mirror crons worker.ts dispatches on', async () => {
    const { unstable_readConfig } = (await import('wrangler')) as unknown as {
      unstable_readConfig: (args: { config: string }) => { triggers: { crons?: string[] } };
    };
    const config = unstable_readConfig({ config: join(repoRoot(), 'infra', 'cloudflare', 'wrangler.jsonc') });
    expect([...(config.triggers.crons ?? [])].sort()).toEqual([GC_CRON, MIRROR_CRON].sort());
  });
});

describe.skipIf(reason !== null)('Cloudflare Worker in workerd: the mirror cron runs due mirrors', () => {
  const work = mkdtempSync(join(tmpdir(), 'berth-cf-mirror-'));
  const upstream = join(work, 'upstream');
  let worker: LocalWorker;
  let origin: StaticServer;
  let keys: TestKeyring;
  let pool: string[] = [];
  let logs = '';
  let read = '';

  const api = (method: string, path: string, body?: unknown): Promise<Response> =>
    worker.fetch(path, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, ...(typeof body === 'object' ? { 'content-type': 'application/json' } : {}) },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  const get = (path: string): Promise<Response> =>
    worker.fetch(path, { headers: { authorization: `Basic ${Buffer.from(`dnf:${read}`).toString('base64')}` } });
  const lastRun = async (repo: string): Promise<LastRun | null> =>
    ((await (await api('GET', `/api/v1/repos/acme/${repo}/mirror`)).json()) as { lastRun: LastRun | null }).lastRun;
  /** Fires one cron the way Cloudflare would (wrangler's test-scheduled route). */
  const fire = async (cron: string): Promise<void> => {
    const res = await worker.fetch(`/__scheduled?cron=${encodeURIComponent(cron)}`);
    expect(res.status, `${await res.clone().text()}\n${logs.slice(-3000)}`).toBe(200);
    await res.arrayBuffer();
  };
  const rpmRequests = (since: number): string[] =>
    origin.requests.slice(since).filter((l) => /\.rpm 200$/.test(l)).map((l) => basename(l.split(' ')[1] ?? '')).sort();
  const upstreamRepomd = (): string => readFileSync(join(upstream, 'repodata', 'repomd.xml'), 'utf8');
  /** Waits for a run that started after `after` to be recorded. */
  const runAfter = (repo: string, after: number): Promise<LastRun> =>
    eventually(`a mirror run of acme/${repo}`, async () => {
      const r = await lastRun(repo);
      return r && Date.parse(r.startedAt) > after && r.outcome !== undefined ? r : undefined;
    }, 60_000);

  beforeAll(async () => {
    keys = await testKeyring();
    pool = (await buildBench(4, '1.0', join(work, 'pool'))).sort();
    await rpmSign(pool, 'rsa');
    mkdirSync(upstream, { recursive: true });
    for (const f of pool.slice(0, 3)) copyFileSync(f, join(upstream, basename(f)));
    await publishUpstream(upstream);
    origin = await startStaticServer(upstream);
    worker = await startWorkerProcess({
      config: 'infra/cloudflare/wrangler.jsonc',
      bindings: {
        BERTH_ADMIN_TOKEN: { type: 'secret_text', value: ADMIN },
        // the edge reuses a repo's current generation this long (default 5 s)
        BERTH_METADATA_CACHE_SECONDS: { type: 'plain_text', value: '1' },
        // the upstream runs on loopback, which the egress policy refuses unless allowed
        BERTH_EGRESS_ALLOW: { type: 'plain_text', value: '127.0.0.1' },
      },
      dev: { persist: false, testScheduled: true },
    }, (text) => (logs += text));
  }, 300_000);

  afterAll(async () => {
    await worker?.dispose();
    await origin?.close();
    await disposeTestKeyring();
    disposeDnfWork(work);
  }, 60_000);

  it(`configures a complete-mode mirror (checked every ${INTERVAL} s) and a by-hand-only one`, async () => {
    expect((await api('POST', '/api/v1/tenants', { name: 'acme' })).status).toBe(201);
    for (const name of ['mirror', 'manual']) expect((await api('POST', '/api/v1/tenants/acme/repos', { name })).status).toBe(201);
    read = ((await (await api('POST', '/api/v1/tenants/acme/tokens', { scopes: ['read'] })).json()) as { token: string }).token;
    expect((await api('POST', '/api/v1/tenants/acme/keys', keys.rsa.armoredPublicKey)).status).toBe(201);
    const m = await api('POST', '/api/v1/repos/acme/mirror/mirror', { from: `${origin.url}/`, key: keys.rsa.armoredPublicKey, intervalSeconds: INTERVAL });
    expect(m.status, await m.clone().text()).toBe(201);
    const h = await api('POST', '/api/v1/repos/acme/manual/mirror', { from: `${origin.url}/`, key: keys.rsa.armoredPublicKey, intervalSeconds: 0 });
    expect(h.status, await h.clone().text()).toBe(201);
  }, 60_000);

  it('the GC cron does not run mirrors', async () => {
    const since = origin.requests.length;
    await fire(GC_CRON);
    await eventually('the GC log line', async () => (/"msg":"gc"/.test(logs) ? true : undefined), 30_000);
    expect(origin.requests.slice(since)).toEqual([]);
    expect(await lastRun('mirror')).toBeNull();
  }, 60_000);

  it('the mirror cron runs the due mirror inside workerd: upstream repomd.xml, signature and packages served bit for bit', async () => {
    const since = origin.requests.length;
    const t0 = Date.now() - 1000;
    await fire(MIRROR_CRON);
    const run = await runAfter('mirror', t0);
    expect(run, logs.slice(-3000)).toMatchObject({ ok: true, outcome: 'updated' });
    expect(rpmRequests(since)).toEqual(pool.slice(0, 3).map((f) => basename(f)).sort());
    expect(await (await get('/acme/mirror/repodata/repomd.xml')).text()).toBe(upstreamRepomd());
    expect(await (await get('/acme/mirror/repodata/repomd.xml.asc')).text()).toBe(readFileSync(join(upstream, 'repodata', 'repomd.xml.asc'), 'utf8'));
    // every metadata file dnf reads (primary.xml.gz decompressed in workerd to read the package
    // list); createrepo_c 0.17's sqlite files (*_db) are not mirrored
    for (const m of upstreamRepomd().matchAll(/<data type="([^"]+)">[\s\S]*?<location href="(repodata\/[^"]+)"/g)) {
      const res = await get(`/acme/mirror/${m[2]!}`);
      if (m[1]!.endsWith('_db')) {
        expect(res.status, m[2]).toBe(404);
        continue;
      }
      expect(res.status, m[2]).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(readFileSync(join(upstream, m[2]!))), m[2]).toBe(true);
    }
    const pkg = await get(`/acme/mirror/${basename(pool[0]!)}`);
    expect(pkg.status).toBe(200);
    expect(Buffer.from(await pkg.arrayBuffer()).equals(readFileSync(pool[0]!))).toBe(true);
    expect(logs).toMatch(/"msg":"scheduled mirror runs".*"acme\/mirror","outcome":"updated"/);
    expect(await lastRun('manual')).toBeNull();
  }, 120_000);

  it('inside the interval the cron asks upstream nothing; after it, an upstream change comes over with only the new package', async () => {
    let since = origin.requests.length;
    await fire(MIRROR_CRON);
    expect(origin.requests.slice(since)).toEqual([]);

    const before = Date.parse((await lastRun('mirror'))!.startedAt);
    copyFileSync(pool[3]!, join(upstream, basename(pool[3]!)));
    await publishUpstream(upstream);
    const wait = before + INTERVAL * 1000 + 50 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    since = origin.requests.length;
    await fire(MIRROR_CRON);
    expect(await runAfter('mirror', before)).toMatchObject({ ok: true, outcome: 'updated' });
    expect(rpmRequests(since)).toEqual([basename(pool[3]!)]);
    // the new generation reaches the edge within its metadata window
    await eventually('the new repomd.xml at the edge', async () =>
      ((await (await get('/acme/mirror/repodata/repomd.xml')).text()) === upstreamRepomd() ? true : undefined), 10_000);
    const list = (await (await get('/api/v1/repos/acme/mirror/packages')).json()) as { packages: unknown[] };
    expect(list.packages).toHaveLength(4);
  }, 120_000);

  it('an unknown cron runs nothing and says so', async () => {
    const since = origin.requests.length;
    await fire('0 3 * * *');
    await eventually('the unknown-cron log line', async () => (/"msg":"unknown cron trigger; nothing run","cron":"0 3 \* \* \*"/.test(logs) ? true : undefined), 30_000);
    expect(origin.requests.slice(since)).toEqual([]);
  }, 60_000);
});
