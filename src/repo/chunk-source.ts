/**
 * Supplies the compressed members of one regeneration, chunk by chunk: from the chunk cache when
 * the entry is there, else built from the packages' fragments. A build makes all three kinds at
 * once, so a fragment is read once per regeneration however many files need it, and the three
 * files can be written concurrently: whichever file reaches a missing chunk first builds it, the
 * others wait for that build and then read the entries it stored.
 *
 * Memory is bounded by bytes, not by packages: a build reads its index segment (≤ 1,024 entries),
 * flushes a kind's XML as a part entry whenever it passes `partBytes` (chunk-cache.ts), keeps
 * fewer fragment reads in flight when fragments are large (about 2 × partBytes of them), at most
 * `builds` builds run at once, and a chunk stored as parts is read one part at a time. Nothing
 * built is held here beyond the call that built it.
 *
 * With a member cache (an ObjectCache the runtime keeps per store, for stores where every read is
 * a network round trip), the compressed member of every whole chunk entry read or built is kept in
 * process memory, and a later regeneration takes an unchanged chunk from there: its XML, which the
 * open-checksum needs, is decompressed from the member instead of read, so a regeneration after
 * one publish reads only the chunks that changed. Entries are named by their content, so a kept
 * member is never stale.
 */
import { BerthError } from '../core/errors.js';
import type { Codec, Platform } from '../core/platform.js';
import { fillExactly } from '../core/streams.js';
import type { CompressedChunk, XmlKind } from '../core/repodata/xml-file.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { ObjectCache } from './object-cache.js';
import { partId, readChunk, readChunkEntry, writeChunk, writePartsHead, type ChunkEntry, type ChunkPlan } from './chunk-cache.js';
import { readSegment } from './index-objects.js';
import { repoChunkKey } from '../storage/keys.js';
import { fragmentsFor } from './package-fragments.js';

const KINDS: readonly XmlKind[] = ['primary', 'filelists', 'other'];

export interface ChunkStats {
  /** Chunks of this regeneration (each makes one member, or several parts, in each of the three files). */
  chunks: number;
  /** Chunk entries (chunk × file) served from the cache. */
  reused: number;
  /** Chunks built from fragments (all three files' entries at once). */
  built: number;
  /** Entries taken from the member cache instead of the store: the reused ones, and those a build of this run kept (with a member cache only). */
  memory?: number;
}

export interface ChunkSourceOptions {
  /** Fragment reads in flight per build (fewer when fragments are large). */
  window: number;
  /** Builds running at once. */
  builds: number;
  /** XML (UTF-16 length) per kind past which a build flushes a part. */
  partBytes: number;
  /** Read buffers kept from one regeneration to the next (default: a pool of this regeneration's own). */
  buffers?: BufferPool;
  /** Compressed members kept across regenerations (see above); none: every entry is read. */
  memberCache?: ObjectCache;
}

/** What the member cache keeps of a whole chunk entry. */
interface KeptMember {
  packages: number;
  xmlLength: number;
  compressed: Uint8Array;
}

/** A kept member's XML, decompressed into `into` when it fits; null when it is not `xmlLength` bytes. */
async function inflate(platform: Platform, codec: Codec, m: KeptMember, into?: Uint8Array): Promise<Uint8Array | null> {
  if (platform.decompressBytes) {
    const xml = await platform.decompressBytes(codec, m.compressed, m.xmlLength).catch(() => null);
    return xml && xml.length === m.xmlLength ? xml : null;
  }
  const out = into && into.length >= m.xmlLength ? into.subarray(0, m.xmlLength) : new Uint8Array(m.xmlLength);
  const input = new ReadableStream<Uint8Array>({ start: (c) => { c.enqueue(m.compressed); c.close(); } });
  return (await fillExactly(platform.decompress(codec, input), out)) ? out : null;
}

/** Maps `items` through `fn` with at most `size` calls in flight, yielding in input order. */
export async function* windowed<T, U>(items: readonly T[], size: number, fn: (item: T) => Promise<U>): AsyncGenerator<U> {
  const queue: Promise<U>[] = [];
  let next = 0;
  const launch = (): void => {
    const p = fn(items[next++] as T);
    // a rejection is rethrown when its turn comes; don't report it as unhandled meanwhile
    p.catch(() => undefined);
    queue.push(p);
  };
  while (next < items.length && queue.length < size) launch();
  while (queue.length > 0) {
    const value = await (queue.shift() as Promise<U>);
    if (next < items.length) launch();
    yield value;
  }
}

