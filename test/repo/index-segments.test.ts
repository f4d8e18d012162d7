// The index's segments (docs/service.md, Index): cut at content-defined boundaries, split and
// merged locally by inserts and deletes, and read one at a time.
import { describe, expect, it } from 'vitest';
import { IndexEditor } from '../../src/repo/index-editor.js';
import { compareKeys, type IndexEntry } from '../../src/repo/index-entry.js';
import { cutRun, isBoundary, type IndexLayout } from '../../src/repo/index-layout.js';
import { readList, readSegment, type SegmentRef } from '../../src/repo/index-objects.js';
import { addPackage, initIndex, readHead, readIndex, removePackage } from '../../src/repo/index-store.js';
import type { BlobStore } from '../../src/storage/blob-store.js';
import { createMemoryBlobStore } from '../../src/storage/memory-store.js';
import { mulberry32 } from '../helpers/prng.js';

const LAYOUT: IndexLayout = { divisor: 4, max: 8 };
const now = (): Date => new Date(1_700_000_000_000);

/** Entry `n` (sorted by n); a boundary when `boundary` (sha256's first 32 bits ≡ 0 mod 2^20). */
function entry(n: number, boundary: boolean, salt = 0): IndexEntry {
  const lead = ((n % 4000) + 1) * 2 ** 20 + (boundary ? 0 : 1);
  const sha = lead.toString(16).padStart(8, '0') + (n * 7919 + salt).toString(16).padStart(56, '0');
  const filename = `p${String(n).padStart(5, '0')}-1-1.noarch.rpm`;
  return { sha256: sha, name: `p${n}`, epoch: 0, version: '1', release: '1', arch: 'noarch', filename, location: `Packages/p/${filename}`, size: 1, addedAt: 1, signer: null };
}

/** An editor on an in-memory list built from `entries` cut by the rule. */
function editorOf(entries: IndexEntry[], layout = LAYOUT): { editor: IndexEditor; segments: Map<string, IndexEntry[]> } {
  const segments = new Map<string, IndexEntry[]>();
  const refs: SegmentRef[] = cutRun(entries, layout).map((piece, i) => {
    segments.set(`s${i}`, piece);
    return { id: `s${i}`, count: piece.length, first: { filename: piece[0]!.filename, location: piece[0]!.location } };
  });
  return { editor: new IndexEditor(refs, layout, async (id) => segments.get(id)!), segments };
}

async function finished(editor: IndexEditor): Promise<{ counts: number[]; names: string[][] }> {
  const r = (await editor.finish())!;
  const byId = new Map<string, IndexEntry[]>();
  for (const o of r.objects.filter((x) => x.kind === 'segments')) byId.set(o.id, JSON.parse(new TextDecoder().decode(o.bytes)) as IndexEntry[]);
  return { counts: r.refs.map((x) => x.count), names: r.refs.map((x) => (byId.get(x.id) ?? []).map((e) => e.name)) };
}

// 10, 20, … 100 with boundaries at 30 and 70: segments [10 20 30] [40 50 60 70] [80 90 100]
const base = (): IndexEntry[] => Array.from({ length: 10 }, (_, i) => entry(10 * (i + 1), i === 2 || i === 6));

