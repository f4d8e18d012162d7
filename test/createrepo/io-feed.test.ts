// createrepo's I/O thread (src/cli/createrepo/io-thread.ts, io-feed.ts): the main thread parses
// what the thread read and hashed, and the result must be the same bytes as reading every file
// on the main thread, whatever the ring's size, whoever read which file, and if the thread dies.
// The ring's bound is counted (records and bytes in flight), not timed.
import { mkdtemp, mkdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthPackage } from '../../bench/lib/synth-repo.js';
import { IoFeed } from '../../src/cli/createrepo/io-feed.js';
import { CONSUMED, PUBLISHED, type RingSize } from '../../src/cli/createrepo/io-ring.js';
import { inProcessReaders } from '../../src/cli/createrepo/pool.js';
import { startIoThread } from '../../src/cli/createrepo/threads.js';
import type { DescribeJob } from '../../src/cli/createrepo/describe.js';
import { passOf } from '../../src/cli/createrepo/package-list.js';

let dir: string;
const jobs: (DescribeJob | null)[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-io-feed-'));
  await mkdir(join(dir, 'sub'));
  for (let i = 1; i <= 40; i++) {
    // every fifth package is larger than the small rings' prefix (a padded payload)
    const p = synthPackage(i, i % 5 === 0 ? { padBytes: 40_000 } : {});
    const href = `${i % 2 ? 'sub/' : ''}${p.name}.x86_64.rpm`;
    await writeFile(join(dir, href), p.bytes);
    await utimes(join(dir, href), 1_700_000_000 + i, 1_700_000_000 + i);
    jobs.push({ href });
    // reused from old metadata (--update): not read, not in the thread's list
    if (i % 7 === 0) jobs.push(null);
  }
  // files that cannot be read: missing (a dangling link), a directory, a truncated package
  await symlink(join(dir, 'nowhere.rpm'), join(dir, 'dangling.rpm'));
  await mkdir(join(dir, 'a-directory.rpm'));
  await writeFile(join(dir, 'truncated.rpm'), synthPackage(99).bytes.subarray(0, 700));
  jobs.splice(3, 0, { href: 'dangling.rpm' });
  jobs.splice(11, 0, { href: 'a-directory.rpm' });
  jobs.splice(20, 0, { href: 'truncated.rpm' });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A feed that runs `hook` before its first record is taken (the pass has started then). */
class Hooked extends IoFeed {
  hook: (() => Promise<void>) | undefined;
  override async next() {
    const hook = this.hook;
    this.hook = undefined;
    await hook?.();
    return super.next();
  }
}

function feed(size?: RingSize, worker: Worker = startIoThread()): Hooked {
  return new Hooked(worker, dir, size);
}

/** Everything a pass over `jobs` yields, in bytes (fragments, times, reasons). */
async function describeAll(feed: IoFeed | null): Promise<string[]> {
  const readers = inProcessReaders(dir, 10, feed === null ? null : () => feed);
  const out: string[] = [];
  try {
    for await (const { from, to, batch } of readers.describe(pass())) {
      out.push(JSON.stringify([from, to]), Buffer.from(batch.xml).toString('base64'), [...batch.ends].join(), [...batch.times].join(), JSON.stringify(batch.left));
      readers.release(batch);
    }
  } finally {
    await readers.close();
  }
  return out;
}

/** The jobs as a pass over them (the list in shared memory, reused ones marked). */
const pass = () => passOf(jobs.map((j) => j?.href ?? null));

const readable = () => jobs.filter((j) => j !== null).length;

/** Until the thread has `n` records published and not yet taken (it fills the ring, then waits for room). */
async function ahead(feed: IoFeed, n: number): Promise<void> {
  const control = new Int32Array(feed.ring.control);
  const inFlight = () => Atomics.load(control, PUBLISHED) - Atomics.load(control, CONSUMED);
  for (let t = 0; t < 3000 && inFlight() < n; t++) await new Promise((r) => setTimeout(r, 10));
  expect(inFlight()).toBe(n);
}

describe('the I/O thread', () => {
  let expected: string[];
  beforeAll(async () => {
    expected = await describeAll(null);
    expect(expected.length).toBeGreaterThan(0);
  });

  it.each([
    ['the default ring', undefined],
    ['a ring of 4 records, 32 KiB (wraps; padded packages delivered as an 8 KiB prefix)', { records: 4, ringBytes: 32 * 1024, prefixBytes: 8 * 1024 }],
    ['a ring of 2 records, 4 KiB (every header beyond the 2 KiB prefix: read again here)', { records: 2, ringBytes: 4 * 1024, prefixBytes: 2 * 1024 }],
  ] as [string, RingSize | undefined][])('gives the same bytes as reading on the main thread: %s', async (_, size) => {
    const io = feed(size);
    const ring = io.ring;
    // the thread reads ahead until the ring is full before the first record is taken
    const full = Math.min(ring.records, readable());
    io.hook = () => ahead(io, full);
    expect(await describeAll(io)).toEqual(expected);
    const s = io.stats;
    // every file once: from the thread, or read here (claimed, failed, or a prefix too short)
    expect(s.fromThread + s.claimed + s.failed).toBe(readable());
    // the dangling link and the directory, unless the main thread reached them first (the
    // truncated file is read, and parses as truncated)
    expect(s.failed).toBeLessThanOrEqual(2);
    expect(s.fromThread).toBeGreaterThanOrEqual(full - 2);
    expect(s.maxRecords).toBe(full);
    // the memory was allocated once, at its size
    expect(ring.bytes.byteLength).toBe(ring.ringBytes);
    expect(ring.ints.byteLength + ring.floats.byteLength + ring.digests.byteLength).toBe(ring.records * (5 * 4 + 2 * 8 + 32));
    // every package is larger than 2 KiB (but the truncated one); a synthetic header fits in 8 KiB
    if (size?.prefixBytes === 2048) expect(s.reread).toBeGreaterThanOrEqual(s.fromThread - 1);
    if (size?.prefixBytes === 8192) expect(s.reread).toBe(0);
    // the thread's own count of ring bytes in use, reported once it is idle
    for (let t = 0; t < 200 && s.threadCpuUs === 0; t++) await new Promise((r) => setTimeout(r, 10));
    expect(s.maxBytes).toBeGreaterThan(0);
    expect(s.maxBytes).toBeLessThanOrEqual(ring.ringBytes);
    expect(s.threadCpuUs).toBeGreaterThan(0);
  }, 60_000);

  it('a second pass (the first abandoned with records in flight) gives the same bytes', async () => {
    const io = feed({ records: 4, ringBytes: 32 * 1024, prefixBytes: 8 * 1024 });
    const readers = inProcessReaders(dir, 10, () => io);
    try {
      for await (const _ of readers.describe(pass())) {
        await ahead(io, 4);
        break;
      }
      const out: string[] = [];
      for await (const { from, to, batch } of readers.describe(pass())) {
        out.push(JSON.stringify([from, to]), Buffer.from(batch.xml).toString('base64'), [...batch.ends].join(), [...batch.times].join(), JSON.stringify(batch.left));
        readers.release(batch);
      }
      expect(out).toEqual(expected);
    } finally {
      await readers.close();
    }
  }, 60_000);

  it('the main thread reads every file itself when the thread dies mid-pass or never starts', async () => {
    // killed with its ring full: what it published is used, the rest is read here
    const worker = startIoThread();
    const killed = feed({ records: 4, ringBytes: 32 * 1024, prefixBytes: 8 * 1024 }, worker);
    killed.hook = async () => {
      await ahead(killed, 4);
      await worker.terminate();
    };
    expect(await describeAll(killed)).toEqual(expected);
    expect(killed.stats.fromThread + killed.stats.failed).toBe(4);

    // a thread that claims every file, publishes none and dies: the main thread waits for the
    // first file, sees the thread gone, and reads them all itself
    const claimed = new Int32Array(new SharedArrayBuffer(4));
    const claimer = `const { parentPort, workerData } = require('node:worker_threads');
      parentPort.on('message', (m) => {
        if (m.count === undefined) return;
        Atomics.store(new Int32Array(m.control), 0, m.count);
        Atomics.store(workerData, 0, 1);
        setTimeout(() => { throw new Error('claimed every file, read none'); }, 100);
      });`;
    const dies = feed(undefined, new Worker(claimer, { eval: true, workerData: claimed }));
    dies.hook = async () => {
      for (let t = 0; t < 3000 && Atomics.load(claimed, 0) === 0; t++) await new Promise((r) => setTimeout(r, 10));
    };
    expect(await describeAll(dies)).toEqual(expected);
    expect(dies.stats.fromThread).toBe(0);
    expect(dies.stats.claimed).toBe(0);
    expect(dies.stats.waits).toBeGreaterThan(0);

    const never = feed(undefined, new Worker('throw new Error("no thread")', { eval: true }));
    expect(await describeAll(never)).toEqual(expected);
    expect(never.stats.fromThread).toBe(0);
  }, 60_000);
});
