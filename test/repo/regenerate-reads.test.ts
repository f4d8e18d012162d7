// How a regeneration reads the chunk cache: each cached entry in one read into a buffer it lends
// and takes back (so the number of buffers does not grow with the number of entries), and the
// compressed members kept between the two passes while the byte budget lasts (so those are not
// read again). Both on the memory and the fs store, and the files always equal an uncached build.
// A server's regenerations reuse both from one to the next (`reuse`): counted too.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { nodePlatform } from '../../src/adapters/node/platform.js';
import { writeXmlFile, type XmlKind } from '../../src/core/repodata/xml-file.js';
import { currentGeneration } from '../../src/repo/generations.js';
import { initIndex, readIndex } from '../../src/repo/index-store.js';
import { readFragmentFile } from '../../src/repo/package-fragments.js';
import { BufferPool } from '../../src/repo/chunk-source.js';
import { MemberArena } from '../../src/repo/member-arena.js';
import { compareEntries, regenerate, type RegenerateOptions } from '../../src/repo/regenerate.js';
import { storeTenancy } from '../../src/repo/tenancy-bindings.js';
import { createTenant } from '../../src/repo/tenants.js';
import type { BlobStore, GetBytesOptions } from '../../src/storage/blob-store.js';
import { createFsBlobStore } from '../../src/storage/fs-store.js';
import { createMemoryBlobStore } from '../../src/storage/memory-store.js';
import { repodataKey } from '../../src/storage/keys.js';
import { makeWorld, publish, readBlob, syntheticRpm, type World } from './support.js';

const KINDS: XmlKind[] = ['primary', 'filelists', 'other'];
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

interface Reads {
  /** Whole reads of chunk entries: the buffer each result lies in, and whether one was lent. */
  whole: { buffer: ArrayBufferLike; lent: boolean }[];
  /** Range reads (pass 2 reading a member again), by getBytes or get. */
  ranges: number;
}

/** The store, noting every read of the chunk cache. */
function counted(store: BlobStore): { store: BlobStore; reads: Reads } {
  const reads: Reads = { whole: [], ranges: 0 };
  const isChunk = (key: string): boolean => key.includes('/chunks/');
  const getBytes = store.getBytes?.bind(store);
  const w: BlobStore = {
    get: async (key, o) => {
      if (isChunk(key) && o?.range) reads.ranges++;
      return store.get(key, o);
    },
    head: (key) => store.head(key),
    put: (key, body, o) => store.put(key, body, o),
    delete: (key, o) => store.delete(key, o),
    list: (prefix, o) => store.list(prefix, o),
    ...(getBytes && {
      getBytes: async (key: string, o: GetBytesOptions = {}) => {
        const out = await getBytes(key, o);
        if (isChunk(key) && o.range) reads.ranges++;
        else if (isChunk(key) && out) reads.whole.push({ buffer: out.buffer, lent: o.into !== undefined });
        return out;
      },
    }),
  };
  return { store: w, reads };
}

async function world(kind: 'memory' | 'fs'): Promise<World> {
  let store: BlobStore;
  if (kind === 'fs') {
    const dir = await mkdtemp(join(tmpdir(), 'berth-regen-reads-'));
    dirs.push(dir);
    store = createFsBlobStore(dir);
  } else {
    store = createMemoryBlobStore();
  }
  await createTenant(store, 'acme', new Date());
  const w = await makeWorld([{ name: 'open', allowUnsigned: true }], { store });
  w.deps = { ...w.deps, events: { send: async () => undefined } };
  // segments (= chunks) of about 2 packages: 60 packages make ~30 chunks, 90 entries
  await initIndex(w.store, 'acme', 'open', { divisor: 2 });
  for (let i = 0; i < 60; i++) await publish(w, 'open', syntheticRpm(`rd${String(i).padStart(2, '0')}`));
  await regenerate(w.deps, storeTenancy, 'acme', 'open');
  return w;
}

/** The served files equal the files written from the fragments, and are named by their checksums. */
async function expectServedEqualsUncached(w: World): Promise<void> {
  const gen = (await currentGeneration(w.store, 'acme', 'open'))!.record;
  const { index } = await readIndex(w.store, 'acme', 'open');
  const entries = [...index.packages].sort(compareEntries);
  for (const [i, kind] of KINDS.entries()) {
    const name = gen.files[i]!;
    const bytes = (await readBlob(w.store, repodataKey('acme', 'open', name)))!;
    const sha = createHash('sha256').update(bytes).digest('hex');
    expect(name.startsWith(sha)).toBe(true);
    const open = new RegExp(`<data type="${kind}">[\\s\\S]*?<checksum type="sha256">([0-9a-f]{64})<[\\s\\S]*?<open-checksum type="sha256">([0-9a-f]{64})<`).exec(gen.repomd)!;
    expect(open[1]).toBe(sha);
    const xml = gunzipSync(bytes);
    expect(open[2]).toBe(createHash('sha256').update(xml).digest('hex'));
    const frags: string[] = [];
    for (const e of entries) frags.push((await readFragmentFile(w.store, 'acme', 'open', e.sha256))![kind]);
    const parts: Uint8Array[] = [];
    for await (const b of writeXmlFile(kind, entries.length, frags, nodePlatform, { codec: 'gz' }).bytes) parts.push(b);
    expect(xml.toString('utf8')).toBe(gunzipSync(Buffer.concat(parts)).toString('utf8'));
  }
}

