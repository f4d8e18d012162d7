/**
 * Where packages are read. In-process, parsing and writing share the main thread, and an I/O
 * thread may open, read and hash the files ahead of it (io-feed.ts). With reader
 * threads (reader-thread.ts), the package list is cut into batches that the threads and the
 * main thread claim from one shared counter, in order, whoever is free first: a thread reads
 * batch after batch without waiting for a request, and the main thread reads one whenever the
 * batch it must write next is not there yet. Either way batches are written in input order, so
 * the output never depends on timing, and no reader runs more than a window of batches ahead of
 * the writer, which bounds memory whatever the repository size.
 */
import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import { describeBatch, type EncodedBatch } from './batch.js';
import { PackageReader } from './describe.js';
import type { IoFeed } from './io-feed.js';
import { READ, readIn, type PassJobs } from './package-list.js';
import { NEXT, STOP, WRITTEN, type PassMessage, type ReaderConfig, type ReaderReply } from './reader-protocol.js';
import { startReaderThread, takePrestarted } from './threads.js';

/** Jobs per batch: large enough to amortise a message, small enough to share the tail evenly. */
export const BATCH = 32;
/** Batches read ahead of the one being written, per reader (the main thread counts as one). */
const AHEAD_PER_READER = 4;

/**
 * The packages [from, to) of the list and the encoded result of those the pass reads (the
 * others are reused from old metadata, or not in the pass).
 */
export interface DescribedBatch {
  from: number;
  to: number;
  batch: EncodedBatch;
}

export interface Readers {
  describe(jobs: PassJobs): AsyncGenerator<DescribedBatch>;
  /** The writer is done with `batch`: its buffer is written into again by a later batch. */
  release(batch: EncodedBatch): void;
  close(): Promise<void>;
  /** The most batches read and not yet handed to the writer at once (what the window bounds). */
  readonly held: { most: number };
}

/**
 * Reads on the calling thread; the files of a pass are read and hashed by the I/O thread that
 * `ioFeed` gives for that many files, if it gives one (it gives the same one for every pass).
 */
export function inProcessReaders(root: string, changelogLimit: number, ioFeed: ((files: number) => IoFeed | null) | null = null): Readers {
  let feed: IoFeed | null = null;
  let reader = new PackageReader(root);
  const spare: ArrayBuffer[] = [];
  return {
    held: { most: 0 },
    async *describe(jobs) {
      const count = jobs.list.length;
      const next = ioFeed?.(jobs.state === null ? count : jobs.state.reduce((n, s) => (s === READ ? n + 1 : n), 0)) ?? null;
      if (next !== feed) reader = new PackageReader(root, (feed = next));
      feed?.startPass(readIn(jobs, 0, count).map((j) => j.href));
      for (let at = 0; at < count; at += BATCH) {
        const to = Math.min(at + BATCH, count);
        yield { from: at, to, batch: await describeBatch(reader, readIn(jobs, at, to), changelogLimit, spare.pop()) };
      }
    },
    release(batch) {
      spare.push(batch.xml.buffer as ArrayBuffer);
    },
    async close() {
      feed?.close();
    },
  };
}

/** Reads on `count` threads (taken from those started early, else started now) and this one. */
export function threadReaders(count: number, root: string, changelogLimit: number): Readers {
  const own = new PackageReader(root);
  const spare: ArrayBuffer[] = [];
  // which thread made a batch (-1: this one), so that its buffer goes back there
  const maker = new WeakMap<EncodedBatch, number>();
  const pool: Worker[] = takePrestarted(count);
  while (pool.length < count) pool.push(startReaderThread());
  let failure: unknown = null;
  let closing = false;
  let wake: (() => void) | null = null;
  // batches the threads sent for the current pass, by index
  let pass = 0;
  const results = new Map<number, EncodedBatch>();
  // batches come back on a port of their own, which this thread can also read synchronously
  // (between two batches it reads itself) without waiting for its event loop
  const replies: MessagePort[] = [];
  const held = { most: 0 };
  const keep = (index: number, batch: EncodedBatch): void => {
    results.set(index, batch);
    held.most = Math.max(held.most, results.size);
  };
  const received = (w: number, m: ReaderReply): void => {
    if (m.pass !== pass) return; // an abandoned pass: its batches are not written
    maker.set(m.batch, w);
    keep(m.index, m.batch);
    wake?.();
  };
  const poll = (): void => {
    replies.forEach((port, w) => {
      for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) received(w, m.message as ReaderReply);
    });
  };
  pool.forEach((worker, w) => {
    const { port1, port2 } = new MessageChannel();
    replies.push(port1);
    port1.on('message', (m: ReaderReply) => received(w, m));
    worker.on('error', (e) => {
      failure ??= e;
      wake?.();
    });
    worker.on('exit', (code) => {
      if (!closing) failure ??= new Error(`a reader thread exited (code ${code})`);
      wake?.();
    });
    const config: ReaderConfig = { root, changelogLimit, replies: port2 };
    worker.postMessage({ config }, [port2]);
  });

  return {
    held,
    async *describe(jobs) {
      pass++;
      results.clear();
      const packages = jobs.list.length;
      const batches = Math.ceil(packages / BATCH);
      const shared = new Int32Array(new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT));
      const ahead = (count + 1) * AHEAD_PER_READER;
      // the list and the states are shared memory: every thread maps the same bytes, no copy
      for (const w of pool) w.postMessage({ pass, shared, list: jobs.list.parts, state: jobs.state, batch: BATCH, ahead } satisfies PassMessage);
      const slice = (k: number) => readIn(jobs, k * BATCH, (k + 1) * BATCH);
      try {
        for (let k = 0; k < batches; k++) {
          while (!results.has(k)) {
            if (failure !== null) throw failure;
            poll();
            if (results.has(k)) break;
            // the next unclaimed batch, if it is not too far ahead: read it here rather than wait
            const next = Atomics.load(shared, NEXT);
            if (next < batches && next - k < ahead) {
              if (Atomics.compareExchange(shared, NEXT, next, next + 1) !== next) continue;
              const batch = await describeBatch(own, slice(next), changelogLimit, spare.pop());
              maker.set(batch, -1);
              keep(next, batch);
              continue;
            }
            await new Promise<void>((resolve) => (wake = resolve));
            wake = null;
          }
          const batch = results.get(k)!;
          results.delete(k);
          yield { from: k * BATCH, to: Math.min((k + 1) * BATCH, packages), batch };
          // one more batch written: a thread waiting for room may read on
          Atomics.store(shared, WRITTEN, k + 1);
          Atomics.notify(shared, WRITTEN);
        }
      } finally {
        // finished, or abandoned: the threads stop claiming batches of this pass
        Atomics.store(shared, STOP, 1);
        Atomics.notify(shared, WRITTEN);
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
      for (const port of replies) port.close();
      await Promise.all(pool.map((w) => w.terminate()));
    },
  };
}