/**
 * `windowed`, with fewer calls in flight once results turn out large: at most
 * `budget / largest result so far` (at least 1, at most `size`), so a run of packages with huge
 * file lists does not hold `size` of them at once.
 */
export async function* windowedBySize<T, U>(items: readonly T[], size: number, budget: number, sizeOf: (u: U) => number, fn: (item: T) => Promise<U>): AsyncGenerator<U> {
  const queue: Promise<U>[] = [];
  let next = 0;
  let largest = 1;
  const limit = (): number => Math.max(1, Math.min(size, Math.floor(budget / largest)));
  const launch = (): void => {
    const p = fn(items[next++] as T);
    p.catch(() => undefined);
    queue.push(p);
  };
  while (next < items.length && queue.length < limit()) launch();
  while (queue.length > 0) {
    const value = await (queue.shift() as Promise<U>);
    largest = Math.max(largest, sizeOf(value));
    while (next < items.length && queue.length < limit()) launch();
    yield value;
  }
}

/**
 * Buffers lent to reads of cached entries and taken back once consumed: one per read in flight,
 * each as large as the largest entry it has held. What a regeneration allocates for reading is
 * then about `prefetch + 1` entries per file, not one per entry. A pool given to every
 * regeneration of a server (`ChunkSourceOptions.buffers`) keeps them from one to the next, up to
 * its limits: a buffer given back beyond them is left to the garbage collector.
 */
export class BufferPool {
  readonly #free: Uint8Array[] = [];
  #idleBytes = 0;

  /** `enabled` false (a store that cannot read into a lent buffer): keeps nothing. */
  constructor(private readonly enabled = true, private readonly limits: { buffers: number; bytes: number } = { buffers: Infinity, bytes: Infinity }) {}

  /** The largest free buffer: entries vary in size, and one that does not fit is read into a new one. */
  take(): Uint8Array | undefined {
    let best = -1;
    this.#free.forEach((b, i) => {
      if (best < 0 || b.length > (this.#free[best] as Uint8Array).length) best = i;
    });
    if (best < 0) return undefined;
    const taken = this.#free.splice(best, 1)[0] as Uint8Array;
    this.#idleBytes -= taken.length;
    return taken;
  }

  /** Back into the pool: the whole buffer `view` lies in (undefined: nothing). */
  give(view: Uint8Array | undefined): void {
    if (!view || !this.enabled) return;
    const whole = new Uint8Array(view.buffer, 0, view.buffer.byteLength);
    if (this.#free.length >= this.limits.buffers || this.#idleBytes + whole.length > this.limits.bytes) return;
    this.#free.push(whole);
    this.#idleBytes += whole.length;
  }

  /** Buffers free for reuse, and their bytes. */
  get idle(): { buffers: number; bytes: number } {
    return { buffers: this.#free.length, bytes: this.#idleBytes };
  }
}

export class ChunkSource {
  readonly stats: ChunkStats;
  /** Part ids read or written, for the generation record (GC keeps what a generation used). */
  readonly partIds = new Set<string>();
  /** Builds started in this regeneration, by chunk id; they settle once all entries are stored. */
  readonly #builds = new Map<string, Promise<void>>();
  #running = 0;
  readonly #slots: (() => void)[] = [];
  /** XML views over buffers a cached read allocated (not lent, not built): reusable once consumed. */
  readonly #owned = new WeakSet<Uint8Array>();

  constructor(
    private readonly deps: { store: BlobStore; platform: Platform },
    private readonly tenant: string,
    private readonly repo: string,
    private readonly codec: Codec,
    private readonly opts: ChunkSourceOptions,
    chunks: number,
  ) {
    this.stats = opts.memberCache ? { chunks, reused: 0, built: 0, memory: 0 } : { chunks, reused: 0, built: 0 };
  }

  /**
   * Keeps a copy of a whole entry's member (a read one lies in a lent buffer) and returns the chunk
   * with that copy as its member, or the chunk as it is when there is no member cache.
   */
  #keep(key: string, chunk: CompressedChunk): CompressedChunk {
    if (!this.opts.memberCache) return chunk;
    const m: KeptMember = { packages: chunk.packages, xmlLength: chunk.xml.length, compressed: chunk.compressed.slice() };
    this.opts.memberCache.set(key, m, m.compressed.length + 64);
    return { ...chunk, compressed: m.compressed };
  }

  /** True when the member cache holds exactly these bytes for `key` (they then need no budget to be kept). */
  #held(key: string, compressed: Uint8Array): boolean {
    return this.opts.memberCache?.peek<KeptMember>(key)?.compressed === compressed;
  }

