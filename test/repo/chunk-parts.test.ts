// Regeneration keeps memory bounded by bytes, not by packages per chunk: a chunk whose XML passes
// `partBytes` is built and stored as parts, and nothing regeneration reads or writes is ever a
// whole metadata file or a whole chunk of it.
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { nodePlatform } from '../../src/adapters/node/platform.js';
import { toHex } from '../../src/core/platform.js';
import { writeXmlFile, type XmlKind } from '../../src/core/repodata/xml-file.js';
import { chunkIdOf, partId } from '../../src/repo/chunk-cache.js';
import { windowedBySize } from '../../src/repo/chunk-source.js';
import { collectGarbage } from '../../src/repo/gc.js';
import { currentGeneration } from '../../src/repo/generations.js';
import { initIndex, readHead, readIndex } from '../../src/repo/index-store.js';
import { readList } from '../../src/repo/index-objects.js';
import type { IndexLayout } from '../../src/repo/index-layout.js';
import { readFragmentFile } from '../../src/repo/package-fragments.js';
import { compareEntries, regenerate, type RegenerateOptions } from '../../src/repo/regenerate.js';
import { storeTenancy } from '../../src/repo/tenancy-bindings.js';
import { listAll, type BlobStore } from '../../src/storage/blob-store.js';
import { repoChunkKey, repoChunksPrefix, repodataKey } from '../../src/storage/keys.js';
import { header, i16, i18n, i32, rpmFile, str, strs } from '../core/rpm/build-rpm.js';
import { makeWorld, publish, readBlob, type World } from './support.js';

const KINDS: XmlKind[] = ['primary', 'filelists', 'other'];
const SEGMENT = 16 * 1024;
const FILES = 80;

/** A package listing FILES files of ~100-character paths (~9 KB of filelists XML). */
function rpmWithFiles(name: string): Uint8Array {
  const dir = `/usr/share/${name}/a/rather/deep/directory/tree/that/makes/every/path/long/`;
  const base = Array.from({ length: FILES }, (_, k) => `file-number-${String(k).padStart(4, '0')}.dat`);
  const main = header({
    1000: str(name), 1001: str('1.0'), 1002: str('1'), 1004: i18n(`synthetic ${name}`), 1005: i18n('test package'),
    1006: i32(1700000000), 1014: str('MIT'), 1022: str('noarch'), 1044: str(`${name}-1.0-1.src.rpm`), 1124: str('cpio'), 1125: str('gzip'),
    1028: i32(...base.map(() => 10)), 1030: i16(...base.map(() => 0o100644)), 1037: i32(...base.map(() => 0)),
    1116: i32(...base.map(() => 0)), 1117: strs(...base), 1118: strs(dir),
  }, 63);
  const payload = new TextEncoder().encode(`payload of ${name}`);
  const h = nodePlatform.createHash('sha256');
  h.update(main);
  const sig = header({ 1000: i32(main.length + payload.length), 273: str(toHex(h.digest())) }, 62);
  return rpmFile({ sig, main, payload });
}

/**
 * The store, noting the largest contiguous piece any get or put moved (a stream counts chunk by
 * chunk), and the most any streamed chunk kept alive beyond its own bytes (a view pins its whole
 * ArrayBuffer for as long as a consumer holds it: R2's put reads 5 MiB of chunks per part).
 */
function watched(store: BlobStore): { store: BlobStore; largest: { bytes: number; key: string }; pinned: { bytes: number; key: string } } {
  const largest = { bytes: 0, key: '' };
  const pinned = { bytes: 0, key: '' };
  const note = (key: string, n: number): void => {
    if (n > largest.bytes) Object.assign(largest, { bytes: n, key });
  };
  const w: BlobStore = {
    get: async (key, o) => {
      const obj = await store.get(key, o);
      if (obj) note(key, obj.size);
      return obj;
    },
    head: (key) => store.head(key),
    put: (key, body, o) => {
      if (body instanceof Uint8Array) {
        note(key, body.length);
        return store.put(key, body, o);
      }
      return store.put(key, body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, c) {
          note(key, chunk.length);
          if (chunk.buffer.byteLength - chunk.length > pinned.bytes) Object.assign(pinned, { bytes: chunk.buffer.byteLength - chunk.length, key });
          c.enqueue(chunk);
        },
      })), o);
    },
    delete: (key, o) => store.delete(key, o),
    list: (prefix, o) => store.list(prefix, o),
  };
  return { store: w, largest, pinned };
}

