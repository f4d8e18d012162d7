// Same answers from all three runtimes: one repo state on one Azurite container, written through
// `berth serve`, then one table of dnf read-path requests (test/runtimes/table.ts) sent to
// (1) the Node server, (2) the Azure Functions HTTP handler behind the loopback bridge, (3) the
// Worker in workerd in its azure-sas read mode (container SAS, read + list) and (4) the Worker in
// workerd in its read-write R2 mode, from the real wrangler.jsonc, on a local R2 bucket holding a
// byte-for-byte copy of the container. Every row must give the same status, body bytes and
// compared headers everywhere. ETags of stored files name the stored object, and R2 names the same
// bytes differently from Azure Blob: those are compared within each store (and must hold across
// the two rounds); ETags made from content (repomd.xml, .asc, .key) are compared everywhere.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ContainerSASPermissions, generateBlobSASQueryParameters, StorageSharedKeyCredential } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetAzureRuntime } from '../../src/adapters/azure/deps.js';
import { startBridge, type Bridge } from '../azure/functions-bridge.js';
import { installFakeFunctionsCore } from '../azure/fake-functions-core.js';
import { RemoteStore } from '../cloudflare/remote-store.js';
import { startWorkerProcess, workerdUnavailableReason, type LocalWorker } from '../cloudflare/workerd.js';
import { listAll } from '../../src/storage/blob-store.js';
import { createAzureBlobStore } from '../../src/storage/azure-store.js';
import { AZURITE_ACCOUNT, AZURITE_KEY, azuriteUnavailableReason, startAzurite, type Azurite } from '../helpers/azurite.js';
import { eventually, startBerthServer, type BerthServer } from '../helpers/service.js';
import { rpmbuild, specBytes } from '../helpers/rpmbuild.js';
import { disposeSignedPackages, signedPackages, signedPackagesReason } from '../helpers/signed-packages.js';
import { announceSkip } from '../helpers/tools.js';
import { COMPARED_HEADERS, TABLE, type Credential, type Row, type State } from './table.js';

const reason = azuriteUnavailableReason() ?? signedPackagesReason();
announceSkip('same answers from all three runtimes', reason);
const workerdReason = reason === null ? workerdUnavailableReason() : null;
announceSkip('same answers: the Worker columns (azure-sas, r2)', workerdReason);

const ADMIN = `op-${randomUUID()}`;
const CONTAINER = `berth-same-${process.pid}`;
// One public URL for all three, so config.repo (which names it) is comparable byte for byte.
const PUBLIC_URL = 'https://repo.example.test';

interface Answer {
  status: number;
  headers: Record<string, string | null>;
  etag: string | null;
  body: Uint8Array;
}

/** Problem bodies carry the per-request id; everything else in them must match. */
function comparableBody(a: Answer): unknown {
  const type = a.headers['content-type'] ?? '';
  if (type.startsWith('application/problem+json') && a.body.length > 0) {
    const { requestId: _id, ...rest } = JSON.parse(new TextDecoder().decode(a.body)) as Record<string, unknown>;
    return rest;
  }
  return { bytes: a.body.length, sha256: createHash('sha256').update(a.body).digest('hex') };
}

