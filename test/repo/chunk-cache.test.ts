import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { nodePlatform } from '../../src/adapters/node/platform.js';
import { writeXmlFile, type XmlKind } from '../../src/core/repodata/xml-file.js';
import { chunkId, decodeChunk, encodeChunk, planChunks } from '../../src/repo/chunk-cache.js';
import { collectGarbage } from '../../src/repo/gc.js';
import { currentGeneration } from '../../src/repo/generations.js';
import { readIndex } from '../../src/repo/index-store.js';
import { readFragmentFile } from '../../src/repo/package-fragments.js';
import { deletePackage } from '../../src/repo/publish.js';
import { compareEntries, regenerate, type RegenerateOptions } from '../../src/repo/regenerate.js';
import { storeTenancy } from '../../src/repo/tenancy-bindings.js';
import { listAll } from '../../src/storage/blob-store.js';
import { repodataKey, repoChunksPrefix } from '../../src/storage/keys.js';
import { makeWorld, publish, readBlob, servedPrimary, syntheticRpm, type World } from './support.js';
import type { IndexEntry } from '../../src/repo/index-entry.js';

const KINDS: XmlKind[] = ['primary', 'filelists', 'other'];
const SMALL: RegenerateOptions = { chunking: { divisor: 4 } };

function entry(i: number, sha = nodeSha(`pkg-${i}`)): IndexEntry {
  const filename = `p${String(i).padStart(5, '0')}-1-1.noarch.rpm`;
  return { sha256: sha, name: `p${i}`, epoch: 0, version: '1', release: '1', arch: 'noarch', filename, location: `Packages/p/${filename}`, size: 1, addedAt: 1700000000, signer: null };
}

function nodeSha(s: string): string {
  const h = nodePlatform.createHash('sha256');
  h.update(new TextEncoder().encode(s));
  return Buffer.from(h.digest()).toString('hex');
}

/** A world whose publishes do not regenerate on their own: the test calls regenerate itself. */
async function quietWorld(): Promise<World> {
  const w = await makeWorld([{ name: 'open', allowUnsigned: true }]);
  w.deps = { ...w.deps, events: { send: async () => undefined } };
  return w;
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

describe('planChunks', () => {
  it('cuts at content-defined boundaries: one insertion changes at most two chunks, later chunks keep their ids', () => {
    const entries = Array.from({ length: 2000 }, (_, i) => entry(i * 2));
    const before = planChunks(nodePlatform, 'gz', entries, { divisor: 16 });
    expect(before.flatMap((p) => p.entries)).toEqual(entries);
    expect(before.length).toBeGreaterThan(2000 / 64);
    expect(Math.max(...before.map((p) => p.entries.length))).toBeLessThanOrEqual(64);
    const inserted = [...entries.slice(0, 1001), entry(2001), ...entries.slice(1001)];
    const after = planChunks(nodePlatform, 'gz', inserted, { divisor: 16 });
    const old = new Set(before.map((p) => p.id));
    const changed = after.filter((p) => !old.has(p.id));
    expect(changed.length).toBeGreaterThanOrEqual(1);
    expect(changed.length).toBeLessThanOrEqual(2);
    expect(changed.some((p) => p.entries.some((e) => e.name === 'p2001'))).toBe(true);
  });

  it('names a chunk by sha256, time and location of its packages, and by codec', () => {
    const a = [entry(1), entry(2)];
    expect(chunkId(nodePlatform, 'gz', a)).toBe(chunkId(nodePlatform, 'gz', [entry(1), entry(2)]));
    expect(chunkId(nodePlatform, 'gz', a)).not.toBe(chunkId(nodePlatform, 'zstd', a));
    expect(chunkId(nodePlatform, 'gz', a)).not.toBe(chunkId(nodePlatform, 'gz', [entry(1), { ...entry(2), addedAt: 1 }]));
    expect(chunkId(nodePlatform, 'gz', a)).not.toBe(chunkId(nodePlatform, 'gz', [entry(1), { ...entry(2), location: 'Packages/x.rpm' }]));
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
    const first = await regenerate(w.deps, storeTenancy, 'acme', 'open', SMALL);
    expect(first.outcome).toBe('built');
    const chunks = first.chunks!.chunks;
    expect(chunks).toBeGreaterThan(5);
    expect(first.chunks).toEqual({ chunks, reused: 0, built: chunks });

    await publish(w, 'open', syntheticRpm('pkg30a'));
    const second = await regenerate(w.deps, storeTenancy, 'acme', 'open', SMALL);
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
    await regenerate(w.deps, storeTenancy, 'acme', 'open', SMALL);
    await deletePackage(w.deps, storeTenancy, { tenant: 'acme', repo: 'open', sha256: shas[17]!, actor: 'operator' });
    // damage one entry the next build would otherwise reuse
    const entries: string[] = [];
    for await (const item of listAll(w.store, repoChunksPrefix('acme', 'open'))) entries.push(item.key);
    const victim = entries.find((k) => k.endsWith('.filelists'))!;
    await w.store.put(victim, new Uint8Array([1, 2, 3]));
    const r = await regenerate(w.deps, storeTenancy, 'acme', 'open', SMALL);
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
    await regenerate(w.deps, storeTenancy, 'acme', 'open', SMALL);
    // a delete always changes the chunk that held the package (an insertion may only add one)
    await deletePackage(w.deps, storeTenancy, { tenant: 'acme', repo: 'open', sha256: shas[15]!, actor: 'operator' });
    await regenerate(w.deps, storeTenancy, 'acme', 'open', SMALL);
    const current = (await currentGeneration(w.store, 'acme', 'open'))!.record;
    const ids = (): Promise<string[]> => (async () => {
      const out: string[] = [];
      for await (const item of listAll(w.store, repoChunksPrefix('acme', 'open'))) out.push(item.key);
      return out;
    })();
    const all = await ids();
    expect(all.length).toBeGreaterThan(3 * current.chunks!.length);

    // within retention both generations (and all their entries) stay
    expect((await collectGarbage(w.deps, new Date(Date.now() + 2 * 86_400_000))).chunks).toBe(0);
    const later = await collectGarbage(w.deps, new Date(Date.now() + 4 * 86_400_000));
    const left = await ids();
    expect(later.chunks).toBe(all.length - left.length);
    expect(left.length).toBe(3 * current.chunks!.length);
    for (const id of current.chunks!) for (const kind of KINDS) expect(left.some((k) => k.endsWith(`${id}.${kind}`))).toBe(true);
  }, 60_000);
});
