/**
 * Describes packages on worker threads (reading and XML generation are CPU-bound; createrepo_c
 * uses threads too) and hands the outcomes back in input order, so the output never depends on
 * timing. Work goes out in small batches with a bounded number in flight per worker, which
 * bounds memory whatever the repository size.
 */
import { Worker } from 'node:worker_threads';
import type { DescribeJob, Outcome } from './describe.js';

const BATCH = 16;
const IN_FLIGHT_PER_WORKER = 3;

export async function* describeOnWorkers(
  jobs: readonly (DescribeJob | null)[],
  workers: number,
  changelogLimit: number,
): AsyncGenerator<Outcome | null> {
  const pool = Array.from({ length: workers }, () => startWorker({ changelogLimit }));
  const results = new Map<number, Outcome[]>();
  const waiting = new Map<number, () => void>();
  let failure: unknown = null;
  const inflight = new Array<number>(workers).fill(0);
  const batches = Math.ceil(jobs.length / BATCH);
  let sent = 0;

  // Keep at most workers × IN_FLIGHT batches between the consumer and the senders.
  const send = (consumed: number) => {
    while (sent < batches && sent - consumed < workers * IN_FLIGHT_PER_WORKER) {
      let w = 0;
      for (let i = 1; i < workers; i++) if (inflight[i]! < inflight[w]!) w = i;
      const id = sent++;
      inflight[w]!++;
      const slice = jobs.slice(id * BATCH, (id + 1) * BATCH);
      pool[w]!.postMessage({ id, jobs: slice.filter((j): j is DescribeJob => j !== null) });
    }
  };
  pool.forEach((worker, w) => {
    worker.on('message', (m: { id: number; outcomes: Outcome[] }) => {
      inflight[w]!--;
      results.set(m.id, m.outcomes);
      waiting.get(m.id)?.();
    });
    worker.on('error', (e) => {
      failure = e;
      for (const wake of waiting.values()) wake();
    });
  });

  try {
    for (let id = 0; id < batches; id++) {
      send(id);
      if (!results.has(id) && !failure) {
        await new Promise<void>((resolve) => waiting.set(id, resolve));
        waiting.delete(id);
      }
      if (failure) throw failure;
      const outcomes = results.get(id)!;
      results.delete(id);
      // null jobs (reused from old metadata) keep their slot
      let k = 0;
      for (const job of jobs.slice(id * BATCH, (id + 1) * BATCH)) yield job === null ? null : outcomes[k++]!;
    }
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
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
