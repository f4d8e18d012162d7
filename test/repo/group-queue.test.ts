// Group commit's queue: later callers share the next batch, and each batch is written in the
// async context of its own first caller — never by a caller that already has its answer (in a
// Worker, I/O left running by a finished request is cancelled and its waiters would hang).
import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { GroupQueue } from '../../src/repo/group-queue.js';

describe('GroupQueue', () => {
  it('batches what arrives during a write; each batch runs in its first caller\'s context; results and errors go to their callers', async () => {
    const als = new AsyncLocalStorage<string>();
    const runs: { items: string[]; context: string | undefined }[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const q = new GroupQueue<string, string>(async (items) => {
      runs.push({ items, context: als.getStore() });
      if (runs.length === 1) await gate;
      if (items.includes('bad')) throw new Error('batch failed');
      return items.map((i) => i.toUpperCase());
    }, 3);
    const call = (name: string): Promise<string> => als.run(name, () => q.submit(name));
    const a = call('a');
    await new Promise((r) => setTimeout(r, 5));
    const rest = ['b', 'c', 'd', 'e'].map(call);
    expect(q.waiting).toBe(4);
    release();
    expect(await a).toBe('A');
    expect(await Promise.all(rest)).toEqual(['B', 'C', 'D', 'E']);
    expect(runs).toEqual([
      { items: ['a'], context: 'a' },
      { items: ['b', 'c', 'd'], context: 'b' },
      { items: ['e'], context: 'e' },
    ]);
    const failing = await Promise.allSettled([call('bad'), call('x')]);
    expect(failing[0]).toMatchObject({ status: 'rejected', reason: { message: 'batch failed' } });
    // the queue goes on after a failed batch
    expect(await call('y')).toBe('Y');
  });
});
