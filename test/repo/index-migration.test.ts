// A store written in the former one-blob index layout (index.json = every package; a package list
// beside each generation record) keeps every package when the index with segments reads it,
// whoever reads it first and however many at once.
import { describe, expect, it } from 'vitest';
import { nodePlatform } from '../../src/adapters/node/platform.js';
import { readRpm } from '../../src/core/rpm/index.js';
import { addedOf, readChangeRecord, type ChangeRecord } from '../../src/repo/change-log.js';
import { changesSince } from '../../src/repo/changes-feed.js';
import { packagePlacement, type IndexEntry } from '../../src/repo/index-entry.js';
import { addPackage, readHead, readIndex } from '../../src/repo/index-store.js';
import { fragmentFile, packageRecord } from '../../src/repo/package-fragments.js';
import { deletePackage } from '../../src/repo/publish.js';
import { reconcileRepos } from '../../src/repo/reconcile.js';
import { storeTenancy } from '../../src/repo/tenancy-bindings.js';
import type { BlobStore } from '../../src/storage/blob-store.js';
import {
  changeKey, currentGenerationKey, generationKey, generationPackagesKey, indexKey, packageBlobKey,
} from '../../src/storage/keys.js';
import { appFor, bearer } from '../http/serving-app.js';
import { makeWorld, publish, secondInstance, servedPrimary, syntheticRpm, type World } from './support.js';

const N = 300;
const names = Array.from({ length: N }, (_, i) => `old${String(i).padStart(3, '0')}`);
const json = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v));

/**
 * What the former code left in a store after publishing `names` one by one: blobs, fragments,
 * index.json `{revision, updatedAt, packages, lastChange}` (insertion order, not sorted), the
 * change log, and one generation whose record has `chunks` and a `.packages.json` beside it.
 */
async function formerLayout(w: World): Promise<IndexEntry[]> {
  const { store } = w;
  const entries: IndexEntry[] = [];
  for (const [i, name] of names.entries()) {
    const bytes = syntheticRpm(name);
    const result = await readRpm((async function* () { yield bytes; })(), nodePlatform);
    const { filename, location } = packagePlacement(result.pkg);
    const addedAt = 1_700_000_000 + i;
    await store.put(packageBlobKey('acme', result.computed.fileSha256), bytes, { contentType: 'application/x-rpm' });
    const frag = fragmentFile(packageRecord(result, addedAt, location));
    if ('excluded' in frag) throw new Error('unrepresentable');
    // the former fragment files had no location metadata
    await store.put(`t/acme/r/main/fragments/${frag.sha256}.json`, json(frag), { contentType: 'application/json' });
    entries.push({
      sha256: result.computed.fileSha256, name, epoch: 0, version: '1.0', release: '1', arch: 'noarch', filename, location,
      size: bytes.length, addedAt, signer: null,
    });
    const record: ChangeRecord = { revision: i + 1, at: addedAt, added: [addedOf(entries[i]!)], removed: [] };
    await store.put(changeKey('acme', 'main', i + 1), json(record), { contentType: 'application/json' });
  }
  const last: ChangeRecord = { revision: N, at: 1_700_000_000 + N - 1, added: [addedOf(entries[N - 1]!)], removed: [] };
  await store.put(indexKey('acme', 'main'), json({ revision: N, updatedAt: last.at, packages: entries, lastChange: last }), { contentType: 'application/json' });
  const gen = generationKey('acme', 'main', N);
  await store.put(gen, json({ revision: N, createdAt: new Date().toISOString(), files: [], repomd: '<repomd/>', asc: '', chunks: [] }));
  await store.put(generationPackagesKey('acme', 'main', N), json(entries.map((e) => [e.location, e.sha256])));
  await store.put(currentGenerationKey('acme', 'main'), json({ revision: N, generation: gen }));
  return entries;
}

async function rawHead(store: BlobStore): Promise<Record<string, unknown>> {
  const obj = (await store.get(indexKey('acme', 'main')))!;
  return JSON.parse(await new Response(obj.body).text()) as Record<string, unknown>;
}