/** No regeneration on publish (the test runs it); index segments of this layout. */
async function quietWorld(layout: Partial<IndexLayout>): Promise<World> {
  const w = await makeWorld([{ name: 'open', allowUnsigned: true }]);
  w.deps = { ...w.deps, events: { send: async () => undefined } };
  await initIndex(w.store, 'acme', 'open', layout);
  return w;
}

async function chunkIds(w: World): Promise<string[]> {
  const { head } = await readHead(w.store, 'acme', 'open');
  return Promise.all((await readList(w.store, 'acme', 'open', head.list)).map((r) => chunkIdOf('gz', r.id)));
}

/** Served files decompressed, and the same written straight from the fragments (no cache). */
async function servedAndPlain(w: World): Promise<{ served: Record<XmlKind, string>; plain: Record<XmlKind, string> }> {
  const gen = (await currentGeneration(w.store, 'acme', 'open'))!.record;
  const { index } = await readIndex(w.store, 'acme', 'open');
  const entries = [...index.packages].sort(compareEntries);
  const served = {} as Record<XmlKind, string>;
  const plain = {} as Record<XmlKind, string>;
  for (const [i, kind] of KINDS.entries()) {
    served[kind] = gunzipSync((await readBlob(w.store, repodataKey('acme', 'open', gen.files[i]!)))!).toString('utf8');
    const frags: string[] = [];
    for (const e of entries) frags.push((await readFragmentFile(w.store, 'acme', 'open', e.sha256))![kind]);
    const parts: Uint8Array[] = [];
    for await (const b of writeXmlFile(kind, entries.length, frags, nodePlatform, { codec: 'gz' }).bytes) parts.push(b);
    plain[kind] = gunzipSync(Buffer.concat(parts)).toString('utf8');
  }
  return { served, plain };
}

describe('windowedBySize', () => {
  it('keeps fewer results outstanding once they turn out large, in input order', async () => {
    let launched = 0;
    let consumed = 0;
    const outstanding: number[] = [];
    const fn = async (i: number): Promise<number> => {
      launched++;
      outstanding.push(launched - consumed);
      await new Promise((r) => setTimeout(r, 1));
      return i;
    };
    const out: number[] = [];
    // result 0 is small (size 1), from 1 on large (size 50): budget 100 allows 2 of those
    for await (const v of windowedBySize([...Array(16).keys()], 8, 100, (i) => (i < 1 ? 1 : 50), fn)) {
      consumed++;
      out.push(v);
    }
    expect(out).toEqual([...Array(16).keys()]);
    expect(Math.max(...outstanding.slice(0, 8))).toBe(8);
    // launches after the first large result (item 9 on): 2 in the window + the one being handed over
    expect(Math.max(...outstanding.slice(9))).toBe(3);
  });
});

