// End to end on the Azure Functions entry point: functions/index.ts loaded with a fake host API,
// storage and queue on Azurite, the HTTP function behind a loopback bridge, the queue drained by
// invoking the registered queue handler with each message, and real dnf installing from it
// (repo_gpgcheck=1 with the repo's metadata key, gpgcheck=1 with the publisher key, Basic auth).
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { InvocationContext } from '@azure/functions';
import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetAzureRuntime } from '../../src/adapters/azure/deps.js';
import { disposeDnfWork } from '../helpers/dnf.js';
import { azuriteUnavailableReason, startAzurite, type Azurite } from '../helpers/azurite.js';
import { disposeTestKeyring, rpmSign, testKeyring, type TestKeyring } from '../helpers/gpg.js';
import { buildMany, rpmbuild, specBytes } from '../helpers/rpmbuild.js';
import { run, type RunResult } from '../helpers/run.js';
import { announceSkip, findTool, skipReason } from '../helpers/tools.js';
import { startBridge, type Bridge } from './functions-bridge.js';
import { installFakeFunctionsCore, type FakeCore } from './fake-functions-core.js';

const reason = skipReason({ tools: ['dnf', 'rpm', 'rpmbuild', 'rpmsign', 'gpg'], root: true }) ?? azuriteUnavailableReason();
announceSkip('Azure Functions end-to-end', reason);

const ADMIN = `op-${randomUUID()}`;
const QUEUE = `berth-events-${process.pid}`;
const work = mkdtempSync(join(tmpdir(), 'berth-func-'));