describe('migration from the one-blob index', () => {
  it('keeps every package, the revision, the change log and idempotent re-pushes; publishing continues on segments', async () => {
    const w = await makeWorld([{ name: 'main', public: true, allowUnsigned: true }]);
    const entries = await formerLayout(w);
    expect(await rawHead(w.store)).toHaveProperty('packages');

    const { index } = await readIndex(w.store, 'acme', 'main');
    expect(index.revision).toBe(N);
    expect(index.packages.map((p) => p.sha256).sort()).toEqual(entries.map((e) => e.sha256).sort());
    const head = await rawHead(w.store);
    expect(head).toMatchObject({ format: 2, revision: N, count: N });
    expect(head).not.toHaveProperty('packages');
    expect((await readHead(w.store, 'acme', 'main')).head.lastChange).toMatchObject({ revision: N });

    // the same bytes again: 200 with the original entry; a new package: the next revision
    const again = await publish(w, 'main', syntheticRpm('old123'));
    expect(again.status).toBe(200);
    expect(again.body.addedAt).toBe(1_700_000_123);
    const fresh = await publish(w, 'main', syntheticRpm('new'));
    expect(fresh.status).toBe(201);
    expect(fresh.body.revision).toBe(N + 1);
    expect(await readChangeRecord(w.store, 'acme', 'main', N + 1)).toMatchObject({ added: [{ sha256: fresh.body.sha256 }] });
    const feed = await changesSince(w.store, 'acme', 'main', N - 2);
    expect(feed).toMatchObject({ complete: true, to: N + 1 });
    expect(feed.added).toHaveLength(3);

    await w.sink.idle();
    const primary = await servedPrimary(w.store, 'acme', 'main');
    expect(primary.declared).toBe(N + 1);
    expect(primary.packages.map((p) => p.name).sort()).toEqual([...names, 'new'].sort());
  }, 60_000);

  it('a package deleted after the migration is still served from the former generation, through its package list', async () => {
    const w = await makeWorld([{ name: 'main', public: true, allowUnsigned: true }]);
    const entries = await formerLayout(w);
    const app = await appFor(w);
    const victim = entries[42]!;
    // the former fragment has no location metadata: the delete reads it from the fragment's body
    await deletePackage(w.deps, storeTenancy, { tenant: 'acme', repo: 'main', sha256: victim.sha256, actor: 'operator' });
    expect((await readIndex(w.store, 'acme', 'main')).index.packages).toHaveLength(N - 1);
    const res = await app.request(`/acme/main/${victim.location}`, { headers: bearer() });
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBeTruthy();
    await res.arrayBuffer();
  }, 60_000);

  it('two processes reading the former index at once migrate it once, and neither loses a publish', async () => {
    const a = await makeWorld([{ name: 'main', allowUnsigned: true }]);
    await formerLayout(a);
    const b = secondInstance(a);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      addPackage(i % 2 ? a.store : b.store, 'acme', 'main', {
        sha256: i.toString(16).padStart(64, 'a'), name: `x${i}`, epoch: 0, version: '1', release: '1', arch: 'noarch',
        filename: `x${i}-1-1.noarch.rpm`, location: `Packages/x/x${i}-1-1.noarch.rpm`, size: 1, addedAt: 1, signer: null,
      }, () => new Date())));
    expect(results.map((r) => r.outcome.kind)).toEqual(Array(20).fill('added'));
    const { index } = await readIndex(a.store, 'acme', 'main');
    expect(index.packages).toHaveLength(N + 20);
    expect(index.revision).toBeGreaterThan(N);
  }, 60_000);

  it('berth serve migrates at start (reconcile) and regenerates the repo', async () => {
    const w = await makeWorld([{ name: 'main', allowUnsigned: true }]);
    await formerLayout(w);
    await new Promise((r) => setTimeout(r, 5));
    const sent: string[] = [];
    const report = await reconcileRepos(w.store, { send: async (e) => void sent.push(`${e.tenant}/${e.repo}`) });
    expect(await rawHead(w.store)).toMatchObject({ format: 2, revision: N, count: N });
    expect(report.behind).toEqual(['acme/main']);
    expect(sent).toEqual(['acme/main']);
  }, 60_000);
});
