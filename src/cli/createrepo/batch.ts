/**
 * A batch of described packages as the reader hands it to the writer: the fragments of the
 * packages that made it, written as UTF-8 into one buffer (a reader thread transfers it without
 * a copy), and why the others were left out. In-process reading builds the same batches, so the
 * output cannot depend on where packages were read.
 */
import type { PackageRecord } from '../../core/model.js';
import { writeCheckedFragments } from '../../core/repodata/fragments.js';
import { preparePackage } from '../../core/repodata/prepared.js';
import type { XmlKind } from '../../core/repodata/xml-file.js';
import { XmlWriter } from '../../core/repodata/xml-writer.js';
import type { DescribeJob, LeftOut, PackageReader } from './describe.js';

export interface EncodedBatch {
  /** Per job, in order: the file mtime (seconds) of a package that made it (0 for the others). */
  times: Float64Array;
  /** The jobs left out, by index in the batch. */
  left: (LeftOut & { index: number })[];
  /** primary, filelists and other fragment of each package that made it, concatenated. */
  xml: Uint8Array;
  /** End offset in `xml` of each of those fragments (three per package). */
  ends: Uint32Array;
}

export const KINDS: readonly XmlKind[] = ['primary', 'filelists', 'other'];

/**
 * Reads `jobs` with `reader` and writes their fragments, into `spare` when given (the buffer of
 * a batch the writer is done with: a fresh one per batch costs a page fault per 4 KiB).
 */
export async function describeBatch(
  reader: PackageReader,
  jobs: readonly DescribeJob[],
  changelogLimit: number,
  spare?: ArrayBuffer,
): Promise<EncodedBatch> {
  const times = new Float64Array(jobs.length);
  const left: EncodedBatch['left'] = [];
  const ends = new Uint32Array(jobs.length * 3);
  // sized for a typical batch; it grows for large file lists (and is reused at its new size)
  const out = new XmlWriter(spare ? new Uint8Array(spare) : jobs.length * 8192);
  let e = 0;
  for (let i = 0; i < jobs.length; i++) {
    // (awaiting a value that is not a promise would still cost a turn of the microtask queue)
    const got = reader.read(jobs[i]!, changelogLimit);
    const rec = got instanceof Promise ? await got : got;
    if ('pkg' in rec) {
      const why = write(rec, changelogLimit, out, ends, e);
      if (why === null) {
        times[i] = rec.time;
        e += 3;
        continue;
      }
      left.push({ index: i, ...why });
    } else {
      left.push({ index: i, ...rec });
    }
  }
  return { times, left, xml: out.view(), ends: ends.subarray(0, e) };
}

/** Writes one package's fragments, or says why it is left out (then nothing is written). */
function write(rec: PackageRecord, changelogLimit: number, out: XmlWriter, ends: Uint32Array, at: number): LeftOut | null {
  const start = out.length;
  try {
    const excluded = writeCheckedFragments(out, preparePackage(rec, { changelogLimit }), ends, at);
    return excluded === null ? null : { kind: 'excluded', reason: excluded.excluded.message };
  } catch (e) {
    // a writer refusing a character the check let through: leave the package out, not the run
    out.length = start;
    const err = e as { code?: string; message?: string };
    return { kind: 'failed', reason: err.code ? `${err.message} (${err.code})` : String(e) };
  }
}

/** The fragments of a batch by kind, as views into its buffer (no copy). */
export function batchFragments(batch: EncodedBatch): Record<XmlKind, Uint8Array[]> {
  const out: Record<XmlKind, Uint8Array[]> = { primary: [], filelists: [], other: [] };
  const { xml, ends } = batch;
  let start = 0;
  for (let e = 0; e < ends.length; e += 3) {
    const p = ends[e]!;
    const f = ends[e + 1]!;
    const o = ends[e + 2]!;
    out.primary.push(xml.subarray(start, p));
    out.filelists.push(xml.subarray(p, f));
    out.other.push(xml.subarray(f, o));
    start = o;
  }
  return out;
}
