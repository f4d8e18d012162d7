// How many reader threads `berth createrepo` uses without --workers: a thread costs a fixed
// amount of CPU and memory, so on 2 CPUs only a large job (many packages, or big ones) gets one.
import { describe, expect, it } from 'vitest';
import { defaultWorkers, IO_THREAD_BY_DEFAULT, IO_THREAD_FROM_PACKAGES, THREADS_FROM_BYTES, THREADS_FROM_PACKAGES, useIoThread } from '../../src/cli/createrepo/threads.js';

describe('defaultWorkers', () => {
  const small = { packages: 4000, bytes: 4000 * 3 * 1024 };
  it('reads in-process on 2 CPUs for a small job, with one thread for many or big packages', () => {
    expect(defaultWorkers(small, 2)).toBe(0);
    expect(defaultWorkers({ packages: THREADS_FROM_PACKAGES - 1, bytes: 1e6 }, 2)).toBe(0);
    expect(defaultWorkers({ packages: THREADS_FROM_PACKAGES, bytes: 1e6 }, 2)).toBe(1);
    expect(defaultWorkers({ packages: 50_000, bytes: 50_000 * 3 * 1024 }, 2)).toBe(1);
    expect(defaultWorkers({ packages: 4000, bytes: THREADS_FROM_BYTES }, 2)).toBe(1);
  });
  it('uses no thread on one CPU and one per further CPU (at most 8) on more than 2', () => {
    expect(defaultWorkers({ packages: 50_000, bytes: 5e9 }, 1)).toBe(0);
    expect(defaultWorkers(small, 4)).toBe(3);
    expect(defaultWorkers(small, 64)).toBe(8);
  });
});

describe('useIoThread', () => {
  it('reads and hashes on an I/O thread without reader threads, on 2 CPUs or more, for enough files', () => {
    expect(useIoThread(0, 4000, true, 2)).toBe(true);
    expect(useIoThread(0, IO_THREAD_FROM_PACKAGES, true, 4)).toBe(true);
    expect(useIoThread(0, IO_THREAD_FROM_PACKAGES - 1, true, 2)).toBe(false);
    expect(useIoThread(0, 0, true, 2)).toBe(false);
    expect(useIoThread(1, 4000, true, 2)).toBe(false);
    expect(useIoThread(0, 4000, true, 1)).toBe(false);
  });

  it('never when asked not to; by default as IO_THREAD_BY_DEFAULT says', () => {
    expect(useIoThread(0, 4000, false, 2)).toBe(false);
    expect(useIoThread(0, 4000, undefined, 2)).toBe(IO_THREAD_BY_DEFAULT);
  });
});
