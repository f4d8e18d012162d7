/**
 * The memory createrepo's I/O thread (io-thread.ts) and the main thread (io-feed.ts) share: a
 * ring of file records. The thread opens, stats, reads and hashes package files in job order and
 * publishes one record per file: size, mtime, SHA-256 and the file's first bytes (the whole file
 * when it is small) in a byte ring. The main thread parses the records in the same order and
 * frees each once parsed. Memory is fixed when the ring is made: RING_BYTES of file bytes and
 * RECORDS records, whatever the number or size of the packages.
 *
 * Two counters, never reset, order everything: `published` (records the thread has written,
 * stored after the record's fields) and `consumed` (records the main thread is done with, stored
 * after it last read them). Record n lives in slot n % RECORDS; its bytes are in the byte ring
 * at the offset the record says. Each pass over the packages gets a small control array of its
 * own (PASS_*): which job is the next to claim, and whether the pass is over.
 */

/** File bytes in flight (the byte ring). */
export const RING_BYTES = 4 * 1024 * 1024;
/** Records in flight (how far the thread may be ahead of the parser, in files). */
export const RECORDS = 256;
/**
 * The most bytes of one file a record holds: the whole file when it is not larger, else its
 * first PREFIX_BYTES, which hold the headers of nearly every package (the rest is hashed by the
 * thread and not delivered). A header that does not fit is read again by the main thread.
 */
export const PREFIX_BYTES = 256 * 1024;

// --- control (Int32Array over `control`) ---
/** Records published by the thread (Atomics; the thread notifies on it). */
export const PUBLISHED = 0;
/** Records the main thread is done with (Atomics; the main thread notifies on it). */
export const CONSUMED = 1;
/**
 * 1 while the main thread waits for PUBLISHED to change: the thread notifies only then. (A
 * notify that wakes a thread costs the notifier 0.1–0.3 ms on a 2-vCPU virtual machine (docs/benchmarks.md), so
 * the main thread never notifies per record: the thread, when the ring is full, sleeps in short
 * timed waits until half of it is free.) The main thread sets the flag before Atomics.wait checks
 * the counter, and the thread stores the counter before it reads the flag, so no wake-up is lost;
 * the wait also times out.
 */
export const MAIN_WAITS = 2;
export const CONTROL_INTS = 3;

// --- per pass (Int32Array over a SharedArrayBuffer of its own) ---
/** The next job of the pass nobody has claimed (the thread, or the main thread reading it itself). */
export const PASS_NEXT = 0;
/** 1 once the pass is over (finished or abandoned): claim nothing more. */
export const PASS_STOP = 1;
export const PASS_INTS = 2;

// --- a record (slot s: Int32Array at s * RECORD_INTS, Float64Array at s * RECORD_FLOATS) ---
export const R_PASS = 0;
/** Index of the job in its pass's list. */
export const R_JOB = 1;
/** Where its bytes start in the byte ring. */
export const R_START = 2;
/** How many bytes of the file it holds (≤ PREFIX_BYTES). */
export const R_LENGTH = 3;
/** OK, or FAILED: the thread could not read the file (the main thread reads it, for the same error). */
export const R_STATUS = 4;
export const RECORD_INTS = 5;
/** Bytes read from the file in all (its size, unless it shrank while read). */
export const R_SIZE = 0;
export const R_MTIME_MS = 1;
export const RECORD_FLOATS = 2;
export const SHA256_BYTES = 32;

export const OK = 0;
export const FAILED = 1;

export interface RingSize {
  records: number;
  ringBytes: number;
  prefixBytes: number;
}

export const DEFAULT_RING: RingSize = { records: RECORDS, ringBytes: RING_BYTES, prefixBytes: PREFIX_BYTES };

/** The shared buffers, made once per run by the main thread and sent to the I/O thread. */
export interface IoRing extends RingSize {
  control: SharedArrayBuffer;
  ints: SharedArrayBuffer;
  floats: SharedArrayBuffer;
  digests: SharedArrayBuffer;
  bytes: SharedArrayBuffer;
}

/** The ring's memory, all of it: nothing else is allocated per file on either side. */
export function allocateRing(size: RingSize = DEFAULT_RING): IoRing {
  if (size.prefixBytes > size.ringBytes || size.records < 1) throw new Error('an I/O ring must hold at least one record of PREFIX_BYTES');
  return {
    ...size,
    control: new SharedArrayBuffer(CONTROL_INTS * 4),
    ints: new SharedArrayBuffer(size.records * RECORD_INTS * 4),
    floats: new SharedArrayBuffer(size.records * RECORD_FLOATS * 8),
    digests: new SharedArrayBuffer(size.records * SHA256_BYTES),
    bytes: new SharedArrayBuffer(size.ringBytes),
  };
}

/** First message to the thread: the repository and the ring. */
export interface IoConfig {
  root: string;
  ring: IoRing;
}

/** A pass: the hrefs of the files to read, in order, NUL-separated, and its control array. */
export interface IoPass {
  pass: number;
  control: SharedArrayBuffer;
  hrefs: string;
  count: number;
}

/** The last message: the thread reports (IoIdle) and ends. */
export interface IoClose {
  close: true;
}

/** What the thread reports once it has no pass left to read: its CPU time so far, the most ring bytes in use. */
export interface IoIdle {
  cpu: NodeJS.CpuUsage;
  maxBytes: number;
}
