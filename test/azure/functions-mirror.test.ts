// The mirror timer of the Azure Functions app, end to end: functions/index.ts loaded with a fake
// host API, storage and queue on Azurite, a signed createrepo_c upstream served by node:http on
// 127.0.0.1, the mirror configured through the HTTP function, and the registered `mirror` timer
// handler invoked with the package's own InvocationContext as the host would on each tick.
import { createHash, randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { InvocationContext, type Timer } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetAzureRuntime } from '../../src/adapters/azure/deps.js';
import { disposeDnfWork } from '../helpers/dnf.js';
import { azuriteUnavailableReason, startAzurite, type Azurite } from '../helpers/azurite.js';
import { disposeTestKeyring, rpmSign, testKeyring, type TestKeyring } from '../helpers/gpg.js';
import { startStaticServer, type StaticServer } from '../helpers/static-http.js';
import { announceSkip, skipReason } from '../helpers/tools.js';
import { buildBench, publishUpstream } from '../mirror/upstream.js';
import { startBridge, type Bridge } from './functions-bridge.js';
import { installFakeFunctionsCore, type FakeCore } from './fake-functions-core.js';

const reason = skipReason({ tools: ['createrepo_c', 'rpm', 'rpmbuild', 'rpmsign', 'gpg'] }) ?? azuriteUnavailableReason();
announceSkip('Azure Functions mirror timer', reason);

const ADMIN = `op-${randomUUID()}`;
// long enough that the checks made between two runs (on a loaded CI machine: seconds) stay inside it
const INTERVAL = 8;
const TIMER: Timer = { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: '', next: '', lastUpdated: '' } };

interface LastRun { ok: boolean; outcome: string; startedAt: string; error?: { code: string } }

