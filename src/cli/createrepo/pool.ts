/**
 * Where packages are read. In-process, reading and writing share the main thread. On reader
 * threads (worker.ts), the main thread only assembles, hashes and writes what the readers
 * encoded, so even one reader makes a two-stage pipeline; with more, batches are spread over
 * them. Either way batches come back in input order, so the output never depends on timing,
 * and a bounded number of batches is in flight per reader, which bounds memory whatever the
 * repository size.
 */
import { Worker } from 'node:worker_threads';
import type { Platform } from '../../core/platform.js';
import { describeBatch, type EncodedBatch } from './batch.js';
import { PackageReader, type DescribeJob } from './describe.js';

/** Jobs per batch: large enough to amortise a message, small enough to keep readers busy. */
export const BATCH = 32;
const IN_FLIGHT_PER_READER = 4;

/** A batch of consecutive jobs (null: reused from old metadata) and the encoded result of the others. */
export interface DescribedBatch {
  jobs: readonly (DescribeJob | null)[];
  batch: EncodedBatch;
}

export interface Readers {
  describe(jobs: readonly (DescribeJob | null)[]): AsyncGenerator<DescribedBatch>;
  close(): Promise<void>;
}

const described = (slice: readonly (DescribeJob | null)[]): DescribeJob[] => slice.filter((j): j is DescribeJob => j !== null);

/** Reads on the calling thread. */
export function inProcessReaders(platform: Platform, changelogLimit: number): Readers {
  const reader = new PackageReader(platform);
  return {
    async *describe(jobs) {
      for (let at = 0; at < jobs.length; at += BATCH) {
        const slice = jobs.slice(at, at + BATCH);
        yield { jobs: slice, batch: await describeBatch(reader, described(slice), changelogLimit) };
      }
    },
    async close() {},
  };
}

/** Starts `count` reader threads now (they load while the caller lists the packages). */
export function threadReaders(count: number, changelogLimit: number): Readers {
  const pool = Array.from({ length: count }, () => startWorker({ changelogLimit }));
  let failure: unknown = null;
  let closing = false;
  let wake: (() => void) | null = null;
  const results = new Map<number, EncodedBatch>();
  const inflight = new Array<number>(count).fill(0);
  pool.forEach((worker, w) => {
    worker.on('message', (m: { id: number; batch: EncodedBatch }) => {
      inflight[w]!--;
      results.set(m.id, m.batch);
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
  let nextId = 0;

  return {
    async *describe(jobs) {
      const base = nextId;
      const batches = Math.ceil(jobs.length / BATCH);
      nextId += batches;
      const slice = (k: number) => jobs.slice(k * BATCH, (k + 1) * BATCH);
      let sent = 0;
      // Keep at most readers × IN_FLIGHT batches between the consumer and the readers.
      const send = (consumed: number) => {
        while (sent < batches && sent - consumed < count * IN_FLIGHT_PER_READER) {
          let w = 0;
          for (let i = 1; i < count; i++) if (inflight[i]! < inflight[w]!) w = i;
          inflight[w]!++;
          pool[w]!.postMessage({ id: base + sent, jobs: described(slice(sent)) });
          sent++;
        }
      };
      for (let k = 0; k < batches; k++) {
        send(k);
        while (!results.has(base + k) && failure === null) await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
        if (failure !== null) throw failure;
        const batch = results.get(base + k)!;
        results.delete(base + k);
        yield { jobs: slice(k), batch };
      }
    },
    async close() {
      closing = true;
      await Promise.all(pool.map((w) => w.terminate()));
    },
  };
}

/**
 * The built CLI runs the compiled worker.js next to this file. From sources (tsx), the worker
 * thread needs tsx's loader registered first: loader hooks are per thread.
 */
function startWorker(workerData: unknown): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./worker.js', import.meta.url), { workerData });
  const entry = JSON.stringify(new URL('./worker.ts', import.meta.url).href);
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${entry}); });`;
  return new Worker(boot, { eval: true, workerData });
}