/** One more package, then a regeneration through the counting store. */
async function regenerateCounted(w: World, name: string, options: RegenerateOptions): Promise<{ reads: Reads; reused: number; members: number }> {
  await publish(w, 'open', syntheticRpm(name));
  const { store, reads } = counted(w.store);
  const r = await regenerate({ ...w.deps, store }, storeTenancy, 'acme', 'open', options);
  expect(r.outcome).toBe('built');
  return { reads, reused: r.chunks!.reused, members: 3 * r.chunks!.chunks };
}

describe.each(['memory', 'fs'] as const)('regeneration reads of the chunk cache (%s store)', (kind) => {
  it('reads cached entries into a few lent buffers, not one new buffer per entry', async () => {
    const w = await world(kind);
    const prefetch = 2;
    const { reads, reused } = await regenerateCounted(w, 'rd30a', { prefetch });
    expect(reused).toBeGreaterThan(60);
    expect(reads.whole.length).toBeGreaterThanOrEqual(reused);
    // after the first `prefetch` reads per file, a read is lent a buffer taken back from an entry
    // already consumed (a chunk built in this run gives none back)
    expect(reads.whole.filter((r) => r.lent).length).toBeGreaterThanOrEqual(reads.whole.length - 3 * prefetch - 6);
    // a new buffer only when an entry is larger than every buffer free: a few per file
    const buffers = new Set(reads.whole.map((r) => r.buffer));
    expect(buffers.size).toBeLessThan(reads.whole.length / 2);
    await expectServedEqualsUncached(w);
  }, 120_000);

  it('reads no member twice within the budget, every member twice without one, and some in between', async () => {
    const w = await world(kind);
    const none = await regenerateCounted(w, 'rd30a', {});
    expect(none.reads.ranges).toBe(none.members);
    await expectServedEqualsUncached(w);

    const all = await regenerateCounted(w, 'rd30b', { keepMembers: 64 * 1024 * 1024 });
    expect(all.reused).toBeGreaterThan(60);
    expect(all.reads.ranges).toBe(0);
    await expectServedEqualsUncached(w);

    // a budget of a few members: those are kept, the rest read again
    const some = await regenerateCounted(w, 'rd30c', { keepMembers: 2_000 });
    expect(some.reads.ranges).toBeGreaterThan(0);
    expect(some.reads.ranges).toBeLessThan(some.members);
    await expectServedEqualsUncached(w);
  }, 120_000);

  it('a server\'s regenerations reuse its read buffers and kept-member slabs instead of allocating', async () => {
    const w = await world(kind);
    const prefetch = 2;
    const limits = { buffers: 12, bytes: 1024 * 1024 };
    const reuse = { buffers: new BufferPool(true, limits), members: new MemberArena(256 * 1024, 16 * 1024) };
    const seen = new Set<ArrayBufferLike>();
    const fresh: number[] = [];
    const reads: number[] = [];
    let slabs = -1;
    for (const name of ['rd30a', 'rd30b', 'rd30c']) {
      const r = await regenerateCounted(w, name, { prefetch, reuse });
      expect(r.reused).toBeGreaterThan(60);
      // every member kept (in the arena's slabs), none read again
      expect(r.reads.ranges).toBe(0);
      // buffers the reads went into that no earlier regeneration had
      reads.push(r.reads.whole.length);
      fresh.push(new Set(r.reads.whole.map((x) => x.buffer).filter((b) => !seen.has(b))).size);
      r.reads.whole.forEach((x) => seen.add(x.buffer));
      // the bounds hold between regenerations: every slab given back, the pool within its limits
      const { slabs: now, free } = reuse.members.stats;
      expect(free).toBe(now);
      expect(now).toBeLessThanOrEqual(256 / 16);
      if (slabs >= 0) expect(now).toBe(slabs);
      slabs = now;
      expect(reuse.buffers.idle.buffers).toBeLessThanOrEqual(limits.buffers);
      expect(reuse.buffers.idle.bytes).toBeLessThanOrEqual(limits.bytes);
      await expectServedEqualsUncached(w);
    }
    // the first regeneration fills the pool (a buffer per read in flight, per file); later ones
    // read into those, and allocate only when more reads are in flight than the pool had free
    // (how many overlap depends on scheduling: 1 on an idle machine, 5 seen under load) or an
    // entry is larger than every free buffer: never more than the pool keeps, and a small
    // fraction of the reads (without the pool every read allocates)
    expect(fresh[0]).toBeGreaterThanOrEqual(3 * prefetch);
    expect(fresh[2]).toBeLessThanOrEqual(limits.buffers);
    expect(fresh[2]! * 5).toBeLessThan(reads[2]!);
  }, 120_000);
});