  /**
   * The members of `kind` for `plans` in order, each with the key of the entry holding it:
   * `prefetch` chunk entries ahead, parts one at a time. Cached entries are read into buffers
   * this generator lends and takes back when the consumer asks for the next member: a member's
   * `xml` and `compressed` are valid only until then (a consumer that keeps one copies it).
   */
  async *members(plans: readonly ChunkPlan[], kind: XmlKind, prefetch: number): AsyncGenerator<{ chunk: CompressedChunk; key: string; held?: boolean }> {
    const { tenant, repo } = this;
    const pool = this.deps.store.getBytes === undefined ? new BufferPool(false) : this.opts.buffers ?? new BufferPool();
    const read = async (p: ChunkPlan): Promise<readonly [ChunkPlan, ChunkEntry, Uint8Array | undefined]> => {
      const lent = pool.take();
      try {
        return [p, await this.entry(p, kind, lent), lent] as const;
      } catch (e) {
        pool.give(lent);
        throw e;
      }
    };
    for await (const [plan, entry, lent] of windowed(plans, prefetch, read)) {
      if ('chunk' in entry) {
        const key = repoChunkKey(tenant, repo, plan.id, kind);
        yield { chunk: entry.chunk, key, held: this.#held(key, entry.chunk.compressed) };
        // the consumer is done with it: the buffer goes back (or the larger one the read made)
        pool.give(this.#owned.has(entry.chunk.xml) ? entry.chunk.xml : lent);
        continue;
      }
      pool.give(lent);
      for (let i = 0; i < entry.parts.length; i++) {
        yield { chunk: await this.#part(plan, kind, i, entry.parts[i] as number), key: repoChunkKey(tenant, repo, this.#partId(plan, kind, i), kind) };
      }
    }
  }

  /** The chunk's entry for `kind`, built (all kinds) when the cache lacks it; read `into` a lent buffer when it fits. */
  async entry(plan: ChunkPlan, kind: XmlKind, into?: Uint8Array): Promise<ChunkEntry> {
    const cached = await this.#read(plan, kind, into);
    if (cached) {
      this.stats.reused++;
      return cached;
    }
    const pending = this.#builds.get(plan.id);
    if (pending) {
      await pending;
      const stored = await this.#read(plan, kind, into);
      if (stored) return stored;
      // the store lost it between the build and now (GC of a stale entry): build again below
    }
    return (await this.#startBuild(plan))[kind];
  }

  async #read(plan: ChunkPlan, kind: XmlKind, into?: Uint8Array): Promise<ChunkEntry | null> {
    const key = repoChunkKey(this.tenant, this.repo, plan.id, kind);
    const kept = this.opts.memberCache?.peek<KeptMember>(key);
    if (kept && kept.packages === plan.count) {
      const xml = await inflate(this.deps.platform, this.codec, kept, into);
      if (xml) {
        this.stats.memory = (this.stats.memory ?? 0) + 1;
        return { chunk: { packages: kept.packages, xml, compressed: kept.compressed } };
      }
    }
    const read = await readChunkEntry(this.deps.store, this.tenant, this.repo, plan.id, kind, into);
    if (!read) return null;
    const e = 'chunk' in read && read.chunk.packages === plan.count ? { chunk: this.#keep(key, read.chunk) } : read;
    // a read that did not fit `into` made a buffer of its own: members() may keep that one
    if ('chunk' in e && e.chunk.xml.buffer !== into?.buffer) this.#owned.add(e.chunk.xml);
    if ('chunk' in e) return e.chunk.packages === plan.count ? e : null;
    if (e.parts.reduce((a, b) => a + b, 0) !== plan.count) return null;
    e.parts.forEach((_, i) => this.partIds.add(this.#partId(plan, kind, i)));
    return e;
  }

  #partId(plan: ChunkPlan, kind: XmlKind, index: number): string {
    return partId(this.deps.platform, plan.id, kind, index, this.opts.partBytes);
  }

  /** Part `index`; a missing or damaged one (a partial GC) rebuilds the chunk, which writes identical parts. */
  async #part(plan: ChunkPlan, kind: XmlKind, index: number, packages: number): Promise<CompressedChunk> {
    const id = this.#partId(plan, kind, index);
    for (let attempt = 0; attempt < 2; attempt++) {
      const c = await readChunk(this.deps.store, this.tenant, this.repo, id, kind);
      if (c && c.packages === packages) return c;
      if (attempt === 0) await this.#startBuild(plan);
    }
    throw new BerthError('chunk_part_missing', `part ${index} of chunk ${plan.id} (${kind}) is missing after a rebuild`);
  }

  #startBuild(plan: ChunkPlan): Promise<Record<XmlKind, ChunkEntry>> {
    const building = this.#limited(() => this.#build(plan));
    const settled = building.then(() => undefined);
    settled.catch(() => undefined);
    this.#builds.set(plan.id, settled);
    return building;
  }

  async #limited<T>(fn: () => Promise<T>): Promise<T> {
    while (this.#running >= Math.max(1, this.opts.builds)) await new Promise<void>((r) => this.#slots.push(r));
    this.#running++;
    try {
      return await fn();
    } finally {
      this.#running--;
      this.#slots.shift()?.();
    }
  }

  async #build(plan: ChunkPlan): Promise<Record<XmlKind, ChunkEntry>> {
    const { store, platform } = this.deps;
    const encoder = new TextEncoder();
    const state = Object.fromEntries(KINDS.map((k) => [k, { texts: [] as string[], packages: 0, bytes: 0, parts: [] as number[] }])) as
      Record<XmlKind, { texts: string[]; packages: number; bytes: number; parts: number[] }>;
    const make = async (kind: XmlKind): Promise<CompressedChunk> => {
      const s = state[kind];
      const xml = encoder.encode(s.texts.join(''));
      const chunk: CompressedChunk = { packages: s.packages, xml, compressed: await platform.compress(this.codec, xml) };
      s.texts = [];
      s.packages = 0;
      s.bytes = 0;
      return chunk;
    };
    const flushPart = async (kind: XmlKind): Promise<void> => {
      const s = state[kind];
      const index = s.parts.length;
      const chunk = await make(kind);
      const id = this.#partId(plan, kind, index);
      await writeChunk(store, this.tenant, this.repo, id, kind, chunk);
      s.parts.push(chunk.packages);
      this.partIds.add(id);
    };
    const fragmentSize = (f: { primary: string; filelists: string; other: string }): number => f.primary.length + f.filelists.length + f.other.length;
    const entries = await readSegment(store, this.tenant, this.repo, plan.segment);
    if (entries.length !== plan.count) throw new BerthError('chunk_segment_mismatch', `index segment ${plan.segment} holds ${entries.length} packages, its list says ${plan.count}`);
    const reads = windowedBySize(entries, this.opts.window, 2 * this.opts.partBytes, fragmentSize, (e) => fragmentsFor(store, platform, this.tenant, this.repo, e));
    for await (const f of reads) {
      for (const kind of KINDS) {
        const s = state[kind];
        s.texts.push(f[kind]);
        s.packages++;
        s.bytes += f[kind].length;
        if (s.bytes >= this.opts.partBytes) await flushPart(kind);
      }
    }
    const out = {} as Record<XmlKind, ChunkEntry>;
    for (const kind of KINDS) {
      const s = state[kind];
      if (s.parts.length === 0) {
        const chunk = await make(kind);
        await writeChunk(store, this.tenant, this.repo, plan.id, kind, chunk);
        out[kind] = { chunk: this.#keep(repoChunkKey(this.tenant, this.repo, plan.id, kind), chunk) };
      } else {
        if (s.packages > 0) await flushPart(kind);
        await writePartsHead(store, this.tenant, this.repo, plan.id, kind, s.parts);
        out[kind] = { parts: s.parts };
      }
    }
    this.stats.built++;
    return out;
  }
}
