/**
 * The main thread's side of createrepo's I/O thread (io-thread.ts, over the ring of io-ring.ts):
 * per pass, it hands the thread the list of files to read, then takes their records in the same
 * order, one per file, for the parser (describe.ts PackageReader). It never waits for the event
 * loop: a record not there yet is waited for with Atomics.wait, and a file nobody has claimed yet
 * (the thread is still starting, or is behind) is left to the caller to read itself. A thread
 * that fails or exits makes every later file read by the caller: slower, never different.
 */
import type { Worker } from 'node:worker_threads';
import * as L from './io-ring.js';

/** A file as the I/O thread read it; valid until `IoFeed.free()`. */
export interface FileRecord {
  /** Its first bytes (all of them unless `prefix`). */
  bytes: Uint8Array;
  /** True when `bytes` is only the start of the file (a large file). */
  prefix: boolean;
  size: number;
  mtimeMs: number;
  sha256: string;
}

/** Counts for tests and measurements. */
export interface IoStats {
  /** Files whose record came from the thread. */
  fromThread: number;
  /** Files the caller read itself because the thread had not claimed them yet. */
  claimed: number;
  /** Files the thread could not read (the caller read them, for the reason). */
  failed: number;
  /** Large files whose headers went on beyond the prefix delivered (the caller read them again). */
  reread: number;
  /** Times the main thread waited for a record, and for how long in all. */
  waits: number;
  waitedMs: number;
  /** Most records, and most bytes of the ring, in flight at once (seen by the main thread). */
  maxRecords: number;
  /** Most bytes of the byte ring in use at once (reported by the thread with its CPU time). */
  maxBytes: number;
  /** The thread's CPU time once it had no pass left (microseconds, user + system). */
  threadCpuUs: number;
}

/** How long one Atomics.wait lasts before the event loop gets a turn (a thread that died is seen there). */
const WAIT_SLICE_MS = 20;

export class IoFeed {
  readonly ring: L.IoRing;
  readonly stats: IoStats = { fromThread: 0, claimed: 0, failed: 0, reread: 0, waits: 0, waitedMs: 0, maxRecords: 0, maxBytes: 0, threadCpuUs: 0 };
  private readonly control: Int32Array;
  private readonly ints: Int32Array;
  private readonly floats: Float64Array;
  private readonly digests: Buffer;
  private readonly bytes: Uint8Array;
  private failure: unknown = null;
  /** Resolves once the thread has ended (after `close`, or if it failed). */
  readonly exited: Promise<void>;
  private closed = false;
  private gone = false;
  private pass = 0;
  private passControl: Int32Array | null = null;
  /** The next job of the pass (the caller reads them in order). */
  private job = 0;
  /** Records this thread is done with (only it writes CONSUMED). */
  private consumed = 0;
  /** The record handed out and not yet freed, if any. */
  private holding = false;

  constructor(
    private readonly worker: Worker,
    root: string,
    size: L.RingSize = L.DEFAULT_RING,
  ) {
    this.ring = L.allocateRing(size);
    this.control = new Int32Array(this.ring.control);
    this.ints = new Int32Array(this.ring.ints);
    this.floats = new Float64Array(this.ring.floats);
    this.digests = Buffer.from(this.ring.digests);
    this.bytes = new Uint8Array(this.ring.bytes);
    // the process never waits for it to end
    worker.unref();
    worker.on('error', (e) => (this.failure ??= e));
    this.exited = new Promise((resolve) =>
      worker.on('exit', (code) => {
        this.gone = true;
        this.failure ??= new Error(`the I/O thread exited (code ${code})`);
        resolve();
      }),
    );
    worker.on('message', (m: L.IoIdle) => {
      this.stats.threadCpuUs = m.cpu.user + m.cpu.system;
      this.stats.maxBytes = m.maxBytes;
    });
    worker.postMessage({ config: { root, ring: this.ring } satisfies L.IoConfig });
  }