describe.skipIf(reason !== null)('Azure Functions mirror timer (Azurite, upstream on 127.0.0.1)', () => {
  const work = mkdtempSync(join(tmpdir(), 'berth-func-mirror-'));
  const upstream = join(work, 'upstream');
  let azurite: Azurite;
  let core: FakeCore;
  let bridge: Bridge;
  let origin: StaticServer;
  let keys: TestKeyring;
  let pool: string[] = [];
  let admin = '';
  let read = '';
  const logs: string[] = [];

  const api = async (method: string, path: string, token: string, body?: unknown): Promise<Response> =>
    fetch(`${bridge.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(typeof body === 'object' ? { 'content-type': 'application/json' } : {}) },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  const get = (path: string): Promise<Response> =>
    fetch(`${bridge.url}${path}`, { headers: { authorization: `Basic ${Buffer.from(`dnf:${read}`).toString('base64')}` } });
  const lastRun = async (repo: string): Promise<LastRun | null> =>
    ((await (await api('GET', `/api/v1/repos/acme/${repo}/mirror`, admin)).json()) as { lastRun: LastRun | null }).lastRun;
  /** One timer tick, as the host delivers it; returns what the function logged. */
  const tick = async (): Promise<string[]> => {
    const out: string[] = [];
    const context = new InvocationContext({
      functionName: 'mirror', invocationId: randomUUID(),
      logHandler: (level, ...args) => out.push(`${level}: ${args.map(String).join(' ')}`),
    });
    const handler = core.registrations.get('mirror')?.handler;
    if (!handler) throw new Error('mirror is not registered');
    await handler(TIMER, context);
    logs.push(...out);
    return out;
  };
  const rpmRequests = (since: number): string[] =>
    origin.requests.slice(since).filter((l) => /\.rpm 200$/.test(l)).map((l) => basename(l.split(' ')[1] ?? '')).sort();

  beforeAll(async () => {
    const started = await startAzurite({ queue: true });
    if (started?.queueEndpoint === undefined) throw new Error('azurite did not start with a queue service');
    azurite = started;
    Object.assign(process.env, {
      AzureWebJobsStorage: azurite.connectionString,
      BERTH_CONTAINER: `berth-mirror-${process.pid}`,
      BERTH_QUEUE: `berth-mirror-events-${process.pid}`,
      BERTH_ADMIN_TOKEN_SHA256: createHash('sha256').update(ADMIN).digest('hex'),
      // the upstream runs on loopback, which the egress policy refuses unless allowed
      BERTH_EGRESS_ALLOW: '127.0.0.1',
    });
    delete process.env['BERTH_STORAGE_ACCOUNT_URL'];
    resetAzureRuntime();
    core = installFakeFunctionsCore();
    await import('../../functions/index.js');
    for (const hook of core.hooks.get('appStart') ?? []) await hook({});
    bridge = await startBridge(core.registrations.get('berth')!.handler);

    keys = await testKeyring();
    pool = (await buildBench(4, '1.0', join(work, 'pool'))).sort();
    await rpmSign(pool, 'rsa');
    mkdirSync(upstream, { recursive: true });
    for (const f of pool.slice(0, 3)) copyFileSync(f, join(upstream, basename(f)));
    await publishUpstream(upstream);
    origin = await startStaticServer(upstream);
  }, 300_000);

  afterAll(async () => {
    await bridge?.close();
    await origin?.close();
    await azurite?.stop();
    await disposeTestKeyring();
    disposeDnfWork(work);
  }, 60_000);

  it(`configures a complete-mode mirror (checked every ${INTERVAL} s) and a by-hand-only one through the HTTP function`, async () => {
    expect((await api('POST', '/api/v1/tenants', ADMIN, { name: 'acme' })).status).toBe(201);
    for (const name of ['mirror', 'manual']) expect((await api('POST', '/api/v1/tenants/acme/repos', ADMIN, { name })).status).toBe(201);
    const token = async (scopes: string[]): Promise<string> =>
      ((await (await api('POST', '/api/v1/tenants/acme/tokens', ADMIN, { scopes })).json()) as { token: string }).token;
    admin = await token(['admin']);
    read = await token(['read']);
    expect((await api('POST', '/api/v1/tenants/acme/keys', admin, keys.rsa.armoredPublicKey)).status).toBe(201);
    const m = await api('POST', '/api/v1/repos/acme/mirror/mirror', admin, { from: `${origin.url}/`, key: keys.rsa.armoredPublicKey, intervalSeconds: INTERVAL });
    expect(m.status, await m.clone().text()).toBe(201);
    expect(await m.json()).toMatchObject({ mode: 'complete', verify: true, intervalSeconds: INTERVAL, lastRun: null });
    const h = await api('POST', '/api/v1/repos/acme/manual/mirror', admin, { from: `${origin.url}/`, key: keys.rsa.armoredPublicKey, intervalSeconds: 0 });
    expect(h.status, await h.clone().text()).toBe(201);
    expect((await get('/acme/mirror/repodata/repomd.xml')).status).toBe(404);
  });

  it('a tick runs the due mirror: upstream repomd.xml, its signature and the packages are served bit for bit', async () => {
    const since = origin.requests.length;
    const out = await tick();
    expect(out).toContainEqual(expect.stringMatching(/^information: mirror acme\/mirror: updated .*added=3 /));
    expect(out).toContainEqual('information: mirror: 1 due mirror(s) run');
    expect(rpmRequests(since)).toEqual(pool.slice(0, 3).map((f) => basename(f)).sort());

    const repomd = await get('/acme/mirror/repodata/repomd.xml');
    expect(repomd.status).toBe(200);
    expect(await repomd.text()).toBe(readFileSync(join(upstream, 'repodata', 'repomd.xml'), 'utf8'));
    expect(await (await get('/acme/mirror/repodata/repomd.xml.asc')).text()).toBe(readFileSync(join(upstream, 'repodata', 'repomd.xml.asc'), 'utf8'));
    const file = pool[0]!;
    const pkg = await get(`/acme/mirror/${basename(file)}`);
    expect(pkg.status).toBe(200);
    expect(Buffer.from(await pkg.arrayBuffer()).equals(readFileSync(file))).toBe(true);
    expect(await lastRun('mirror')).toMatchObject({ ok: true, outcome: 'updated' });
    // intervalSeconds 0: only by hand, never by the timer
    expect(await lastRun('manual')).toBeNull();
    expect(bridge.errors).toEqual([]);
  }, 120_000);

  it('the next tick inside the interval asks upstream nothing', async () => {
    const since = origin.requests.length;
    const out = await tick();
    expect(out).toEqual(['information: mirror: 0 due mirror(s) run']);
    expect(origin.requests.slice(since)).toEqual([]);
  });

  it('once the interval has passed, a tick brings an upstream change over, fetching only the new package', async () => {
    const before = Date.parse((await lastRun('mirror'))!.startedAt);
    copyFileSync(pool[3]!, join(upstream, basename(pool[3]!)));
    await publishUpstream(upstream);
    const wait = before + INTERVAL * 1000 + 50 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const since = origin.requests.length;
    const out = await tick();
    expect(out).toContainEqual(expect.stringMatching(/^information: mirror acme\/mirror: updated .*added=1 removed=0 /));
    expect(rpmRequests(since)).toEqual([basename(pool[3]!)]);
    expect(await (await get('/acme/mirror/repodata/repomd.xml')).text()).toBe(readFileSync(join(upstream, 'repodata', 'repomd.xml'), 'utf8'));
    const list = (await (await get('/api/v1/repos/acme/mirror/packages')).json()) as { packages: unknown[] };
    expect(list.packages).toHaveLength(4);
  }, 120_000);

  it('a failing upstream is recorded on the mirror and logged as a warning, without failing the invocation', async () => {
    await origin.close();
    const before = Date.parse((await lastRun('mirror'))!.startedAt);
    const wait = before + INTERVAL * 1000 + 50 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const out = await tick();
    expect(out).toContainEqual(expect.stringMatching(/^warning: mirror acme\/mirror: failed \(/));
    expect(await lastRun('mirror')).toMatchObject({ ok: false, outcome: 'failed' });
    // what was mirrored before is still served
    expect((await get('/acme/mirror/repodata/repomd.xml')).status).toBe(200);
  }, 120_000);
});
