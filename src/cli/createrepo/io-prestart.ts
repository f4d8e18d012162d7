/**
 * createrepo's I/O thread (io-thread.ts), started speculatively as the bundled entry's first step
 * (createrepo-main.ts), before the command changes V8's settings: a thread that loads Node's
 * built-ins after that change compiles them from source (measured: ~60 ms more CPU on the other
 * CPU, docs/benchmarks.md), and one started this early is reading by the time the directory is
 * listed instead of ~0.1 s later. The settings are held back (v8-flags.ts holdV8Tuning) until
 * the run takes the thread or stops it (the directory is listed by then), or the thread fails.
 *
 * A start that is not used costs the run the thread's whole start-up (an isolate cannot be
 * stopped while it is made: an empty directory took 0.22 s instead of 0.16 s), so it starts
 * only when the arguments leave the main thread reading in-process (no `--workers N`, no
 * `--update`, no `--no-io-thread`, 2 CPUs) and a listing of the directory, bounded by counting,
 * finds as many package files as the I/O thread needs (threads.ts useIoThread) and fewer than
 * a reader thread takes over. The run hands the thread its files once listed (run.ts), or stops
 * it at once when the job turns out not to use it.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { IO_THREAD_BY_DEFAULT, IO_THREAD_FROM_PACKAGES, startIoThread, THREADS_FROM_PACKAGES, workersArgument } from './threads.js';
import { CREATEREPO_OPTIONS, valuedOptionNames } from './options.js';
import { holdV8Tuning, releaseV8Tuning } from './v8-flags.js';
import { visitPackageFiles } from './walk.js';

/** Options of `berth createrepo` that take a value (the directory is the argument that is not one). */
const VALUED = valuedOptionNames(CREATEREPO_OPTIONS);

let early: { worker: Worker; onEnd: () => void } | null = null;

/** Counts for tests: package files the bounded listing visited. */
export const prestartStats = { listed: 0 };

/**
 * Starts the I/O thread if `berth createrepo ARGS` will use it (see above); `start` makes the
 * thread (tests give their own). True if it started.
 */
export function prestartIoThread(args: readonly string[], cpus: number = availableParallelism(), start: () => Worker = startIoThread): boolean {
  if (early !== null || cpus < 2) return false;
  let dir: string | undefined;
  // reader threads by default on more than 2 CPUs (threads.ts defaultWorkers)
  let inProcess = cpus === 2;
  let asked = IO_THREAD_BY_DEFAULT;
  const workers = workersArgument(args);
  if (workers !== undefined) {
    if (workers !== '0') return false;
    inProcess = true;
  }
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--update' || a === '--no-io-thread' || a === '--help' || a === '-h') return false;
    if (a === '--io-thread') asked = true;
    if (VALUED.has(a)) i++;
    else if (!a.startsWith('-')) {
      if (dir !== undefined) return false;
      dir = a;
    }
  }
  if (dir === undefined || !inProcess || !asked) return false;
  const n = countPackages(dir, THREADS_FROM_PACKAGES);
  if (n < IO_THREAD_FROM_PACKAGES || n >= THREADS_FROM_PACKAGES) return false;
  const worker = start();
  // until the run takes it, it keeps nothing alive, and once gone holds nothing back
  worker.unref();
  const onEnd = () => {
    if (early?.worker === worker) early = null;
    releaseV8Tuning();
  };
  worker.on('error', onEnd).on('exit', onEnd);
  early = { worker, onEnd };
  holdV8Tuning();
  return true;
}

/**
 * The thread started early, for the run to use (null if none, or it failed); its listeners are
 * the caller's from now on. The V8 settings are applied now, before any package is parsed: held
 * until the thread had loaded its modules, the main thread's first packages ran with TurboFan
 * (its compiles cost the other CPU more than the thread's late built-ins do, docs/benchmarks.md).
 */
export function takePrestartedIoThread(): Worker | null {
  const e = early;
  if (e === null) return null;
  early = null;
  e.worker.off('error', e.onEnd).off('exit', e.onEnd);
  releaseV8Tuning();
  return e.worker;
}

/** Stops a thread started early that the run does not use, and applies the V8 settings. */
export function stopPrestartedIoThread(): void {
  const e = early;
  if (e === null) return;
  early = null;
  e.worker.off('error', e.onEnd).off('exit', e.onEnd);
  void e.worker.terminate();
  releaseV8Tuning();
}

/**
 * Package files under `dir` as the walk counts them (walk.ts visitPackageFiles), stopping at
 * `bound`: a hint, read once more by the real listing. An unreadable directory counts as empty
 * (the command reports it).
 */
export function countPackages(dir: string, bound: number): number {
  let n = 0;
  try {
    visitPackageFiles(dir, () => {
      prestartStats.listed++;
      return ++n < bound;
    });
  } catch {
    return 0;
  }
  return n;
}