describe('regeneration of chunks larger than partBytes', () => {
  it('moves no piece larger than a part and a fragment, though one chunk holds the whole filelists', async () => {
    // one segment (= one chunk) for everything: the divisor never matches and the cap is far away
    const w = await quietWorld({ divisor: 2 ** 31, max: 1000 });
    for (let i = 0; i < 40; i++) await publish(w, 'open', rpmWithFiles(`big${String(i).padStart(2, '0')}`));
    const opts: RegenerateOptions = { chunking: { partBytes: SEGMENT } };
    const { store, largest } = watched(w.store);
    const r = await regenerate({ ...w.deps, store }, storeTenancy, 'acme', 'open', opts);
    expect(r.chunks).toEqual({ chunks: 1, reused: 0, built: 1 });
    const { served, plain } = await servedAndPlain(w);
    for (const kind of KINDS) expect(served[kind]).toBe(plain[kind]);
    expect(served.filelists.length).toBeGreaterThan(300_000);
    // a part's XML is < SEGMENT + one package's fragment (~9 KB); its entry adds the member
    expect(largest.bytes, `largest piece: ${largest.key}`).toBeLessThan(64 * 1024);

    // the next regeneration moves no larger pieces either, and gives the same bytes
    await publish(w, 'open', rpmWithFiles('zz-last'));
    const again = watched(w.store);
    await regenerate({ ...w.deps, store: again.store }, storeTenancy, 'acme', 'open', opts);
    expect(again.largest.bytes, `largest piece: ${again.largest.key}`).toBeLessThan(64 * 1024);
    const after = await servedAndPlain(w);
    for (const kind of KINDS) expect(after.served[kind]).toBe(after.plain[kind]);
  }, 120_000);

  it('streams members that keep no larger buffer alive (a member read from the cache is not a view of its entry)', async () => {
    // segments cut at 40 packages by the cap
    const w = await quietWorld({ divisor: 2 ** 31, max: 40 });
    for (let i = 0; i < 40; i++) await publish(w, 'open', rpmWithFiles(`pin${String(i).padStart(2, '0')}`));
    // ~96 KiB parts: an entry is ~10× the member it holds
    const opts: RegenerateOptions = { chunking: { partBytes: 96 * 1024 } };
    const built = watched(w.store);
    await regenerate({ ...w.deps, store: built.store }, storeTenancy, 'acme', 'open', opts);
    await publish(w, 'open', rpmWithFiles('zz-last'));
    const reused = watched(w.store);
    // the first 40 packages' chunk is reused from the cache, the last one built
    const r = await regenerate({ ...w.deps, store: reused.store }, storeTenancy, 'acme', 'open', opts);
    expect(r.chunks).toMatchObject({ chunks: 2, built: 1 });
    // Node's zlib hands out views of its 16 KiB output buffer: that much slack, no entry
    for (const p of [built.pinned, reused.pinned]) expect(p.bytes, `pinned by a chunk of ${p.key}`).toBeLessThanOrEqual(16 * 1024);
    const { served, plain } = await servedAndPlain(w);
    for (const kind of KINDS) expect(served[kind]).toBe(plain[kind]);
  }, 120_000);

  it('rebuilds a chunk whose part went missing, and GC keeps the parts a generation uses', async () => {
    // segments cut at 20 packages by the cap: seg00-19 | seg20-39, each ~180 KB of filelists
    const w = await quietWorld({ divisor: 2 ** 31, max: 20 });
    for (let i = 0; i < 40; i++) await publish(w, 'open', rpmWithFiles(`seg${String(i).padStart(2, '0')}`));
    const opts: RegenerateOptions = { chunking: { partBytes: SEGMENT } };
    await regenerate(w.deps, storeTenancy, 'acme', 'open', opts);
    const first = (await currentGeneration(w.store, 'acme', 'open'))!.record;
    const chunk0 = (await chunkIds(w))[0]!;
    const lost = partId(nodePlatform, chunk0, 'filelists', 1, SEGMENT);
    expect(first.parts).toContain(lost);
    expect(await w.store.delete(repoChunkKey('acme', 'open', lost, 'filelists'))).toBe(true);

    // a package sorting last adds a chunk; chunk 0 is reused, and its missing part rebuilt
    await publish(w, 'open', rpmWithFiles('zz-last'));
    const r = await regenerate(w.deps, storeTenancy, 'acme', 'open', opts);
    expect(r.chunks!.chunks).toBe(3);
    expect(r.chunks!.built).toBe(2);
    const { served, plain } = await servedAndPlain(w);
    for (const kind of KINDS) expect(served[kind]).toBe(plain[kind]);

    const current = (await currentGeneration(w.store, 'acme', 'open'))!.record;
    expect(current.parts).toContain(lost);
    await collectGarbage(w.deps, new Date(Date.now() + 4 * 86_400_000));
    const left = new Set<string>();
    for await (const item of listAll(w.store, repoChunksPrefix('acme', 'open'))) left.add(item.key);
    for (const id of [...(await chunkIds(w)), ...current.parts!]) expect(KINDS.some((k) => left.has(repoChunkKey('acme', 'open', id, k))), id).toBe(true);
    // parts are in use: more entries than 3 per chunk
    expect(left.size).toBeGreaterThan(3 * 3);
  }, 120_000);
});
