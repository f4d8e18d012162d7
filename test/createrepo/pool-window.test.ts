// createrepo's reader threads (src/cli/createrepo/pool.ts) never run more than a window of
// batches ahead of the writer, whatever the number of packages: with a writer slower than the
// thread, the batches read and not yet written are counted, not timed.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthPackage } from '../../bench/lib/synth-repo.js';
import { BATCH, threadReaders } from '../../src/cli/createrepo/pool.js';
import { findPackages } from '../../src/cli/createrepo/walk.js';

let dir: string;
const PACKAGES = 20 * BATCH;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-pool-window-'));
  for (let i = 1; i <= PACKAGES; i++) {
    const p = synthPackage(i);
    await writeFile(join(dir, `${p.name}.x86_64.rpm`), p.bytes);
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('reader threads', () => {
  it('hold at most their window of batches ahead of a slow writer', async () => {
    const list = findPackages(dir);
    expect(list.length).toBe(PACKAGES);
    const readers = threadReaders(1, dir, 10);
    const seen: number[] = [];
    try {
      for await (const { from, to, batch } of readers.describe({ list, state: null })) {
        seen.push(from);
        expect(to - from).toBe(BATCH);
        expect(batch.ends.length).toBe(3 * BATCH);
        // the writer is slow: the thread reads on until the window is full, then waits (the
        // first time, until the thread, started from the sources here, is well ahead)
        for (let t = 0; t < (seen.length === 1 ? 600 : 3); t++) {
          if (seen.length === 1 && readers.held.most >= 4) break;
          await new Promise((r) => setTimeout(r, 25));
        }
        readers.release(batch);
      }
    } finally {
      await readers.close();
    }
    expect(seen).toEqual(Array.from({ length: 20 }, (_, k) => k * BATCH));
    // (1 thread + this one) × 4 batches ahead, of 20 in all
    expect(readers.held.most).toBeGreaterThanOrEqual(4);
    expect(readers.held.most).toBeLessThanOrEqual(2 * 4);
  }, 60_000);
});