describe('index segments split and merge at chunk boundaries', () => {
  it('cuts after each boundary and at max', () => {
    expect(cutRun(base(), LAYOUT).map((p) => p.length)).toEqual([3, 4, 3]);
    const long = Array.from({ length: 20 }, (_, n) => entry(n, false));
    expect(cutRun(long, LAYOUT).map((p) => p.length)).toEqual([8, 8, 4]);
    expect(isBoundary(entry(1, true).sha256, LAYOUT)).toBe(true);
    expect(isBoundary(entry(1, false).sha256, LAYOUT)).toBe(false);
  });

  it('insert at the first position: only the first segment changes (and splits when the new package is a boundary)', async () => {
    const { editor } = editorOf(base());
    expect((await editor.add(entry(5, false))).kind).toBe('added');
    const r = await finished(editor);
    expect(r.counts).toEqual([4, 4, 3]);
    expect(r.names).toEqual([['p5', 'p10', 'p20', 'p30'], [], []]); // unchanged segments are not rewritten
    const { editor: e2 } = editorOf(base());
    await e2.add(entry(5, true));
    expect(await finished(e2)).toEqual({ counts: [1, 3, 4, 3], names: [['p5'], ['p10', 'p20', 'p30'], [], []] });
  });

  it('insert in the middle: the covering segment only; a boundary splits it', async () => {
    const { editor } = editorOf(base());
    await editor.add(entry(55, false));
    expect(await finished(editor)).toEqual({ counts: [3, 5, 3], names: [[], ['p40', 'p50', 'p55', 'p60', 'p70'], []] });
    const { editor: e2 } = editorOf(base());
    await e2.add(entry(55, true));
    expect(await finished(e2)).toEqual({ counts: [3, 3, 2, 3], names: [[], ['p40', 'p50', 'p55'], ['p60', 'p70'], []] });
  });

  it('insert at the last position joins the last segment; past max it splits', async () => {
    const { editor } = editorOf(base());
    await editor.add(entry(105, false));
    expect(await finished(editor)).toEqual({ counts: [3, 4, 4], names: [[], [], ['p80', 'p90', 'p100', 'p105']] });
    const { editor: e2 } = editorOf(base());
    for (const n of [101, 102, 103, 104, 105, 106]) await e2.add(entry(n, false));
    expect((await finished(e2)).counts).toEqual([3, 4, 8, 1]);
  });

  it('a package after a boundary joins the run that follows; removing a boundary merges two segments', async () => {
    const { editor } = editorOf(base());
    await editor.add(entry(35, false)); // after boundary p30: belongs with p40 …
    const r = await finished(editor);
    expect(r.counts).toEqual([3, 5, 3]);
    expect(r.names[1]).toEqual(['p35', 'p40', 'p50', 'p60', 'p70']);
    const { editor: e2 } = editorOf(base());
    expect(await e2.remove(entry(70, true).sha256, entry(70, true))).toMatchObject({ name: 'p70' });
    expect(await finished(e2)).toEqual({ counts: [3, 6], names: [[], ['p40', 'p50', 'p60', 'p80', 'p90', 'p100']] });
  });

  it('delete to empty: segments leave the list, the last delete empties the index', async () => {
    const all = base();
    const { editor } = editorOf(all);
    for (const e of all.slice(0, 3)) await editor.remove(e.sha256, e);
    expect((await finished(editor)).counts).toEqual([4, 3]);
    const { editor: e2 } = editorOf(all);
    for (const e of [...all].reverse()) expect(await e2.remove(e.sha256, e)).not.toBeNull();
    const r = (await e2.finish())!;
    expect(r.refs).toEqual([]);
    expect(r.listId).toBeNull();
    expect(await e2.remove(all[0]!.sha256, all[0]!)).toBeNull();
  });

  it('random inserts and deletes keep every package once, sorted, and cut as the whole list would be', async () => {
    const rnd = mulberry32(14);
    const layout = { divisor: 4, max: 1000 };
    const stored = new Map<string, IndexEntry[]>();
    const load = async (id: string): Promise<IndexEntry[]> => stored.get(id)!;
    let present: IndexEntry[] = [];
    let editor = new IndexEditor([], layout, load);
    for (let step = 0; step < 400; step++) {
      if (present.length > 0 && rnd() < 0.35) {
        const victim = present[Math.floor(rnd() * present.length)]!;
        expect(await editor.remove(victim.sha256, victim)).not.toBeNull();
        present = present.filter((e) => e !== victim);
      } else {
        const e = entry(Math.floor(rnd() * 3000), rnd() < 0.25, step);
        if ((await editor.add(e)).kind === 'added') present.push(e);
      }
      if (step % 50 !== 49) continue;
      // through stored segments, as commits do
      const r = (await editor.finish())!;
      for (const o of r.objects.filter((x) => x.kind === 'segments')) stored.set(o.id, JSON.parse(new TextDecoder().decode(o.bytes)) as IndexEntry[]);
      const segs = r.refs.map((ref) => stored.get(ref.id)!);
      const sorted = [...present].sort(compareKeys);
      expect(segs.flat().map((e) => e.sha256)).toEqual(sorted.map((e) => e.sha256));
      expect(segs.map((x) => x.length)).toEqual(cutRun(sorted, layout).map((p) => p.length));
      expect(r.refs.map((ref) => ref.count)).toEqual(segs.map((x) => x.length));
      editor = new IndexEditor(r.refs, layout, load);
    }
  });
});

