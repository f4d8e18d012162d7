/**
 * Memory for the compressed members a regeneration keeps between its two passes
 * (metadata-writer.ts), reused from one regeneration to the next. A server that regenerates after
 * every publish would otherwise copy every kept member into new memory each time (13.5 MiB at
 * 50,000 packages) and leave the copies to the garbage collector, which frees ArrayBuffers only
 * once many of them have piled up: during a bulk import, tens of MiB of a server's peak.
 *
 * The arena is slabs of `slabBytes`, at most `capacity` bytes of them in all, allocated when first
 * needed and then kept. A regeneration takes a lease, which copies members one after the other
 * into slabs it takes from the arena, and gives its slabs back when the regeneration is done with
 * every file (`release`). Concurrent regenerations share the capacity: a lease that finds no slab
 * free keeps nothing more, and its regeneration reads the rest again in its second pass, as one
 * without a budget does. A member larger than a slab is never kept.
 */
import type { MemberBudget } from './metadata-writer.js';

export class MemberArena {
  readonly #free: Uint8Array[] = [];
  #slabs = 0;

  constructor(readonly capacity: number, readonly slabBytes = 1024 * 1024) {}

  lease(): MemberLease {
    return new MemberLease(this);
  }

  /** Slabs allocated (never more than capacity / slabBytes), and how many of them are free. */
  get stats(): { slabs: number; free: number } {
    return { slabs: this.#slabs, free: this.#free.length };
  }

  /** A free slab, a new one while the capacity allows, else null. */
  take(): Uint8Array | null {
    const free = this.#free.pop();
    if (free) return free;
    if ((this.#slabs + 1) * this.slabBytes > this.capacity) return null;
    this.#slabs++;
    return new Uint8Array(this.slabBytes);
  }

  give(slab: Uint8Array): void {
    this.#free.push(slab);
  }
}

/** One regeneration's share of the arena: what it kept stays valid until `release`. */
export class MemberLease implements MemberBudget {
  readonly #slabs: Uint8Array[] = [];
  /** Bytes used in the last slab. */
  #used = 0;
  #released = false;

  constructor(private readonly arena: MemberArena) {}

  keep(compressed: Uint8Array): Uint8Array | null {
    if (this.#released || compressed.length > this.arena.slabBytes) return null;
    let slab = this.#slabs.at(-1);
    if (slab === undefined || this.#used + compressed.length > slab.length) {
      const next = this.arena.take();
      if (next === null) return null;
      this.#slabs.push(next);
      this.#used = 0;
      slab = next;
    }
    const out = slab.subarray(this.#used, this.#used + compressed.length);
    out.set(compressed);
    this.#used += compressed.length;
    return out;
  }

  /** Gives the slabs back: nothing kept through this lease may be read after this. */
  release(): void {
    this.#released = true;
    for (const slab of this.#slabs.splice(0)) this.arena.give(slab);
  }
}
