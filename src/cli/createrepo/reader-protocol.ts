/**
 * What the main thread and createrepo's reader threads tell each other (pool.ts,
 * reader-thread.ts). Per pass over the packages, the main thread sends the job list (shared
 * memory: no copy) and a small shared array: which batch is the next to claim, how many batches are written, and
 * whether the pass is over. A thread claims batches from it and sends each encoded batch back,
 * its buffers transferred, not copied; the writer sends each buffer back once it is done.
 */
import type { MessagePort } from 'node:worker_threads';
import type { EncodedBatch } from './batch.js';
import type { SharedList } from './package-list.js';

/** Index into the shared array: the next batch nobody has claimed yet. */
export const NEXT = 0;
/** The number of batches the writer is done with (a reader waits on it for room ahead). */
export const WRITTEN = 1;
/** 1 once the pass is over (finished or abandoned): claim nothing more. */
export const STOP = 2;

/** Which repository the thread reads (first message). */
export interface ReaderConfig {
  root: string;
  changelogLimit: number;
  /** Where encoded batches go (ReaderReply). */
  replies: MessagePort;
}

/** A pass over the packages. */
export interface PassMessage {
  pass: number;
  shared: Int32Array;
  /**
   * The package list and which of its packages the pass reads, all in shared memory: the same
   * bytes for every thread and pass, never copied (package-list.ts).
   */
  list: SharedList;
  state: Uint8Array | null;
  /** Jobs per batch. */
  batch: number;
  /** How many batches a reader may claim beyond the written ones. */
  ahead: number;
}

export interface ReaderReply {
  pass: number;
  index: number;
  batch: EncodedBatch;
}