/** The store, counting reads of index segments. */
function counted(store: BlobStore): { store: BlobStore; segmentReads: () => number } {
  let n = 0;
  return {
    store: {
      get: (k, o) => {
        if (k.includes('/index/segments/')) n++;
        return store.get(k, o);
      },
      head: (k) => store.head(k), put: (k, b, o) => store.put(k, b, o), delete: (k, o) => store.delete(k, o), list: (p, o) => store.list(p, o),
    },
    segmentReads: () => n,
  };
}

describe('index reads follow the change', () => {
  it('a publish and a delete in a 2,000-package index read one segment, in a fresh process too', async () => {
    const base = createMemoryBlobStore();
    await initIndex(base, 'acme', 'main', { divisor: 16 });
    const at = (n: number): IndexEntry => entry(n, (n / 2) % 16 === 0);
    for (let i = 0; i < 2000; i += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, k) => addPackage(base, 'acme', 'main', at(2 * (i + k)), now)));
    }
    const { head } = await readHead(base, 'acme', 'main');
    expect(head.count).toBe(2000);
    expect((await readList(base, 'acme', 'main', head.list)).length).toBeGreaterThan(100);

    const fresh = counted(base); // a new store object: empty caches, as another process
    const added = await addPackage(fresh.store, 'acme', 'main', entry(1001, false), now);
    expect(added.outcome.kind).toBe('added');
    expect(fresh.segmentReads()).toBe(1);
    const again = counted(base);
    const gone = await removePackage(again.store, 'acme', 'main', at(1024), now); // a boundary
    expect(gone.removed?.name).toBe('p1024');
    expect(again.segmentReads()).toBeLessThanOrEqual(2); // a removed boundary merges with the next
    expect((await readIndex(base, 'acme', 'main')).index.packages).toHaveLength(2000);
  });

  it('concurrent publishes share commits, and each gets its own outcome', async () => {
    const store = createMemoryBlobStore();
    const twin = { ...entry(7, false), sha256: 'f'.repeat(64) }; // same NEVRA, other bytes
    const ops = [
      ...Array.from({ length: 60 }, (_, i) => addPackage(store, 'acme', 'main', entry(i, i % 5 === 0), now)),
      addPackage(store, 'acme', 'main', entry(3, false), now), // identical bytes again
      addPackage(store, 'acme', 'main', twin, now),
    ];
    const results = await Promise.all(ops);
    expect(results.slice(0, 60).map((r) => r.outcome.kind)).toEqual(Array(60).fill('added'));
    expect(results[60]!.outcome.kind).toBe('exists');
    expect(results[61]!.outcome).toMatchObject({ kind: 'nevra_conflict', existing: { sha256: entry(7, false).sha256 } });
    const revisions = new Set(results.map((r) => r.revision));
    expect(revisions.size).toBeLessThanOrEqual(3);
    const { head } = await readHead(store, 'acme', 'main');
    expect(head.revision).toBe(Math.max(...revisions));
    expect(head.count).toBe(60);
  });

  it('two processes publishing at once lose nothing (CAS retries re-apply the whole batch)', async () => {
    const base = createMemoryBlobStore();
    const a = counted(base).store;
    const b = counted(base).store;
    const results = await Promise.all(Array.from({ length: 80 }, (_, i) => addPackage(i % 2 ? a : b, 'acme', 'main', entry(i, i % 3 === 0), now)));
    expect(results.every((r) => r.outcome.kind === 'added')).toBe(true);
    const { index } = await readIndex(base, 'acme', 'main');
    expect(index.packages.map((p) => p.name).sort()).toEqual(Array.from({ length: 80 }, (_, i) => `p${i}`).sort());
    const { head } = await readHead(base, 'acme', 'main');
    for (const ref of await readList(base, 'acme', 'main', head.list)) expect((await readSegment(base, 'acme', 'main', ref.id)).length).toBe(ref.count);
  });
});
