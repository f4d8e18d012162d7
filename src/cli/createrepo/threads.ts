/**
 * Reader threads for createrepo, and its I/O thread (io-thread.ts): when, how many by default,
 * and starting them early. A thread's
 * start-up (a V8 isolate, Node's bootstrap, the reader's modules) takes tens of milliseconds;
 * started before the command's own modules load, it overlaps the main thread's start-up on
 * another CPU instead of following it. The threads then wait for their configuration
 * (worker.ts), which the pool sends once the arguments are parsed.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { releaseV8Tuning } from './v8-flags.js';

/**
 * This module's URL, read once as it loads: the first `import.meta` of a process loads one of
 * Node's built-in modules, which must load before the command changes V8's settings (see
 * createrepo-main.ts), not when the first thread starts after them.
 */
const HERE = import.meta.url;

/** A job this large pays for a reader thread on 2 CPUs (docs/benchmarks.md, createrepo). */
export const THREADS_FROM_PACKAGES = 10_000;
export const THREADS_FROM_BYTES = 512 * 1024 * 1024;

/** The size of a createrepo job: how many package files, and about how many bytes in all. */
export interface JobSize {
  packages: number;
  bytes: number;
}

/**
 * Reader threads when `--workers` is not given. A thread costs ~0.3 s of CPU and ~20 MiB
 * (its start, a second warm-up of the compiled code): on 2 CPUs that pays only for a large job
 * (many packages, or big ones, where hashing dominates), so one thread there and none below;
 * on more CPUs, one per CPU beyond the first (at most 8); on one CPU, none.
 */
export function defaultWorkers(job: JobSize, cpus: number = availableParallelism()): number {
  if (cpus <= 1) return 0;
  if (cpus === 2) return job.packages >= THREADS_FROM_PACKAGES || job.bytes >= THREADS_FROM_BYTES ? 1 : 0;
  return Math.min(8, cpus - 1);
}

/**
 * A job this small is read on the main thread alone: the I/O thread's first file comes ~0.1 s
 * after it starts, while the main thread reads the first several hundred files itself, and its
 * start costs 0.1–0.2 s of CPU. Measured on 2 CPUs (docs/benchmarks.md, createrepo): the main
 * thread did no less work with it at 1,000 or 2,000 small packages, 8 % less at 3,000 and 13–15 %
 * less at 4,000. It is started only for a job known to be that large: by the bundled entry when
 * a listing bounded by counting finds enough files (io-prestart.ts), else once the number of
 * files to read is known; for a small job (an empty directory, an --update that reads a few
 * packages) its start would cost more than the job.
 */
export const IO_THREAD_FROM_PACKAGES = 3000;

/**
 * Whether the main thread gets an I/O thread that opens, reads and hashes the files ahead of it:
 * when it parses every package itself (no reader threads), there is a second CPU for it, and
 * there are enough packages to repay its start. It takes the file syscalls and the hashing (a
 * quarter of the main thread's work for small packages, most of it for large ones) off the main
 * thread, for more CPU time in all (docs/benchmarks.md, createrepo).
 */
export function useIoThread(workers: number, packages: number, asked: boolean = IO_THREAD_BY_DEFAULT, cpus: number = availableParallelism()): boolean {
  return asked && workers === 0 && cpus >= 2 && packages >= IO_THREAD_FROM_PACKAGES;
}

/** Whether a run without `--io-thread` or `--no-io-thread` uses it (when useIoThread says the job can). */
export const IO_THREAD_BY_DEFAULT = false;

/** Threads started ahead of the pool (prestart), not yet taken by it. */
let early: Worker[] = [];
/** Those of them that failed or stopped before the pool took them (they are not handed over). */
const lost = new WeakSet<Worker>();
const watchers = new WeakMap<Worker, () => void>();

/** The value of the last `--workers N` / `--workers=N` in ARGS, read before the command parses them. */
export function workersArgument(args: readonly string[]): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--workers') value = args[i + 1];
    else if (a.startsWith('--workers=')) value = a.slice('--workers='.length);
  }
  return value;
}

/**
 * Starts the reader threads `berth createrepo ARGS` asks for with `--workers N`, before its
 * modules load. Without `--workers` none start here: the default depends on the size of the
 * job, known once the directory is listed. Anything unusual about the arguments (a malformed
 * `--workers`, `--help`) starts none: the command then reports it, or starts its threads itself.
 */
export function prestartReaders(args: readonly string[]): void {
  if (args.includes('--help') || args.includes('-h')) return;
  const value = workersArgument(args);
  if (value === undefined || !/^\d+$/.test(value)) return;
  const count = Number(value);
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
  // a reader thread loads its built-ins under the command's V8 settings (io-prestart.ts)
  releaseV8Tuning();
  return HERE.endsWith('.ts') ? fromSources('worker') : new Worker(new URL('./worker.js', HERE), QUIET);
}

/** The I/O thread (io-thread.ts; in the built CLI, io-thread.js next to this file). */
export function startIoThread(): Worker {
  return HERE.endsWith('.ts') ? fromSources('io-thread') : new Worker(new URL('./io-thread.js', HERE), QUIET);
}

/**
 * A reader thread prints nothing (it reports batches and failures through messages), so its
 * stdout and stderr are not piped to this process's: Node's default would set up both of this
 * process's streams, which for pipes costs a short run ~15 ms of CPU.
 */
const QUIET = { stdout: true, stderr: true } as const;

function fromSources(name: string): Worker {
  const entry = JSON.stringify(new URL(`./${name}.ts`, HERE).href);
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${entry}); });`;
  return new Worker(boot, { eval: true, ...QUIET });
}
