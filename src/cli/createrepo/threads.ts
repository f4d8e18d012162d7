/**
 * Reader threads for createrepo: how many by default, and starting them early. A thread's
 * start-up (a V8 isolate, Node's bootstrap, the reader's modules) takes tens of milliseconds;
 * started before the command's own modules load, it overlaps the main thread's start-up on
 * another CPU instead of following it. The threads then wait for their configuration
 * (worker.ts), which the pool sends once the arguments are parsed.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * One reader thread per CPU beyond the first (at most 8), so on 2 CPUs one: reading and
 * encoding packages then share two CPUs with the main thread's writing (measured:
 * docs/benchmarks.md); on one CPU, none.
 */
export function defaultWorkers(cpus: number = availableParallelism()): number {
  return cpus <= 2 ? 0 : Math.min(8, cpus - 1);
}

/** Threads started ahead of the pool (prestart), not yet taken by it. */
let early: Worker[] = [];
/** Those of them that failed or stopped before the pool took them (they are not handed over). */
const lost = new WeakSet<Worker>();
const watchers = new WeakMap<Worker, () => void>();

/**
 * Starts the reader threads `berth createrepo ARGS` will use, before its modules load: as many
 * as `--workers` says (or the default). Anything unusual about the arguments (a malformed
 * `--workers`, `--help`) starts none: the command then reports it, or starts its threads itself.
 */
export function prestartReaders(args: readonly string[]): void {
  if (args.includes('--help') || args.includes('-h')) return;
  let count = defaultWorkers();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = a === '--workers' ? args[i + 1] : a.startsWith('--workers=') ? a.slice('--workers='.length) : undefined;
    if (value === undefined) continue;
    if (!/^\d+$/.test(value)) return;
    count = Number(value);
  }
  for (let i = 0; i < count; i++) {
    const worker = startReaderThread();
    // until the pool takes it, it must not keep the process alive (a usage error exits at once)
    worker.unref();
    // a thread that cannot start is replaced by the pool, which then reports why
    const onEnd = () => lost.add(worker);
    worker.on('error', onEnd).on('exit', onEnd);
    watchers.set(worker, onEnd);
    early.push(worker);
  }
}

/** Up to `count` threads started by prestartReaders and still running (the others are stopped). */
export function takePrestarted(count: number): Worker[] {
  const alive = early.filter((w) => !lost.has(w));
  const taken = alive.slice(0, count);
  for (const w of alive.slice(count)) void w.terminate();
  early = [];
  for (const w of taken) {
    const onEnd = watchers.get(w)!;
    w.off('error', onEnd).off('exit', onEnd);
    w.ref();
  }
  return taken;
}

/**
 * The built CLI runs the compiled worker.js next to this file. From sources (tsx), the worker
 * thread needs tsx's loader registered first: loader hooks are per thread.
 */
export function startReaderThread(): Worker {
  return import.meta.url.endsWith('.ts') ? fromSources() : new Worker(new URL('./worker.js', import.meta.url), QUIET);
}

/**
 * A reader thread prints nothing (it reports batches and failures through messages), so its
 * stdout and stderr are not piped to this process's: Node's default would set up both of this
 * process's streams, which for pipes costs a short run ~15 ms of CPU.
 */
const QUIET = { stdout: true, stderr: true } as const;

function fromSources(): Worker {
  const entry = JSON.stringify(new URL('./worker.ts', import.meta.url).href);
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${entry}); });`;
  return new Worker(boot, { eval: true, ...QUIET });
}
