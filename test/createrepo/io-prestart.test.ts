// The I/O thread started before the createrepo command loads (src/cli/createrepo/io-prestart.ts):
// started only for a run that will use it, judged from the arguments and a listing bounded by
// counting; stopped at once when the job does not use it; and the command's V8 settings held
// back while it may still be loading Node's built-ins (v8.setFlagsFromString is counted here).
import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as v8 from 'node:v8';
import type { Worker } from 'node:worker_threads';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';

const setFlags = vi.hoisted(() => vi.fn());
vi.mock('node:v8', async (original) => ({ ...(await original<typeof v8>()), setFlagsFromString: setFlags }));

const work = mkdtempSync(join(tmpdir(), 'berth-io-prestart-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A directory with `n` package files (empty: only names are listed), and files the walk skips. */
function repo(name: string, n: number): string {
  const dir = join(work, name);
  mkdirSync(join(dir, 'sub'), { recursive: true });
  mkdirSync(join(dir, 'repodata'));
  mkdirSync(join(dir, '.hidden'));
  for (let i = 0; i < n; i++) writeFileSync(join(dir, i % 2 ? 'sub' : '', `p-${i}.rpm`), '');
  // not packages: old metadata, a dot-directory, another extension
  for (let i = 0; i < 50; i++) {
    writeFileSync(join(dir, 'repodata', `r-${i}.rpm`), '');
    writeFileSync(join(dir, '.hidden', `h-${i}.rpm`), '');
    writeFileSync(join(dir, `n-${i}.txt`), '');
  }
  symlinkSync(join(dir, 'p-0.rpm'), join(dir, 'link.rpm'));
  return dir;
}

class FakeWorker extends EventEmitter {
  terminated = 0;
  unref(): void {}
  ref(): void {}
  terminate(): Promise<number> {
    this.terminated++;
    return Promise.resolve(1);
  }
}

/** A fresh copy of the modules (their state is per process: one prestart, one tuning). */
async function load() {
  vi.resetModules();
  setFlags.mockClear();
  const prestart = await import('../../src/cli/createrepo/io-prestart.js');
  const flags = await import('../../src/cli/createrepo/v8-flags.js');
  const threads = await import('../../src/cli/createrepo/threads.js');
  const started: FakeWorker[] = [];
  const start = () => {
    const w = new FakeWorker();
    started.push(w);
    return w as unknown as Worker;
  };
  return { ...prestart, ...flags, ...threads, started, start };
}

let big: string;
let small: string;
beforeEach(() => {
  big ??= repo('big', 3000);
  small ??= repo('small', 2998);
});

describe('countPackages', () => {
  it('counts package files as the walk finds them, and stops at the bound', async () => {
    const m = await load();
    // 3000 files and the link; not repodata/, not the dot-directory, not *.txt
    expect(m.countPackages(small, 1_000_000)).toBe(2999);
    m.prestartStats.listed = 0;
    expect(m.countPackages(big, 100)).toBe(100);
    // it stopped listing once it had counted 100 (a directory is read in batches of 512)
    expect(m.prestartStats.listed).toBeLessThanOrEqual(100 + 2 * 512);
    expect(m.countPackages(join(work, 'missing'), 100)).toBe(0);
  });
});

describe('prestartIoThread', () => {
  it('starts the thread for a job that will use it, and holds the V8 settings until the run takes it', async () => {
    const m = await load();
    expect(m.prestartIoThread(['-q', '--io-thread', big], 2, m.start)).toBe(true);
    expect(m.started).toHaveLength(1);
    m.tuneV8ForCreaterepo();
    m.tuneV8ForCreaterepo();
    expect(setFlags).not.toHaveBeenCalled();
    expect(m.takePrestartedIoThread()).toBe(m.started[0]);
    expect(setFlags).toHaveBeenCalledTimes(m.CREATEREPO_V8_FLAGS.length);
    // taken once; nothing left to stop
    expect(m.takePrestartedIoThread()).toBeNull();
    m.stopPrestartedIoThread();
    expect(m.started[0]!.terminated).toBe(0);
  });

  it('a start the job does not use is stopped, and the settings applied then', async () => {
    const m = await load();
    expect(m.prestartIoThread(['--io-thread', '--workers', '0', big], 2, m.start)).toBe(true);
    m.tuneV8ForCreaterepo();
    expect(setFlags).not.toHaveBeenCalled();
    m.stopPrestartedIoThread();
    expect(m.started[0]!.terminated).toBe(1);
    expect(setFlags).toHaveBeenCalledTimes(m.CREATEREPO_V8_FLAGS.length);
    expect(m.takePrestartedIoThread()).toBeNull();
  });

  it('a thread that fails before the run takes it releases the settings and is not handed over', async () => {
    const m = await load();
    expect(m.prestartIoThread(['--io-thread', big], 2, m.start)).toBe(true);
    m.tuneV8ForCreaterepo();
    m.started[0]!.emit('exit', 1);
    expect(setFlags).toHaveBeenCalledTimes(m.CREATEREPO_V8_FLAGS.length);
    expect(m.takePrestartedIoThread()).toBeNull();
  });

  it('a reader thread starts under the settings', async () => {
    const m = await load();
    m.prestartIoThread(['--io-thread', big], 2, m.start);
    m.tuneV8ForCreaterepo();
    void m.startReaderThread().terminate();
    expect(setFlags).toHaveBeenCalledTimes(m.CREATEREPO_V8_FLAGS.length);
  });

  it.each([
    ['too few packages', ['--io-thread', 'SMALL'], 2],
    ['no directory', ['--io-thread'], 2],
    ['two directories', ['--io-thread', 'BIG', 'BIG'], 2],
    ['--update', ['--io-thread', '--update', 'BIG'], 2],
    ['--no-io-thread', ['--io-thread', '--no-io-thread', 'BIG'], 2],
    ['reader threads asked for', ['--io-thread', '--workers', '1', 'BIG'], 2],
    ['reader threads asked for (=)', ['--io-thread', '--workers=2', 'BIG'], 2],
    ['--help', ['--io-thread', '--help', 'BIG'], 2],
    ['one CPU', ['--io-thread', 'BIG'], 1],
    ['reader threads by default on 4 CPUs', ['--io-thread', 'BIG'], 4],
  ] as [string, string[], number][])('starts nothing: %s', async (_, args, cpus) => {
    const m = await load();
    const resolved = args.map((a) => (a === 'BIG' ? big : a === 'SMALL' ? small : a));
    expect(m.prestartIoThread(resolved, cpus, m.start)).toBe(false);
    expect(m.started).toHaveLength(0);
    // nothing held: the settings apply at once
    m.tuneV8ForCreaterepo();
    expect(setFlags).toHaveBeenCalledTimes(m.CREATEREPO_V8_FLAGS.length);
  });

  it('reads the value of an option as a value, not as the directory', async () => {
    const m = await load();
    expect(m.prestartIoThread(['--revision', 'r1', '-g', 'comps.xml', '--io-thread', '--workers=0', big], 4, m.start)).toBe(true);
  });

  it('reads every valued option of the command as taking a value', async () => {
    const m = await load();
    // each value would otherwise be a second DIR, and the thread would not start
    expect(m.prestartIoThread(['--changelog-limit', '5', '-s', 'sha256', '--compress', 'gz', '--io-thread', '--workers', '0', big], 4, m.start)).toBe(true);
  });

  it('starts nothing without --io-thread while the thread is off by default', async () => {
    const m = await load();
    expect(m.prestartIoThread([big], 2, m.start)).toBe(m.IO_THREAD_BY_DEFAULT);
  });
});
