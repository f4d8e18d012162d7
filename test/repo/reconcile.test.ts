// Catch-up after a crash between a publish's 201 and its in-process regeneration: the package
// is in the index, not yet in repomd.xml. reconcileRepos finds such repos; `berth serve`
// regenerates them at start.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/adapters/node/config.js';
import { buildAppDeps } from '../../src/adapters/node/deps.js';
import { jsonLogger } from '../../src/adapters/node/logger.js';
import { operatorTokenHash } from '../../src/auth/operator.js';
import { createApp } from '../../src/http/app.js';
import type { RepoChanged } from '../../src/repo/events.js';
import { reconcileRepos } from '../../src/repo/reconcile.js';
import type { BlobStore } from '../../src/storage/blob-store.js';
import { createFsBlobStore } from '../../src/storage/fs-store.js';
import { createMemoryBlobStore } from '../../src/storage/memory-store.js';
import { currentGenerationKey, indexKey } from '../../src/storage/keys.js';
import { eventually, startBerthServer } from '../helpers/service.js';
import { syntheticRpm } from './support.js';

const OPERATOR = 'operator-secret-for-reconcile';
const auth = { authorization: `Bearer ${OPERATOR}` };

/** The API on `store`; `crashed` drops every publish event, as a process killed right after its 201. */
async function service(store: BlobStore) {
  const logger = jsonLogger(() => undefined);
  const { deps, sink } = buildAppDeps(loadConfig({}), store, await operatorTokenHash(OPERATOR), logger);
  const app = createApp(deps);
  const crashed = createApp({ ...deps, events: { send: () => Promise.resolve() } });
  const json = { ...auth, 'content-type': 'application/json' };
  expect((await app.request('/api/v1/tenants', { method: 'POST', headers: json, body: JSON.stringify({ name: 'acme' }) })).status).toBe(201);
  const repo = { name: 'main', public: true, allowUnsigned: true };
  expect((await app.request('/api/v1/tenants/acme/repos', { method: 'POST', headers: json, body: JSON.stringify(repo) })).status).toBe(201);
  const put = async (a: typeof app, name: string): Promise<void> => {
    expect((await a.request('/api/v1/repos/acme/main/packages', { method: 'PUT', headers: auth, body: syntheticRpm(name) })).status).toBe(201);
    await sink.idle();
  };
  return { publish: (name: string) => put(app, name), publishThenCrash: (name: string) => put(crashed, name) };
}

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 5));

describe('reconcileRepos', () => {
  it('sends an event for exactly the repos whose index is ahead of their metadata', async () => {
    const store = createMemoryBlobStore();
    const s = await service(store);
    const sent: RepoChanged[] = [];
    const events = { send: (e: RepoChanged) => Promise.resolve(void sent.push(e)) };

    expect(await reconcileRepos(store, events)).toEqual({ repos: 1, behind: [] }); // no index yet
    await s.publish('one');
    expect(await reconcileRepos(store, events)).toEqual({ repos: 1, behind: [] });
    await tick();
    await s.publishThenCrash('two');
    expect(await reconcileRepos(store, events)).toEqual({ repos: 1, behind: ['acme/main'] });
    expect(sent).toEqual([{ tenant: 'acme', repo: 'main', revision: 0 }]);
    await tick();
    await s.publish('three'); // the next regeneration includes 'two' as well
    expect(await reconcileRepos(store, events)).toEqual({ repos: 1, behind: [] });
  });

  it('compares revisions: a pointer written after the index (an older revision\'s late regeneration) does not hide the gap', async () => {
    const store = createMemoryBlobStore();
    const s = await service(store);
    const events = { send: () => Promise.resolve() };
    await s.publish('one');
    await tick();
    await s.publishThenCrash('two');
    await tick();
    // the regeneration of the revision before 'two' swaps its pointer only now, after the index moved on
    const key = currentGenerationKey('acme', 'main');
    const pointer = await store.get(key);
    await store.put(key, new Uint8Array(await new Response(pointer!.body).arrayBuffer()), { contentType: 'application/json' });
    expect((await store.head(key))!.lastModified.getTime()).toBeGreaterThan((await store.head(indexKey('acme', 'main')))!.lastModified.getTime());
    expect(await reconcileRepos(store, events)).toEqual({ repos: 1, behind: ['acme/main'] });
  });

  it('berth serve regenerates at start what a crashed process acknowledged but never regenerated', async () => {
    const data = mkdtempSync(join(tmpdir(), 'berth-reconcile-'));
    try {
      const s = await service(createFsBlobStore(data));
      await s.publish('before-crash');
      await tick();
      await s.publishThenCrash('acknowledged');
      const server = await startBerthServer({ data, env: { BERTH_ADMIN_TOKEN: OPERATOR } });
      try {
        const names = await eventually('the acknowledged package in primary.xml', async () => {
          const repomd = await (await fetch(`${server.url}/acme/main/repodata/repomd.xml`)).text();
          const href = /<data type="primary">[\s\S]*?<location href="([^"]+)"/.exec(repomd)?.[1];
          if (!href) return undefined;
          const primary = gunzipSync(Buffer.from(await (await fetch(`${server.url}/acme/main/${href}`)).arrayBuffer())).toString('utf8');
          const found = [...primary.matchAll(/<name>([^<]+)<\/name>/g)].map((m) => m[1]);
          return found.includes('acknowledged') ? found : undefined;
        }, 30_000);
        expect(names.sort()).toEqual(['acknowledged', 'before-crash']);
        expect(server.stderr()).toContain('regenerating repos whose metadata was behind their index');
      } finally {
        await server.stop();
      }
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  }, 60_000);
});
