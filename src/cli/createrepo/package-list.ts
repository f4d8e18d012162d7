/**
 * The package files of a run, held as one byte buffer of front-coded hrefs — no string or object
 * per package, a few bytes a package — in shared memory, so that reader threads see the same
 * list without a copy. An href is decoded when a batch of packages is read, and dropped with the
 * batch.
 *
 * The jobs of a pass (PassJobs) are the list and, when some packages are not read, one byte per
 * package saying so: reused from the old metadata (`--update`), or not in the pass (left out by
 * an abandoned first pass).
 */

/** Shared memory, so that a reader thread maps the same bytes (structured clone shares it). */
const shared = (bytes: number): SharedArrayBuffer => new SharedArrayBuffer(Math.max(bytes, 1));

/** Packages per block: an href is decoded from the start of its block (front coding restarts there). */
export const BLOCK = 32;

/** hrefs encoded at a time while a list is built: a multiple of BLOCK. */
const SLAB = 8 * BLOCK;

/** The list as it is sent to a reader thread: shared memory and its length (PackageList.from). */
export interface SharedList {
  bytes: Uint8Array;
  blocks: Uint32Array;
  length: number;
  longest: number;
}

/**
 * The hrefs in order, each as how many leading and trailing bytes it shares with the previous
 * one and the bytes between (the three lengths as LEB128), restarting at every BLOCK-th href,
 * whose offset `blocks` holds. Sorted by file name, neighbours share most of their bytes (the
 * directory, the name's start, the release and architecture): ~5 bytes a package instead of
 * ~40 for 200,000 synthetic packages.
 */
export class PackageList {
  /** The current href's bytes while decoding (hrefs are decoded in order within a block). */
  private readonly current: Buffer;

  private constructor(private readonly shared: SharedList) {
    this.current = Buffer.allocUnsafe(Math.max(shared.longest, 1));
  }

  /** A list of these hrefs, in this order. */
  static of(hrefs: readonly string[]): PackageList {
    return PackageList.build(hrefs.length, (i) => hrefs[i]!);
  }

  /** The list a reader thread was sent. */
  static from(list: SharedList): PackageList {
    return new PackageList(list);
  }

  /** A list of `count` hrefs, `hrefAt(i)` being the i-th (each asked for once, in order). */
  static build(count: number, hrefAt: (i: number) => string): PackageList {
    // the hrefs are encoded a slab at a time (one native call for SLAB of them, not one per
    // href: the list is built once per run, before any function here is compiled), then
    // compared and copied byte by byte within the slab's bytes
    let out = Buffer.allocUnsafe(Math.max(64, count * 16));
    let at = 0;
    let longest = 0;
    const blocks = new Uint32Array(shared(Math.ceil(count / BLOCK) * 4), 0, Math.ceil(count / BLOCK));
    const hrefs: string[] = [];
    const ends = new Uint32Array(SLAB + 1);
    let prevLength = 0;
    for (let first = 0; first < count; first += SLAB) {
      const n = Math.min(SLAB, count - first);
      hrefs.length = 0;
      for (let i = 0; i < n; i++) hrefs.push(hrefAt(first + i));
      const joined = hrefs.join('');
      const src = Buffer.from(joined, 'utf8');
      // byte ends of each href: string lengths when all are ASCII (the byte count says so)
      const ascii = src.length === joined.length;
      for (let i = 0, e = 0; i < n; i++) ends[i + 1] = e += ascii ? hrefs[i]!.length : Buffer.byteLength(hrefs[i]!);
      // room for every href of the slab whole and its three lengths (at most 5 bytes each)
      if (at + src.length + 15 * n > out.length) {
        const grown = Buffer.allocUnsafe(Math.max(out.length * 2, at + src.length + 15 * n));
        out.copy(grown, 0, 0, at);
        out = grown;
      }
      for (let k = 0; k < n; k++) {
        const i = first + k;
        const start = ends[k]!;
        const length = ends[k + 1]! - start;
        longest = Math.max(longest, length);
        let same = 0;
        let tail = 0;
        // a slab starts a block (SLAB is a multiple of BLOCK): the previous href is in `src`
        if (i % BLOCK === 0) blocks[i / BLOCK] = at;
        else {
          const p = ends[k - 1]!;
          while (same < length && same < prevLength && src[start + same] === src[p + same]) same++;
          const most = Math.min(length, prevLength) - same;
          while (tail < most && src[start + length - 1 - tail] === src[p + prevLength - 1 - tail]) tail++;
        }
        prevLength = length;
        const middle = length - same - tail;
        at = leb128(out, at, same);
        at = leb128(out, at, tail);
        at = leb128(out, at, middle);
        for (let b = start + same, e = start + same + middle; b < e; b++) out[at++] = src[b]!;
      }
    }
    const bytes = new Uint8Array(shared(at), 0, at);
    bytes.set(out.subarray(0, at));
    return new PackageList({ bytes, blocks, length: count, longest });
  }