describe.skipIf(reason !== null)('Azure Functions end to end (Azurite blob + queue, real dnf)', () => {
  let azurite: Azurite;
  let core: FakeCore;
  let bridge: Bridge;
  let queue: QueueClient;
  let keys: TestKeyring;
  let rpms: string[];
  const tokens = { admin: '', publish: '', read: '' };
  const repoUrl = (): string => `${bridge.url}/acme/main`;
  const basic = (): string => `Basic ${Buffer.from(`dnf:${tokens.read}`).toString('base64')}`;
  const handler = (name: string) => {
    const r = core.registrations.get(name);
    if (!r) throw new Error(`${name} is not registered`);
    return r.handler;
  };
  const api = async (method: string, path: string, token: string, body?: unknown): Promise<Response> =>
    fetch(`${bridge.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined || typeof body === 'string' ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });

  /** Delivers every queued message to the queue function, a batch at a time, as the host would. */
  const drainQueue = async (): Promise<number> => {
    let delivered = 0;
    for (;;) {
      const batch = (await queue.receiveMessages({ numberOfMessages: 16, visibilityTimeout: 60 })).receivedMessageItems;
      if (batch.length === 0) return delivered;
      await Promise.all(batch.map(async (m) => {
        const text = Buffer.from(m.messageText, 'base64').toString('utf8');
        let payload: unknown = text;
        try {
          payload = JSON.parse(text); // the Node worker hands JSON messages over parsed
        } catch {
          // plain text stays a string
        }
        const context = new InvocationContext({
          functionName: 'regenerate', invocationId: randomUUID(), logHandler: () => undefined,
          triggerMetadata: { id: m.messageId, dequeueCount: m.dequeueCount },
        });
        await handler('regenerate')(payload, context);
        await queue.deleteMessage(m.messageId, m.popReceipt);
      }));
      delivered += batch.length;
    }
  };

  beforeAll(async () => {
    const started = await startAzurite({ queue: true });
    if (started?.queueEndpoint === undefined) throw new Error('azurite did not start with a queue service');
    azurite = started;
    Object.assign(process.env, {
      AzureWebJobsStorage: azurite.connectionString,
      BERTH_CONTAINER: `berth-func-${process.pid}`,
      BERTH_QUEUE: QUEUE,
      BERTH_ADMIN_TOKEN_SHA256: createHash('sha256').update(ADMIN).digest('hex'),
    });
    delete process.env['BERTH_STORAGE_ACCOUNT_URL'];
    resetAzureRuntime();
    core = installFakeFunctionsCore();
    await import('../../functions/index.js');
    for (const hook of core.hooks.get('appStart') ?? []) await hook({});
    bridge = await startBridge(handler('berth'));
    queue = QueueServiceClient.fromConnectionString(azurite.connectionString).getQueueClient(QUEUE);

    const dir = join(work, 'rpms');
    const [bench, lib, app, kr] = await Promise.all([
      buildMany(3, dir), rpmbuild('berth-lib', specBytes('berth-lib'), dir), rpmbuild('berth-app', specBytes('berth-app'), dir), testKeyring(),
    ]);
    keys = kr;
    rpms = [...bench, ...lib, ...app];
    await rpmSign(rpms, 'rsa');
  }, 300_000);

  afterAll(async () => {
    await bridge?.close();
    await azurite?.stop();
    await disposeTestKeyring();
    disposeDnfWork(work);
  }, 60_000);

  it('sets up a tenant, a private repo, a trusted key and tokens through the HTTP function', async () => {
    expect((await api('POST', '/api/v1/tenants', ADMIN, { name: 'acme' })).status).toBe(201);
    const repo = await api('POST', '/api/v1/tenants/acme/repos', ADMIN, { name: 'main' });
    expect(repo.status, await repo.clone().text()).toBe(201);
    expect(await repo.json()).toMatchObject({ name: 'main', public: false, allowUnsigned: false });
    const admin = await api('POST', '/api/v1/tenants/acme/tokens', ADMIN, { scopes: ['admin'] });
    expect(admin.status).toBe(201);
    tokens.admin = ((await admin.json()) as { token: string }).token;
    const key = await api('POST', '/api/v1/tenants/acme/keys', tokens.admin, keys.rsa.armoredPublicKey);
    expect(key.status, await key.clone().text()).toBe(201);
    expect(((await key.json()) as { fingerprint: string }).fingerprint).toBe(keys.rsa.fingerprint.toUpperCase());
    for (const [name, scope] of [['publish', 'publish'], ['read', 'read']] as const) {
      const t = await api('POST', '/api/v1/tenants/acme/tokens', tokens.admin, { scopes: [scope], repos: ['main'] });
      expect(t.status).toBe(201);
      tokens[name] = ((await t.json()) as { token: string }).token;
    }
    // A wrong operator credential is refused (the hash in the settings is what counts).
    expect((await api('POST', '/api/v1/tenants', `${ADMIN}x`, { name: 'evil' })).status).toBe(401);
  });

  it('accepts streamed uploads and enqueues one base64 message per change; repodata appears only once the queue is drained', async () => {
    const revisions: number[] = [];
    for (const file of rpms) {
      const res = await fetch(`${repoUrl().replace('/acme/main', '')}/api/v1/repos/acme/main/packages`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${tokens.publish}`, 'content-type': 'application/x-rpm', 'content-length': String(statSync(file).size) },
        body: Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>,
        duplex: 'half',
      } as RequestInit);
      expect(res.status, await res.clone().text()).toBe(201);
      revisions.push(((await res.json()) as { revision: number }).revision);
    }
    expect(revisions).toEqual(rpms.map((_, i) => i + 1));
    const props = await queue.getProperties();
    expect(props.approximateMessagesCount).toBe(rpms.length);
    const peeked = (await queue.peekMessages({ numberOfMessages: 1 })).peekedMessageItems[0]!;
    expect(JSON.parse(Buffer.from(peeked.messageText, 'base64').toString('utf8'))).toEqual({ tenant: 'acme', repo: 'main', revision: 1 });

    expect((await fetch(`${repoUrl()}/repodata/repomd.xml`, { headers: { authorization: basic() } })).status).toBe(404);
    expect(await drainQueue()).toBe(rpms.length);
    const repomd = await fetch(`${repoUrl()}/repodata/repomd.xml`, { headers: { authorization: basic() } });
    expect(repomd.status).toBe(200);
    expect(repomd.headers.get('cache-control')).toMatch(/no-cache/);
    expect(repomd.headers.get('etag')).toBeTruthy();
    expect(await repomd.text()).toContain(`<revision>${rpms.length}</revision>`);
    expect(bridge.errors).toEqual([]);
  }, 120_000);

  it('dnf installs a package with its dependency through the function (repo_gpgcheck + gpgcheck, Basic auth)', async () => {
    const base = join(work, 'dnf');
    const [root, reposd, cache] = ['root', 'repos.d', 'cache'].map((d) => join(base, d)) as [string, string, string];
    for (const d of [root, reposd, cache]) mkdirSync(d, { recursive: true });
    const conf = join(base, 'dnf.conf');
    writeFileSync(conf, ['[main]', 'gpgcheck=1', 'repo_gpgcheck=1', 'skip_if_unavailable=False', 'install_weak_deps=False',
      `reposdir=${reposd}`, `cachedir=${cache}`, `logdir=${join(base, 'log')}`, 'keepcache=False', ''].join('\n'));
    writeFileSync(join(reposd, 'berth.repo'), ['[berth]', 'name=Berth on Functions', `baseurl=${repoUrl()}`, 'enabled=1',
      'gpgcheck=1', 'repo_gpgcheck=1', `gpgkey=${repoUrl()}/repodata/repomd.xml.key file://${keys.rsa.publicKeyFile}`,
      'username=dnf', `password=${tokens.read}`, 'metadata_expire=0', ''].join('\n'));
    const r: RunResult = await run(findTool('dnf') ?? 'dnf', ['--config', conf, '--installroot', root, '--releasever', '1',
      `--setopt=reposdir=${reposd}`, `--setopt=cachedir=${cache}`, '--disablerepo=*', '--enablerepo=berth', '-y',
      'install', 'berth-app', 'berth-bench-2'], { allowFail: true, env: { LC_ALL: 'C.UTF-8' } });
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const q = await run(findTool('rpm') ?? 'rpm', ['--root', root, '-q', '--qf', '%{NEVRA}\n', 'berth-app', 'berth-lib', 'berth-bench-2'],
      { allowFail: true, env: { HOME: '/root' } });
    expect(q.code, q.stdout + q.stderr).toBe(0);
    expect(q.stdout.trim().split('\n').sort()).toEqual(['berth-app-2.0-1.noarch', 'berth-bench-2-1.0-1.noarch', 'berth-lib-1.2-1.noarch']);

    const anon = await fetch(`${repoUrl()}/repodata/repomd.xml`);
    expect(anon.status).toBe(401);
    expect(anon.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect(bridge.errors).toEqual([]);
  }, 300_000);

  it('serves byte ranges of a package intact through the response conversion', async () => {
    const list = await api('GET', '/api/v1/repos/acme/main/packages', tokens.read);
    const pkgs = ((await list.json()) as { packages: { location: string; size: number }[] }).packages;
    const p = pkgs[0]!;
    const res = await fetch(`${repoUrl()}/${p.location}`, { headers: { authorization: basic(), range: 'bytes=0-3' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes 0-3/${p.size}`);
    expect([...new Uint8Array(await res.arrayBuffer())]).toEqual([0xed, 0xab, 0xee, 0xdb]); // RPM lead magic
  });

  it('a duplicate or stale message is a no-op; a malformed one fails (to be retried, then poisoned)', async () => {
    const before = await fetch(`${repoUrl()}/repodata/repomd.xml`, { headers: { authorization: basic() } });
    const etag = before.headers.get('etag');
    const ctx = new InvocationContext({ functionName: 'regenerate', logHandler: () => undefined });
    await handler('regenerate')({ tenant: 'acme', repo: 'main', revision: 1 }, ctx);
    const after = await fetch(`${repoUrl()}/repodata/repomd.xml`, { headers: { authorization: basic() } });
    expect(after.headers.get('etag')).toBe(etag);
    await expect(Promise.resolve(handler('regenerate')('not json', ctx))).rejects.toThrow(/not JSON/);
    await expect(Promise.resolve(handler('regenerate')({ tenant: 'acme' }, ctx))).rejects.toMatchObject({ code: 'invalid_queue_message' });
  });

  it('a delete reaches the metadata after the queue is drained; the GC timer keeps what is current', async () => {
    const list = await api('GET', '/api/v1/repos/acme/main/packages', tokens.read);
    const victim = ((await list.json()) as { packages: { sha256: string; name: string }[] }).packages.find((x) => x.name === 'berth-bench-3')!;
    const del = await api('DELETE', `/api/v1/repos/acme/main/packages/${victim.sha256}`, tokens.publish);
    expect(del.status).toBe(200);
    const { revision } = (await del.json()) as { revision: number };
    expect(await drainQueue()).toBe(1);
    const repomd = await (await fetch(`${repoUrl()}/repodata/repomd.xml`, { headers: { authorization: basic() } })).text();
    expect(repomd).toContain(`<revision>${revision}</revision>`);

    const timerCtx = new InvocationContext({ functionName: 'gc', logHandler: () => undefined });
    await handler('gc')({ isPastDue: false, scheduleStatus: { last: '', next: '', lastUpdated: '' } }, timerCtx);
    const files = [...repomd.matchAll(/href="(repodata\/[^"]+)"/g)].map((m) => m[1]!);
    expect(files).toHaveLength(3);
    for (const f of files) expect((await fetch(`${repoUrl()}/${f}`, { headers: { authorization: basic() } })).status).toBe(200);
  });
});
