import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { nodePlatform } from '../../src/adapters/node/platform.js';
import { writeXmlFile, type XmlKind } from '../../src/core/repodata/xml-file.js';
import { chunkIdOf, decodeChunk, encodeChunk } from '../../src/repo/chunk-cache.js';
import { collectGarbage } from '../../src/repo/gc.js';
import { currentGeneration } from '../../src/repo/generations.js';
import { initIndex, readHead, readIndex } from '../../src/repo/index-store.js';
import { readList } from '../../src/repo/index-objects.js';
import { readFragmentFile } from '../../src/repo/package-fragments.js';
import { deletePackage } from '../../src/repo/publish.js';
import { compareEntries, regenerate } from '../../src/repo/regenerate.js';
import { storeTenancy } from '../../src/repo/tenancy-bindings.js';
import { listAll } from '../../src/storage/blob-store.js';
import { repodataKey, repoChunksPrefix } from '../../src/storage/keys.js';
import { makeWorld, publish, readBlob, servedPrimary, syntheticRpm, type World } from './support.js';

const KINDS: XmlKind[] = ['primary', 'filelists', 'other'];

function nodeSha(s: string): string {
  const h = nodePlatform.createHash('sha256');
  h.update(new TextEncoder().encode(s));
  return Buffer.from(h.digest()).toString('hex');
}

/**
 * A world whose publishes do not regenerate on their own (the test calls regenerate itself), and
 * whose index has small segments (about 4 packages each), so a few dozen packages make many chunks.
 */
async function quietWorld(): Promise<World> {
  const w = await makeWorld([{ name: 'open', allowUnsigned: true }]);
  w.deps = { ...w.deps, events: { send: async () => undefined } };
  await initIndex(w.store, 'acme', 'open', { divisor: 4 });
  return w;
}

async function currentChunkIds(w: World): Promise<string[]> {
  const { head } = await readHead(w.store, 'acme', 'open');
  return Promise.all((await readList(w.store, 'acme', 'open', head.list)).map((r) => chunkIdOf('gz', r.id)));
}

/** Each served file decompressed, plus its repomd record. */
async function servedFiles(w: World): Promise<Record<XmlKind, { xml: string; openChecksum: string }>> {
  const gen = (await currentGeneration(w.store, 'acme', 'open'))!.record;
  const out = {} as Record<XmlKind, { xml: string; openChecksum: string }>;
  for (const [i, kind] of KINDS.entries()) {
    const bytes = (await readBlob(w.store, repodataKey('acme', 'open', gen.files[i]!)))!;
    const open = new RegExp(`<data type="${kind}">[\\s\\S]*?<open-checksum type="sha256">([0-9a-f]{64})<`).exec(gen.repomd)![1]!;
    out[kind] = { xml: gunzipSync(bytes).toString('utf8'), openChecksum: open };
  }
  return out;
}

/** The same files written straight from the fragments, with no cache involved. */
async function uncachedFiles(w: World): Promise<Record<XmlKind, string>> {
  const { index } = await readIndex(w.store, 'acme', 'open');
  const entries = [...index.packages].sort(compareEntries);
  const out = {} as Record<XmlKind, string>;
  for (const kind of KINDS) {
    const frags: string[] = [];
    for (const e of entries) frags.push((await readFragmentFile(w.store, 'acme', 'open', e.sha256))![kind]);
    const file = writeXmlFile(kind, entries.length, frags, nodePlatform, { codec: 'gz' });
    const parts: Uint8Array[] = [];
    for await (const b of file.bytes) parts.push(b);
    out[kind] = gunzipSync(Buffer.concat(parts)).toString('utf8');
  }
  return out;
}

describe('chunk entries', () => {
  it('names a chunk by its index segment and codec', async () => {
    const seg = nodeSha('segment');
    expect(await chunkIdOf('gz', seg)).toBe(await chunkIdOf('gz', seg));
    expect(await chunkIdOf('gz', seg)).not.toBe(await chunkIdOf('zstd', seg));
    expect(await chunkIdOf('gz', seg)).not.toBe(await chunkIdOf('gz', nodeSha('other')));
  });

  it('stores XML and member in one entry and refuses damaged ones', () => {
    const chunk = { packages: 3, xml: new TextEncoder().encode('<package/>'), compressed: new Uint8Array([1, 2, 3]) };
    const bytes = encodeChunk(chunk);
    expect(decodeChunk(bytes)).toEqual(chunk);
    expect(decodeChunk(bytes.subarray(0, 12 + chunk.xml.length))).toBeNull();
    expect(decodeChunk(new Uint8Array([0x42, 0x43, 0x4b, 0x32, ...bytes.subarray(4)]))).toBeNull();
  });
});