  /** A new pass over `hrefs` (the files the caller will read, in this order); ends the previous one. */
  startPass(hrefs: readonly string[]): void {
    this.endPass();
    this.pass++;
    this.job = 0;
    const control = new SharedArrayBuffer(L.PASS_INTS * 4);
    this.passControl = new Int32Array(control);
    if (this.failure !== null || this.closed) return;
    this.worker.postMessage({ pass: this.pass, control, hrefs: hrefs.join('\0'), count: hrefs.length } satisfies L.IoPass);
  }

  /**
   * The next file of the pass, or null when the caller must read it itself (nobody had claimed
   * it yet, now the caller has; or the thread could not read it; or the thread is gone). The
   * record must be freed before the next call.
   */
  async next(): Promise<FileRecord | null> {
    if (this.holding) throw new Error('IoFeed.next: the previous record was not freed');
    const pass = this.passControl;
    if (pass === null) throw new Error('IoFeed.next: no pass started');
    const j = this.job++;
    if (this.closed) return null;
    // the thread claims jobs in order: if it has not reached this one, it is the caller's now
    if (Atomics.load(pass, L.PASS_NEXT) <= j && Atomics.compareExchange(pass, L.PASS_NEXT, j, j + 1) === j) {
      this.stats.claimed++;
      return null;
    }
    for (;;) {
      const published = Atomics.load(this.control, L.PUBLISHED);
      if (published > this.consumed) {
        this.stats.maxRecords = Math.max(this.stats.maxRecords, published - this.consumed);
        const slot = this.consumed % this.ring.records;
        const at = slot * L.RECORD_INTS;
        if (this.ints[at + L.R_PASS] !== this.pass) {
          // read for a pass that was abandoned
          this.release();
          continue;
        }
        if (this.ints[at + L.R_JOB] !== j) throw new Error(`IoFeed: record for job ${this.ints[at + L.R_JOB]!}, expected ${j}`);
        if (this.ints[at + L.R_STATUS] !== L.OK) {
          this.release();
          this.stats.failed++;
          return null;
        }
        this.stats.fromThread++;
        this.holding = true;
        const start = this.ints[at + L.R_START]!;
        const length = this.ints[at + L.R_LENGTH]!;
        const size = this.floats[slot * L.RECORD_FLOATS + L.R_SIZE]!;
        const d = slot * L.SHA256_BYTES;
        return {
          bytes: this.bytes.subarray(start, start + length),
          prefix: length < size,
          size,
          mtimeMs: this.floats[slot * L.RECORD_FLOATS + L.R_MTIME_MS]!,
          sha256: this.digests.toString('hex', d, d + L.SHA256_BYTES),
        };
      }
      // gone: what it published is used, the rest is read by the caller
      if (this.failure !== null) return null;
      const t0 = performance.now();
      this.stats.waits++;
      Atomics.store(this.control, L.MAIN_WAITS, 1);
      const woke = Atomics.wait(this.control, L.PUBLISHED, published, WAIT_SLICE_MS);
      Atomics.store(this.control, L.MAIN_WAITS, 0);
      this.stats.waitedMs += performance.now() - t0;
      if (woke === 'timed-out') {
        // let the event loop deliver the thread's 'error' or 'exit', if it has failed
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (this.closed) return null;
      }
    }
  }

  /** The caller is done with the record `next` returned (its bytes are written over later). */
  free(): void {
    if (!this.holding) return;
    this.holding = false;
    this.release();
  }

  /**
   * Ends the run: the thread stops at its next file, reports its CPU time and ends (`exited`).
   * Until it has, it keeps the process alive.
   */
  close(): void {
    if (this.closed) return;
    this.endPass();
    this.closed = true;
    if (this.gone) return;
    this.worker.ref();
    this.worker.postMessage({ close: true } satisfies L.IoClose);
  }

  private release(): void {
    this.consumed++;
    // no notify: the thread polls while it waits for room (io-ring.ts MAIN_WAITS)
    Atomics.store(this.control, L.CONSUMED, this.consumed);
  }

  private endPass(): void {
    this.holding = false;
    if (this.passControl === null) return;
    Atomics.store(this.passControl, L.PASS_STOP, 1);
    Atomics.notify(this.control, L.CONSUMED);
  }
}