describe.skipIf(reason !== null)('same answers from the Node server, Azure Functions, the Worker over SAS and the Worker on R2 (one data set)', () => {
  const work = mkdtempSync(join(tmpdir(), 'berth-same-'));
  let azurite: Azurite;
  let server: BerthServer;
  let bridge: Bridge;
  let worker: LocalWorker | null = null;
  let r2Worker: LocalWorker | null = null;
  let workerLogs = '';
  const state: State = {
    tenant: 'acme', privateRepo: 'main', publicRepo: 'pub',
    primary: { private: '', public: '' }, pkg: { private: '', public: '', size: 0 }, tokens: { read: '', other: '' },
  };
  /** `storage`: the store the runtime reads (ETags of stored files are compared within one). */
  const runtimes: { name: string; storage: 'azurite' | 'r2'; base: () => string }[] = [];
  let signedFile = '';

  const api = async (path: string, token: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> => {
    const { json, ...rest } = init;
    const res = await fetch(`${server.url}${path}`, {
      method: 'POST',
      ...rest,
      headers: {
        ...(rest.headers as Record<string, string> | undefined),
        authorization: `Bearer ${token}`,
        ...(json === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    } as RequestInit);
    if (res.status >= 300) throw new Error(`${init.method ?? 'POST'} ${path}: ${res.status} ${await res.text()}`);
    return res;
  };
  const push = async (repo: string, token: string, file: string): Promise<number> => {
    const res = await api(`/api/v1/repos/acme/${repo}/packages`, token, {
      method: 'PUT',
      headers: { 'content-type': 'application/x-rpm', 'content-length': String(statSync(file).size) },
      body: Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>,
      duplex: 'half',
    } as RequestInit);
    return ((await res.json()) as { revision: number }).revision;
  };

  /** The served repomd.xml of `repo`, once it is built from index revision >= `revision`. */
  const repomdAt = (repo: string, revision: number, auth: Record<string, string>): Promise<string> =>
    eventually(`${repo} repomd revision ${revision}`, async () => {
      const res = await fetch(`${server.url}/acme/${repo}/repodata/repomd.xml`, { headers: auth });
      if (res.status !== 200) return undefined;
      const text = await res.text();
      const m = /<revision>(\d+)<\/revision>/.exec(text);
      return m && Number(m[1]) >= revision ? text : undefined;
    });

  beforeAll(async () => {
    const started = await startAzurite({ queue: true });
    if (started?.queueEndpoint === undefined) throw new Error('azurite did not start with a queue service');
    azurite = started;

    // (1) The Node server writes the state (its in-process sink regenerates).
    server = await startBerthServer({
      data: join(work, 'data'),
      env: { BERTH_ADMIN_TOKEN: ADMIN, AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString, BERTH_CONTAINER: CONTAINER, BERTH_PUBLIC_URL: PUBLIC_URL },
    });
    for (const name of ['acme', 'other']) await api('/api/v1/tenants', ADMIN, { json: { name } });
    await api('/api/v1/tenants/acme/repos', ADMIN, { json: { name: 'main' } });
    // An unsigned package gives the public repo more than one package.
    await api('/api/v1/tenants/acme/repos', ADMIN, { json: { name: 'pub', public: true, allowUnsigned: true } });
    const token = async (tenant: string, body: unknown): Promise<string> =>
      ((await (await api(`/api/v1/tenants/${tenant}/tokens`, ADMIN, { json: body })).json()) as { token: string }).token;
    const admin = await token('acme', { scopes: ['admin'] });
    state.tokens.read = await token('acme', { scopes: ['read'], repos: ['main'] });
    state.tokens.other = await token('other', { scopes: ['read'] });
    const built = await signedPackages();
    await api('/api/v1/tenants/acme/keys', admin, { body: built.keys.rsa.armoredPublicKey });
    signedFile = built.file['rsa-signed'];
    const [unsigned] = await rpmbuild('berth-latin1', specBytes('berth-latin1'), join(work, 'unsigned'));

    const signed = signedFile;
    const privRev = await push('main', admin, signed);
    await push('pub', admin, unsigned!);
    const pubRev = await push('pub', admin, signed);

    const basic = { authorization: `Basic ${Buffer.from(`dnf:${state.tokens.read}`).toString('base64')}` };
    const privRepomd = await repomdAt('main', privRev, basic);
    const pubRepomd = await repomdAt('pub', pubRev, {});
    const primaryOf = (xml: string): string => {
      const href = /href="(repodata\/[0-9a-f]{64}-primary\.xml\.gz)"/.exec(xml)?.[1];
      if (href === undefined) throw new Error(`no primary in repomd.xml:\n${xml}`);
      return href;
    };
    state.primary = { private: primaryOf(privRepomd), public: primaryOf(pubRepomd) };
    const list = async (repo: string): Promise<{ location: string; size: number; nevra?: string }[]> =>
      ((await (await api(`/api/v1/repos/acme/${repo}/packages`, admin, { method: 'GET' })).json()) as { packages: { location: string; size: number }[] }).packages;
    const privPkg = (await list('main'))[0]!;
    const pubPkg = (await list('pub')).find((p) => p.location.includes('berth-signed'))!;
    state.pkg = { private: privPkg.location, public: pubPkg.location, size: privPkg.size };
    runtimes.push({ name: 'node', storage: 'azurite', base: () => server.url });

    // (2) The Azure Functions handler on the same container.
    Object.assign(process.env, {
      AzureWebJobsStorage: azurite.connectionString,
      BERTH_CONTAINER: CONTAINER,
      BERTH_QUEUE: `berth-same-${process.pid}`,
      BERTH_ADMIN_TOKEN_SHA256: createHash('sha256').update(ADMIN).digest('hex'),
      BERTH_PUBLIC_URL: PUBLIC_URL,
    });
    delete process.env['BERTH_STORAGE_ACCOUNT_URL'];
    resetAzureRuntime();
    const core = installFakeFunctionsCore();
    await import('../../functions/index.js');
    for (const hook of core.hooks.get('appStart') ?? []) await hook({});
    const http = core.registrations.get('berth');
    if (!http) throw new Error('the berth HTTP function is not registered');
    bridge = await startBridge(http.handler);
    runtimes.push({ name: 'azure-functions', storage: 'azurite', base: () => bridge.url });

    // (3) The Worker, read-only over the same container through a container SAS (sp=rl).
    if (workerdReason === null) {
      const sas = generateBlobSASQueryParameters({
        containerName: CONTAINER, permissions: ContainerSASPermissions.parse('rl'), expiresOn: new Date(Date.now() + 3600_000),
      }, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY)).toString();
      worker = await startWorkerProcess({
        config: 'infra/cloudflare/wrangler.jsonc',
        bindings: {
          BERTH_STORAGE: { type: 'plain_text', value: 'azure-sas' },
          AZURE_BLOB_CONTAINER_URL: { type: 'plain_text', value: `${azurite.blobEndpoint}/${CONTAINER}` },
          AZURE_BLOB_SAS: { type: 'secret_text', value: sas },
          BERTH_PUBLIC_URL: { type: 'plain_text', value: PUBLIC_URL },
        },
        dev: { persist: false },
      }, (text) => (workerLogs += text));
      const w = worker;
      runtimes.push({ name: 'worker-azure-sas', storage: 'azurite', base: () => w.url.origin });

      // (4) The Worker on R2, read-write (the real config: BUCKET and EVENTS bindings). A test
      // Worker bound to the same bucket copies every blob of the container in, byte for byte; the
      // real Worker then starts on that persisted bucket.
      const persist = join(work, 'r2-state');
      const copier = await startWorkerProcess({
        entrypoint: 'test/cloudflare/harness/store-worker.ts',
        compatibilityDate: '2026-11-01',
        compatibilityFlags: ['nodejs_compat'],
        bindings: { BUCKET: { type: 'r2_bucket', bucket_name: 'berth' } },
        dev: { persist, logLevel: 'warn' },
      });
      try {
        const from = createAzureBlobStore({ connectionString: azurite.connectionString, container: CONTAINER });
        const to = new RemoteStore(copier.url);
        let copied = 0;
        for await (const item of listAll(from, '')) {
          const obj = await from.get(item.key);
          if (!obj) continue;
          const bytes = new Uint8Array(await new Response(obj.body).arrayBuffer());
          await to.put(item.key, bytes, { ...(obj.contentType ? { contentType: obj.contentType } : {}), ...(Object.keys(obj.metadata).length ? { metadata: obj.metadata } : {}) });
          copied++;
        }
        expect(copied).toBeGreaterThan(10);
      } finally {
        await copier.dispose();
      }
      r2Worker = await startWorkerProcess({
        config: 'infra/cloudflare/wrangler.jsonc',
        bindings: {
          BERTH_ADMIN_TOKEN: { type: 'secret_text', value: ADMIN },
          BERTH_PUBLIC_URL: { type: 'plain_text', value: PUBLIC_URL },
        },
        dev: { persist },
      }, (text) => (workerLogs += text));
      const r2 = r2Worker;
      runtimes.push({ name: 'worker-r2', storage: 'r2', base: () => r2.url.origin });
    }
  }, 300_000);

  afterAll(async () => {
    await worker?.dispose();
    await r2Worker?.dispose();
    await bridge?.close();
    if (server) await server.stop();
    await azurite?.stop();
    await disposeSignedPackages();
    rmSync(work, { recursive: true, force: true });
  }, 60_000);

  const credential = (c: Credential): Record<string, string> => {
    if (c === 'none') return {};
    const token = c === 'read' ? state.tokens.read : state.tokens.other;
    return { authorization: `Basic ${Buffer.from(`dnf:${token}`).toString('base64')}` };
  };

  async function ask(base: string, row: Row): Promise<Answer> {
    // Identity (Node's fetch would offer gzip): Cloudflare, and miniflare emulating it, gzips text
    // types such as repomd.xml and config.repo for a client that accepts gzip, and such an answer
    // has no identity length to declare (docs/cloudflare.md).
    const headers: Record<string, string> = { ...credential(row.auth), 'accept-encoding': 'identity' };
    if (row.range) headers['range'] = row.range(state);
    const res = await fetch(`${base}${row.path(state)}`, { method: row.method, headers });
    const got: Record<string, string | null> = {};
    for (const h of COMPARED_HEADERS) got[h] = res.headers.get(h);
    return { status: res.status, headers: got, etag: res.headers.get('etag'), body: new Uint8Array(await res.arrayBuffer()) };
  }

  it('runs against every runtime available here', () => {
    expect(runtimes.map((r) => r.name)).toEqual(['node', 'azure-functions', ...(workerdReason === null ? ['worker-azure-sas', 'worker-r2'] : [])]);
  });

  for (const row of TABLE) {
    it(row.name, async () => {
      // Twice through each runtime: the Worker's second answer for an immutable file comes from its
      // edge cache (filled after the first), and must still be the same answer.
      const answers: { name: string; storage: string; answer: Answer }[] = [];
      for (const round of [1, 2]) {
        for (const r of runtimes) answers.push({ name: `${r.name}#${round}`, storage: r.storage, answer: await ask(r.base(), row) });
      }
      const ref = answers[0]!.answer;
      expect(ref.status, `${row.name} on node`).toBe(row.status);
      // Every difference at once, so a failing row shows the whole picture.
      const diffs: string[] = [];
      const differ = (name: string, what: string, got: unknown, want: unknown): void => {
        if (JSON.stringify(got) !== JSON.stringify(want)) diffs.push(`${name} ${what}: ${JSON.stringify(got)} (node: ${JSON.stringify(want)})`);
      };
      for (const { name, storage, answer } of answers) {
        differ(name, 'status', answer.status, ref.status);
        differ(name, 'body', comparableBody(answer), comparableBody(ref));
        for (const h of COMPARED_HEADERS) {
          if (row.differs?.[h] !== undefined) continue;
          differ(name, h, answer.headers[h], ref.headers[h]);
        }
        // ETags made from content are the same everywhere; those of stored files name the stored
        // object, the same one for every runtime on one store.
        if (row.etag !== false && (answer.status === 200 || answer.status === 206)) {
          if (!answer.etag) diffs.push(`${name} has no etag`);
          const same = row.etag === 'stored' ? answers.find((a) => a.storage === storage)!.answer : ref;
          differ(name, 'etag', answer.etag, same.etag);
        }
      }
      const logs = diffs.some((d) => d.startsWith('worker')) ? `\n${workerLogs.slice(-2000)}` : '';
      expect(diffs, `${row.name}${logs}`).toEqual([]);
      // What the answer must be, not only that the runtimes agree on it.
      if (row.method === 'HEAD') expect(ref.body.length).toBe(0);
      if (ref.status === 206) expect(ref.headers['content-range']).toMatch(/^bytes \d+-\d+\/\d+$/);
      if (ref.status === 416) expect(ref.headers['content-range']).toBe(`bytes */${state.pkg.size}`);
      if (ref.status === 401) expect(ref.headers['www-authenticate']).toMatch(/^Basic /);
      if (ref.status === 200 && row.method === 'GET') expect(Number(ref.headers['content-length'] ?? ref.body.length)).toBe(ref.body.length);
    }, 60_000);
  }

  it('the package served in full is the published file, and its ranges are slices of it', async () => {
    const whole = await ask(runtimes[0]!.base(), { name: '', method: 'GET', path: (s) => `/acme/main/${s.pkg.private}`, auth: 'read', status: 200 });
    const file = await readFile(signedFile);
    expect(Buffer.from(whole.body).equals(file)).toBe(true);
    for (const r of runtimes) {
      const part = await ask(r.base(), { name: '', method: 'GET', path: (s) => `/acme/main/${s.pkg.private}`, auth: 'read', range: () => 'bytes=0-3', status: 206 });
      expect([...part.body], r.name).toEqual([0xed, 0xab, 0xee, 0xdb]);
    }
    expect(bridge.errors).toEqual([]);
  });
});
