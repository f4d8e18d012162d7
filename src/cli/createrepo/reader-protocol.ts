/**
 * What the main thread and createrepo's reader threads tell each other (pool.ts,
 * reader-thread.ts). Per pass over the packages, the main thread sends the job list once and a
 * small shared array: which batch is the next to claim, how many batches are written, and
 * whether the pass is over. A thread claims batches from it and sends each encoded batch back,
 * its buffers transferred, not copied; the writer sends each buffer back once it is done.
 */
import type { MessagePort } from 'node:worker_threads';
import type { EncodedBatch } from './batch.js';
import type { DescribeJob } from './describe.js';

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
  /** The jobs' hrefs, NUL-separated ('' for a job not read: reused from old metadata). */
  jobs: string;
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

/** One string for the whole list: cloned at once, where an array of objects is cloned item by item. */
export function encodeJobs(jobs: readonly (DescribeJob | null)[]): string {
  // a file name never holds a NUL
  return jobs.map((j) => (j === null ? '' : j.href)).join('\0');
}

/**
 * The job list as a reader thread holds it: the one string and where each job starts, jobs made
 * per batch (an object per package held for the whole run would cost megabytes at 50,000).
 */
export class JobList {
  private readonly starts: Uint32Array;
  readonly length: number;

  constructor(private readonly encoded: string) {
    let n = encoded === '' ? 0 : 1;
    for (let at = encoded.indexOf('\0'); at >= 0; at = encoded.indexOf('\0', at + 1)) n++;
    this.length = n;
    this.starts = new Uint32Array(n + 1);
    let k = 0;
    if (n > 0) {
      for (let at = encoded.indexOf('\0'); at >= 0; at = encoded.indexOf('\0', at + 1)) this.starts[++k] = at + 1;
    }
    this.starts[n] = encoded.length + 1;
  }

  /** The jobs to read among those at [from, to): the ones reused from old metadata are skipped. */
  described(from: number, to: number): DescribeJob[] {
    const out: DescribeJob[] = [];
    for (let i = from; i < Math.min(to, this.length); i++) {
      const href = this.encoded.slice(this.starts[i]!, this.starts[i + 1]! - 1);
      if (href !== '') out.push({ href });
    }
    return out;
  }
}
