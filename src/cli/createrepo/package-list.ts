/**
 * The package files of a run, held as one byte buffer of hrefs and their end offsets — no
 * string or object per package, ~4 bytes a package beside the hrefs' own bytes — in shared
 * memory, so that reader threads see the same list without a copy. An href is decoded when a
 * batch of packages is read, and dropped with the batch.
 *
 * The jobs of a pass (PassJobs) are the list and, when some packages are not read, one byte per
 * package saying so: reused from the old metadata (`--update`), or not in the pass (left out by
 * an abandoned first pass).
 */

/** Shared memory, so that a reader thread maps the same bytes (structured clone shares it). */
const shared = (bytes: number): SharedArrayBuffer => new SharedArrayBuffer(Math.max(bytes, 1));

export class PackageList {
  private readonly text: Buffer;

  /** `bytes`: the hrefs as UTF-8, one after the other; `ends`: where each of them ends. */
  constructor(
    readonly bytes: Uint8Array,
    readonly ends: Uint32Array,
  ) {
    this.text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** A list of these hrefs, in this order. */
  static of(hrefs: readonly string[]): PackageList {
    return PackageList.build(hrefs.length, (i) => hrefs[i]!);
  }

  /** A list of `count` hrefs, `hrefAt(i)` being the i-th (called twice each: no array of them is made). */
  static build(count: number, hrefAt: (i: number) => string): PackageList {
    let size = 0;
    for (let i = 0; i < count; i++) size += Buffer.byteLength(hrefAt(i));
    const text = Buffer.from(shared(size));
    const ends = new Uint32Array(shared(count * Uint32Array.BYTES_PER_ELEMENT), 0, count);
    let at = 0;
    for (let i = 0; i < count; i++) {
      at += text.write(hrefAt(i), at);
      ends[i] = at;
    }
    return new PackageList(new Uint8Array(text.buffer, 0, size), ends);
  }

  get length(): number {
    return this.ends.length;
  }

  /** The `location href` of package `i`: its path relative to the repository, `/`-separated. */
  href(i: number): string {
    return this.text.toString('utf8', i === 0 ? 0 : this.ends[i - 1]!, this.ends[i]!);
  }

  /** Bytes held for the list (what it costs per package is this over its length). */
  get byteLength(): number {
    return this.bytes.byteLength + this.ends.byteLength;
  }
}

/** What a pass does with package `i` (PassJobs.state). */
export const READ = 0;
/** Unchanged since the old metadata (`--update`): its old fragments are used, it is not read. */
export const REUSED = 1;
/** Not in this pass (an abandoned first pass left it out). */
export const SKIPPED = 2;

/** The jobs of a pass: every package of `list`, read unless `state` says otherwise. */
export interface PassJobs {
  list: PackageList;
  /** Per package: READ, REUSED or SKIPPED; null when every package is read. */
  state: Uint8Array | null;
}

/** A state array for `list` (shared, like the list): every package READ at first. */
export function newState(list: PackageList): Uint8Array {
  return new Uint8Array(shared(list.length), 0, list.length);
}

/** The jobs of a pass in which every package of these hrefs is read, or reused when null. */
export function passOf(jobs: readonly (string | null)[]): PassJobs {
  const list = PackageList.of(jobs.map((j) => j ?? ''));
  const reused = jobs.some((j) => j === null);
  if (!reused) return { list, state: null };
  const state = newState(list);
  jobs.forEach((j, i) => {
    if (j === null) state[i] = REUSED;
  });
  return { list, state };
}

/** The hrefs of the packages in [from, to) that the pass reads. */
export function readIn(jobs: PassJobs, from: number, to: number): { href: string }[] {
  const out: { href: string }[] = [];
  const end = Math.min(to, jobs.list.length);
  for (let i = from; i < end; i++) if (jobs.state === null || jobs.state[i] === READ) out.push({ href: jobs.list.href(i) });
  return out;
}
