/**
 * Where packages are read. In-process, reading and writing share the main thread. With reader
 * threads (worker.ts), the main thread assembles, hashes and writes what the readers encoded,
 * a two-stage pipeline even with one reader, and reads batches itself whenever it would
 * otherwise wait: while the threads start, and when they are behind. Either way batches come
 * back in input order, so the output never depends on timing, and a bounded number of batches
 * is in flight, which bounds memory whatever the repository size.
 */
import type { Worker } from 'node:worker_threads';
import { describeBatch, type EncodedBatch } from './batch.js';
import type { ReaderConfig } from './reader-thread.js';
import { startReaderThread, takePrestarted } from './threads.js';
import { PackageReader, type DescribeJob } from './describe.js';

/** Jobs per batch: large enough to amortise a message, small enough to keep readers busy. */
export const BATCH = 32;
/** Batches queued per reader thread, so it never waits for the main thread. */
const IN_FLIGHT_PER_READER = 4;

/** A batch of consecutive jobs (null: reused from old metadata) and the encoded result of the others. */
export interface DescribedBatch {
  jobs: readonly (DescribeJob | null)[];
  batch: EncodedBatch;
}

export interface Readers {
  describe(jobs: readonly (DescribeJob | null)[]): AsyncGenerator<DescribedBatch>;
  /** The writer is done with `batch`: its buffer is written into again by a later batch. */
  release(batch: EncodedBatch): void;
  close(): Promise<void>;
}

const described = (slice: readonly (DescribeJob | null)[]): DescribeJob[] => slice.filter((j): j is DescribeJob => j !== null);

/** Reads on the calling thread. */
export function inProcessReaders(root: string, changelogLimit: number): Readers {
  const reader = new PackageReader(root);
  const spare: ArrayBuffer[] = [];
  return {
    async *describe(jobs) {
      for (let at = 0; at < jobs.length; at += BATCH) {
        const slice = jobs.slice(at, at + BATCH);
        yield { jobs: slice, batch: await describeBatch(reader, described(slice), changelogLimit, spare.pop()) };
      }
    },
    release(batch) {
      spare.push(batch.xml.buffer as ArrayBuffer);
    },
    async close() {},
  };
}

/** Starts `count` reader threads now (they load while the caller lists the packages). */
export function threadReaders(count: number, root: string, changelogLimit: number): Readers {
  const own = new PackageReader(root);
  const spare: ArrayBuffer[] = [];
  // which thread made a batch (-1: this one), so that its buffer goes back there
  const maker = new WeakMap<EncodedBatch, number>();
  // threads started before the command loaded (threads.ts) first, then new ones
  const pool: Worker[] = takePrestarted(count);
  while (pool.length < count) pool.push(startReaderThread());
  const ready = new Array<boolean>(count).fill(false);
  const inflight = new Array<number>(count).fill(0);
  let failure: unknown = null;
  let closing = false;
  let wake: (() => void) | null = null;
  const results = new Map<number, EncodedBatch>();
  pool.forEach((worker, w) => {
    worker.on('message', (m: { ready: true } | { id: number; batch: EncodedBatch }) => {
      if ('ready' in m) ready[w] = true;
      else {
        inflight[w]!--;
        maker.set(m.batch, w);
        results.set(m.id, m.batch);
      }
      wake?.();
    });
    worker.on('error', (e) => {
      failure ??= e;
      wake?.();
    });
    worker.on('exit', (code) => {
      if (!closing) failure ??= new Error(`a reader thread exited (code ${code})`);
      wake?.();
    });
  });
  const config: ReaderConfig = { root, changelogLimit };
  for (const w of pool) w.postMessage({ config });
  let nextId = 0;

  return {
    async *describe(jobs) {
      const base = nextId;
      const batches = Math.ceil(jobs.length / BATCH);
      nextId += batches;
      const slice = (k: number) => jobs.slice(k * BATCH, (k + 1) * BATCH);
      // batches below `next` are read or being read; the others are not yet anyone's
      let next = 0;
      const window = count * IN_FLIGHT_PER_READER + 2;
      const refill = (consumed: number) => {
        for (let w = 0; w < count; w++) {
          while (ready[w] && inflight[w]! < IN_FLIGHT_PER_READER && next < batches && next - consumed < window) {
            inflight[w]!++;
            pool[w]!.postMessage({ id: base + next, jobs: described(slice(next)) });
            next++;
          }
        }
      };
      for (let k = 0; k < batches; k++) {
        for (;;) {
          if (failure !== null) throw failure;
          refill(k);
          if (results.has(base + k)) break;
          if (next < batches && next - k < window) {
            // rather than wait, read the next unclaimed batch here; first let the event loop
            // deliver what the threads sent (reading here would not yield to it otherwise)
            await new Promise<void>((resolve) => setImmediate(resolve));
            if (failure !== null) throw failure;
            refill(k);
            if (results.has(base + k) || next >= batches || next - k >= window) continue;
            const mine = next++;
            const batch = await describeBatch(own, described(slice(mine)), changelogLimit, spare.pop());
            maker.set(batch, -1);
            results.set(base + mine, batch);
            continue;
          }
          await new Promise<void>((resolve) => (wake = resolve));
          wake = null;
        }
        const batch = results.get(base + k)!;
        results.delete(base + k);
        yield { jobs: slice(k), batch };
      }
    },
    release(batch) {
      const w = maker.get(batch);
      const buffer = batch.xml.buffer as ArrayBuffer;
      if (w === undefined || w < 0) spare.push(buffer);
      else if (!closing) pool[w]!.postMessage({ recycle: buffer }, [buffer]);
    },
    async close() {
      closing = true;
      await Promise.all(pool.map((w) => w.terminate()));
    },
  };
}