  get length(): number {
    return this.shared.length;
  }

  /** What a reader thread is sent: shared memory, mapped, not copied. */
  get parts(): SharedList {
    return this.shared;
  }

  /** The `location href` of package `i`: its path relative to the repository, `/`-separated. */
  href(i: number): string {
    let href = '';
    this.each(i, i + 1, (_, h) => (href = h));
    return href;
  }

  /** Calls `f` with each package in [from, to) and its href, in order. */
  each(from: number, to: number, f: (i: number, href: string) => void): void {
    const { bytes, blocks } = this.shared;
    const end = Math.min(to, this.length);
    const first = Math.floor(from / BLOCK) * BLOCK;
    let at = first < end ? blocks[first / BLOCK]! : 0;
    const cur = this.current;
    let last = 0; // the previous href's length
    for (let i = first; i < end; i++) {
      // the three lengths, LEB128 (read inline: no object per number)
      let head = 0;
      for (let shift = 0, b = 128; b >= 128; shift += 7) head += ((b = bytes[at++]!) & 127) * 2 ** shift;
      let tail = 0;
      for (let shift = 0, b = 128; b >= 128; shift += 7) tail += ((b = bytes[at++]!) & 127) * 2 ** shift;
      let middle = 0;
      for (let shift = 0, b = 128; b >= 128; shift += 7) middle += ((b = bytes[at++]!) & 127) * 2 ** shift;
      const length = head + middle + tail;
      // the previous href's last `tail` bytes move to the end, then the middle goes between
      if (tail > 0) cur.copyWithin(head + middle, last - tail, last);
      for (let k = 0; k < middle; k++) cur[head + k] = bytes[at + k]!;
      at += middle;
      last = length;
      if (i >= from) f(i, cur.toString('utf8', 0, length));
    }
  }

  /** Bytes held for the list (what it costs per package is this over its length). */
  get byteLength(): number {
    return this.shared.bytes.byteLength + this.shared.blocks.byteLength;
  }
}

/** Writes `n` as LEB128 at `at`; returns where it ends. */
function leb128(out: Buffer, at: number, n: number): number {
  while (n >= 128) {
    out[at++] = (n & 127) | 128;
    n = Math.floor(n / 128);
  }
  out[at++] = n;
  return at;
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

/**
 * The jobs of a pass over `list`: the packages in `skip` are not in it, those `old` has
 * (unchanged since the old metadata) are reused, the others read.
 */
export function passJobs(list: PackageList, skip: ReadonlySet<string>, old: { has(href: string): boolean } | null): PassJobs {
  if (skip.size === 0 && old === null) return { list, state: null };
  const state = newState(list);
  list.each(0, list.length, (i, href) => {
    if (skip.has(href)) state[i] = SKIPPED;
    else if (old?.has(href) === true) state[i] = REUSED;
  });
  return { list, state };
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
  const state = jobs.state;
  jobs.list.each(from, to, (i, href) => {
    if (state === null || state[i] === READ) out.push({ href });
  });
  return out;
}
