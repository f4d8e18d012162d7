/**
 * Supplies the compressed chunks of one regeneration: from the chunk cache when the entry is
 * there, else built from the packages' fragments. A build makes all three kinds at once, so a
 * fragment is read once per regeneration however many files need it, and the three files can
 * be written concurrently: whichever file reaches a missing chunk first builds it, the others
 * wait for that build and then read the entry it stored. Nothing built is held here beyond the
 * call that built it, so memory stays bounded by the chunks in flight, not by the repo.
 */
import type { Codec, Platform } from '../core/platform.js';
import type { CompressedChunk, XmlKind } from '../core/repodata/xml-file.js';
import type { BlobStore } from '../storage/blob-store.js';
import { readChunk, writeChunk, type ChunkPlan } from './chunk-cache.js';
import { fragmentsFor } from './package-fragments.js';

const KINDS: readonly XmlKind[] = ['primary', 'filelists', 'other'];

export interface ChunkStats {
  /** Chunks of this regeneration (each makes one member in each of the three files). */
  chunks: number;
  /** Chunk entries (chunk × file) served from the cache. */
  reused: number;
  /** Chunks built from fragments (all three files' entries at once). */
  built: number;
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

export class ChunkSource {
  readonly stats: ChunkStats;
  /** Builds started in this regeneration, by chunk id; they settle once all entries are stored. */
  readonly #builds = new Map<string, Promise<void>>();

  constructor(
    private readonly deps: { store: BlobStore; platform: Platform },
    private readonly tenant: string,
    private readonly repo: string,
    private readonly codec: Codec,
    private readonly window: number,
    chunks: number,
  ) {
    this.stats = { chunks, reused: 0, built: 0 };
  }

  async get(plan: ChunkPlan, kind: XmlKind): Promise<CompressedChunk> {
    const cached = await this.#read(plan, kind);
    if (cached) {
      this.stats.reused++;
      return cached;
    }
    const pending = this.#builds.get(plan.id);
    if (pending) {
      await pending;
      const stored = await this.#read(plan, kind);
      if (stored) return stored;
      // the store lost it between the build and now (GC of a stale entry): build again below
    }
    const building = this.#build(plan);
    const settled = building.then(() => undefined);
    settled.catch(() => undefined);
    this.#builds.set(plan.id, settled);
    return (await building)[kind];
  }

  async #read(plan: ChunkPlan, kind: XmlKind): Promise<CompressedChunk | null> {
    const c = await readChunk(this.deps.store, this.tenant, this.repo, plan.id, kind);
    return c && c.packages === plan.entries.length ? c : null;
  }

  async #build(plan: ChunkPlan): Promise<Record<XmlKind, CompressedChunk>> {
    const { store, platform } = this.deps;
    const parts: Record<XmlKind, string[]> = { primary: [], filelists: [], other: [] };
    for await (const f of windowed(plan.entries, this.window, (e) => fragmentsFor(store, platform, this.tenant, this.repo, e))) {
      for (const kind of KINDS) parts[kind].push(f[kind]);
    }
    const encoder = new TextEncoder();
    const made = await Promise.all(KINDS.map(async (kind): Promise<CompressedChunk> => {
      const xml = encoder.encode(parts[kind].join(''));
      const chunk: CompressedChunk = { packages: plan.entries.length, xml, compressed: await platform.compress(this.codec, xml) };
      await writeChunk(store, this.tenant, this.repo, plan.id, kind, chunk);
      return chunk;
    }));
    this.stats.built++;
    return { primary: made[0] as CompressedChunk, filelists: made[1] as CompressedChunk, other: made[2] as CompressedChunk };
  }
}
