// The memory a server's regenerations reuse: kept members in slabs of a bounded arena
// (member-arena.ts), read buffers in a bounded pool (chunk-source.ts BufferPool). Bounds are
// proved by counting slabs, buffers and bytes held.
import { describe, expect, it } from 'vitest';
import { BufferPool } from '../../src/repo/chunk-source.js';
import { MemberArena } from '../../src/repo/member-arena.js';
import { byteBudget } from '../../src/repo/metadata-writer.js';

const bytes = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);

describe('MemberArena', () => {
  it('copies what it keeps, and keeps it intact until released', () => {
    const arena = new MemberArena(4096, 1024);
    const lease = arena.lease();
    const src = bytes(300, 7);
    const kept = lease.keep(src)!;
    src.fill(0); // the lent buffer is reused by the reader
    expect(kept).toEqual(bytes(300, 7));
    const second = lease.keep(bytes(300, 9))!;
    expect(kept).toEqual(bytes(300, 7));
    expect(second).toEqual(bytes(300, 9));
    // both in one slab, one after the other
    expect(second.buffer).toBe(kept.buffer);
    expect(arena.stats).toEqual({ slabs: 1, free: 0 });
    lease.release();
    expect(arena.stats).toEqual({ slabs: 1, free: 1 });
    // a released lease keeps nothing more
    expect(lease.keep(bytes(10, 1))).toBeNull();
  });

  it('never holds more than its capacity, however much is offered', () => {
    const arena = new MemberArena(4096, 1024);
    const lease = arena.lease();
    let kept = 0;
    for (let i = 0; i < 100; i++) if (lease.keep(bytes(400, i)) !== null) kept += 400;
    // 2 members of 400 bytes per 1 KiB slab, 4 slabs
    expect(kept).toBe(8 * 400);
    expect(arena.stats.slabs).toBe(4);
    // a member larger than a slab is never kept
    expect(arena.lease().keep(bytes(1025, 1))).toBeNull();
    lease.release();
    expect(arena.stats).toEqual({ slabs: 4, free: 4 });
  });

  it('reuses its slabs from one lease to the next instead of allocating', () => {
    const arena = new MemberArena(8192, 1024);
    const buffers = new Set<ArrayBufferLike>();
    for (let run = 0; run < 20; run++) {
      const lease = arena.lease();
      for (let i = 0; i < 6; i++) buffers.add(lease.keep(bytes(500, run))!.buffer);
      lease.release();
    }
    expect(arena.stats).toEqual({ slabs: 3, free: 3 });
    expect(buffers.size).toBe(3);
  });

  it('shares its capacity between leases held at once', () => {
    const arena = new MemberArena(3072, 1024);
    const a = arena.lease();
    const b = arena.lease();
    expect(a.keep(bytes(1000, 1))).not.toBeNull();
    expect(b.keep(bytes(1000, 2))).not.toBeNull();
    expect(a.keep(bytes(1000, 3))).not.toBeNull();
    // the capacity is used up: b keeps nothing more until a gives its slabs back
    expect(b.keep(bytes(1000, 4))).toBeNull();
    a.release();
    const kept = b.keep(bytes(1000, 5))!;
    expect(kept).toEqual(bytes(1000, 5));
    expect(arena.stats.slabs).toBe(3);
  });

  it('byteBudget keeps copies while its bytes last', () => {
    const budget = byteBudget(1000);
    const src = bytes(600, 3);
    const kept = budget.keep(src)!;
    expect(kept.buffer).not.toBe(src.buffer);
    expect(budget.keep(bytes(600, 4))).toBeNull();
    expect(budget.keep(bytes(400, 5))).toEqual(bytes(400, 5));
    expect(byteBudget(0).keep(bytes(1, 1))).toBeNull();
  });
});

describe('BufferPool limits', () => {
  it('keeps at most `buffers` buffers and `bytes` bytes free; the rest is dropped', () => {
    const pool = new BufferPool(true, { buffers: 3, bytes: 2500 });
    for (let i = 0; i < 10; i++) pool.give(bytes(1000, i));
    expect(pool.idle).toEqual({ buffers: 2, bytes: 2000 });
    pool.give(bytes(400, 1));
    pool.give(bytes(50, 1));
    expect(pool.idle).toEqual({ buffers: 3, bytes: 2400 });
    // taken: the largest first, and no longer counted
    expect(pool.take()!.length).toBe(1000);
    expect(pool.idle).toEqual({ buffers: 2, bytes: 1400 });
  });

  it('gives back the whole buffer a view lies in, and keeps nothing when disabled', () => {
    const pool = new BufferPool(true, { buffers: 4, bytes: 1 << 20 });
    const whole = new Uint8Array(4096);
    pool.give(whole.subarray(100, 200));
    expect(pool.idle).toEqual({ buffers: 1, bytes: 4096 });
    expect(pool.take()!.buffer).toBe(whole.buffer);
    const off = new BufferPool(false);
    off.give(whole);
    expect(off.idle).toEqual({ buffers: 0, bytes: 0 });
  });
});