describe('regenerate with the chunk cache', () => {
  it('after one publish rebuilds about one chunk and reuses the rest; output equals an uncached build', async () => {
    const w = await quietWorld();
    for (let i = 0; i < 60; i++) await publish(w, 'open', syntheticRpm(`pkg${String(i).padStart(2, '0')}`));
    const first = await regenerate(w.deps, storeTenancy, 'acme', 'open');
    expect(first.outcome).toBe('built');
    const chunks = first.chunks!.chunks;
    expect(chunks).toBeGreaterThan(5);
    expect(first.chunks).toEqual({ chunks, reused: 0, built: chunks });

    await publish(w, 'open', syntheticRpm('pkg30a'));
    const second = await regenerate(w.deps, storeTenancy, 'acme', 'open');
    expect(second.outcome).toBe('built');
    const s = second.chunks!;
    expect(s.built).toBeGreaterThanOrEqual(1);
    expect(s.built).toBeLessThanOrEqual(2);
    expect(s.reused).toBe(3 * (s.chunks - s.built));

    const served = await servedFiles(w);
    const plain = await uncachedFiles(w);
    for (const kind of KINDS) {
      expect(served[kind].xml).toBe(plain[kind]);
      expect(served[kind].openChecksum).toBe(nodeSha(plain[kind]));
    }
    const primary = await servedPrimary(w.store, 'acme', 'open');
    expect(primary.declared).toBe(61);
    expect(primary.packages.map((p) => p.name)).toContain('pkg30a');
  }, 60_000);

  it('a delete also rebuilds only its chunk; damaged entries are rebuilt, not served', async () => {
    const w = await quietWorld();
    const shas: string[] = [];
    for (let i = 0; i < 40; i++) shas.push((await publish(w, 'open', syntheticRpm(`del${String(i).padStart(2, '0')}`))).body.sha256);
    await regenerate(w.deps, storeTenancy, 'acme', 'open');
    await deletePackage(w.deps, storeTenancy, { tenant: 'acme', repo: 'open', sha256: shas[17]!, actor: 'operator' });
    // damage one entry the next build would otherwise reuse
    const entries: string[] = [];
    for await (const item of listAll(w.store, repoChunksPrefix('acme', 'open'))) entries.push(item.key);
    const victim = entries.find((k) => k.endsWith('.filelists'))!;
    await w.store.put(victim, new Uint8Array([1, 2, 3]));
    const r = await regenerate(w.deps, storeTenancy, 'acme', 'open');
    expect(r.chunks!.built).toBeLessThanOrEqual(3);
    const served = await servedFiles(w);
    const plain = await uncachedFiles(w);
    for (const kind of KINDS) expect(served[kind].xml).toBe(plain[kind]);
    expect(served.primary.xml).not.toContain('del17');
  }, 60_000);

  it('GC keeps the entries of retained generations and removes the others after the grace period', async () => {
    const w = await quietWorld();
    const shas: string[] = [];
    for (let i = 0; i < 30; i++) shas.push((await publish(w, 'open', syntheticRpm(`gc${String(i).padStart(2, '0')}`))).body.sha256);
    await regenerate(w.deps, storeTenancy, 'acme', 'open');
    // a delete always changes the chunk that held the package (an insertion may only add one)
    await deletePackage(w.deps, storeTenancy, { tenant: 'acme', repo: 'open', sha256: shas[15]!, actor: 'operator' });
    await regenerate(w.deps, storeTenancy, 'acme', 'open');
    const current = await currentChunkIds(w);
    const ids = (): Promise<string[]> => (async () => {
      const out: string[] = [];
      for await (const item of listAll(w.store, repoChunksPrefix('acme', 'open'))) out.push(item.key);
      return out;
    })();
    const all = await ids();
    expect(all.length).toBeGreaterThan(3 * current.length);

    // within retention both generations (and all their entries) stay
    expect((await collectGarbage(w.deps, new Date(Date.now() + 2 * 86_400_000))).chunks).toBe(0);
    const later = await collectGarbage(w.deps, new Date(Date.now() + 4 * 86_400_000));
    const left = await ids();
    expect(later.chunks).toBe(all.length - left.length);
    expect(left.length).toBe(3 * current.length);
    for (const id of current) for (const kind of KINDS) expect(left.some((k) => k.endsWith(`${id}.${kind}`))).toBe(true);
  }, 60_000);
});
