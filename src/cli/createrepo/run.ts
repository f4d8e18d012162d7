/**
 * `berth createrepo DIR`: generate repodata/ for a directory of packages, as createrepo_c does.
 *
 * Steps: lock (create `.repodata/`, which doubles as the work directory, like createrepo_c);
 * find packages in createrepo_c order; read them with bounded concurrency (reusing fragments
 * from the old metadata with --update when file size and mtime are unchanged) while the three
 * compressed files are written from them under checksum-prefixed names; write
 * repomd.xml; carry over the old repodata/'s other files (comps.xml, notes, …) as createrepo_c
 * does; swap `.repodata/` into place. Memory is bounded by the read window, a small
 * queue per file and one compressed chunk per file, not by the number of packages.
 */
import { mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Codec, Platform } from '../../core/platform.js';
import type { FileDigest, XmlKind } from '../../core/repodata/xml-file.js';
import { repomdXml, type RepomdRecord } from '../../core/repodata/repomd.js';
import { CliError } from '../command.js';
import { createProgress } from '../progress.js';
import { findPackages, packagePath } from './walk.js';
import { passJobs, REUSED, SKIPPED, type PackageList } from './package-list.js';
import type { OldPackage } from './old-metadata.js';
import { Channel } from './channel.js';
import { PackageReader } from './describe.js';
import { inProcessReaders, threadReaders, type Readers } from './pool.js';
import { batchFragments, describeBatch, KINDS } from './batch.js';
import { carryOver } from './carry-over.js';
import { isDirectory, swap, writeKind, writeSyncing } from './finish.js';
import { defaultWorkers, startIoThread, useIoThread, type JobSize } from './threads.js';
import { IoFeed } from './io-feed.js';
import { stopPrestartedIoThread, takePrestartedIoThread } from './io-prestart.js';
import { writeGroupfile } from './groupfile.js';

export interface CreaterepoOptions {
  /** `<revision>`; default: the newest package mtime (deterministic, unlike createrepo_c's clock). */
  revision?: string;
  codec: Codec;
  changelogLimit: number;
  update: boolean;
  /** A comps document to publish as `group` and `group_gz` (`--groupfile`, resolved path). */
  groupfile?: string;
  /**
   * Threads reading packages; 0 (the default): read on the main thread; 'auto': as many as pay
   * for themselves for this job on this machine (threads.ts defaultWorkers).
   */
  workers?: number | 'auto';
  /**
   * true: without reader threads, an I/O thread opens, reads and hashes the files ahead of the
   * main thread when the job and the machine are large enough (threads.ts useIoThread); false:
   * never; by default as threads.ts IO_THREAD_BY_DEFAULT says.
   */
  ioThread?: boolean;
  progress?: boolean;
}

export interface CreaterepoSummary {
  packages: number;
  reused: number;
  excluded: { href: string; reason: string }[];
  failed: { href: string; reason: string }[];
  revision: string;
  files: Record<XmlKind, string>;
  /** The comps files written for `--groupfile` (plain, then gzip). */
  groups?: string[];
  /** Entries of the old repodata/ carried into the new one (not metadata this run replaced). */
  kept: string[];
  /** Why the old repomd.xml could not be read, when it could not (its files were then kept too). */
  oldRepomdUnreadable?: string;
}

const EXT: Record<Codec, string> = { gz: 'gz', zstd: 'zst' };

export async function createrepo(root: string, platform: Platform, opts: CreaterepoOptions): Promise<CreaterepoSummary> {
  // set-up and finish: synchronous calls (finish.ts)
  if (!isDirectory(root)) throw new CliError(`${root} is not a directory`, 2);
  const work = join(root, '.repodata');
  try {
    mkdirSync(work);
  } catch {
    throw new CliError(
      `${work} exists: another createrepo is running, or a previous run was interrupted (remove it and retry)`,
    );
  }
  let swapped = false;
  // threads told to end, to wait for once the run is over (a caller is left none of them)
  const ending: Promise<void>[] = [];
  try {
    const { summary, synced } = await generate(root, work, platform, opts, ending);
    // while repomd.xml is flushed to disk; the swap waits for it
    let carried;
    try {
      carried = await carryOver(root, work);
    } finally {
      await synced;
    }
    summary.kept = carried.kept;
    if (carried.unreadable !== undefined) summary.oldRepomdUnreadable = carried.unreadable;
    swap(root, work);
    swapped = true;
    return summary;
  } finally {
    if (!swapped) rmSync(work, { recursive: true, force: true });
    await Promise.all(ending);
  }
}

async function generate(
  root: string,
  work: string,
  platform: Platform,
  opts: CreaterepoOptions,
  ending: Promise<void>[],
): Promise<Generated> {
  const found = findPackages(root);
  const workers = opts.workers === 'auto' ? defaultWorkers(jobSize(root, found)) : Math.max(0, opts.workers ?? 0);
  // the I/O thread, for the first pass that reads enough files (threads.ts useIoThread): the one
  // started before the command loaded (io-prestart.ts) if there is one, else started now; one
  // started early that the job does not use is stopped as soon as that is known
  if (workers > 0) stopPrestartedIoThread();
  let io: IoFeed | null = null;
  const ioFeed = (files: number): IoFeed | null => {
    if (io === null && useIoThread(workers, files, opts.ioThread)) {
      io = new IoFeed(takePrestartedIoThread() ?? startIoThread(), root);
      ending.push(io.exited);
    }
    stopPrestartedIoThread();
    return io;
  };
  const readers = workers > 0 ? threadReaders(workers, root, opts.changelogLimit) : inProcessReaders(root, opts.changelogLimit, ioFeed);
  try {
    return await generateWith(readers, found, root, work, platform, opts);
  } finally {
    stopPrestartedIoThread();
    await readers.close();
  }
}

/** How many packages, and about how many bytes: the sizes of up to 64 of them, spread evenly. */
function jobSize(root: string, found: PackageList): JobSize {
  const step = Math.max(1, Math.floor(found.length / 64));
  let sampled = 0;
  let bytes = 0;
  for (let i = 0; i < found.length; i += step) {
    bytes += statSync(packagePath(root, found.href(i)), { throwIfNoEntry: false })?.size ?? 0;
    sampled++;
  }
  return { packages: found.length, bytes: sampled === 0 ? 0 : (bytes / sampled) * found.length };
}

async function generateWith(
  readers: Readers,
  found: PackageList,
  root: string,
  work: string,
  platform: Platform,
  opts: CreaterepoOptions,
): Promise<Generated> {
  // --update: a package whose size and mtime match the old metadata is not read again
  const old = opts.update ? await reusable(root, platform) : null;

  // packages="N" precedes the body, so the files can only be written while reading if N is
  // known: assume every package makes it. If one is left out (a rare, broken package), that
  // pass is abandoned and a second pass writes the files with the real count. No fragment is
  // ever spooled or held beyond a small queue per file.
  let pass = await writePass(readers, root, work, found, new Set(), found.length, old, platform, opts);
  if (pass.leftOut.size > 0) {
    const first = pass;
    for (const t of first.tmps) rmSync(t, { force: true });
    pass = await writePass(readers, root, work, found, first.leftOut, found.length - first.leftOut.size, old, platform, opts);
    if (pass.leftOut.size > 0) throw new CliError('packages changed while createrepo was running; run it again');
    pass.summary.excluded = first.summary.excluded;
    pass.summary.failed = first.summary.failed;
  }
  const { summary, newest, written } = pass;

  summary.revision = opts.revision ?? String(newest);
  const timestamp = /^\d+$/.test(summary.revision) ? Number(summary.revision) : newest;
  const records: RepomdRecord[] = [];
  for (const kind of KINDS) {
    const { tmp, digest: d } = await written[kind];
    const name = `${d.checksum}-${kind}.xml.${EXT[opts.codec]}`;
    renameSync(tmp, join(work, name));
    summary.files[kind] = `repodata/${name}`;
    records.push({
      type: kind,
      checksum: d.checksum,
      openChecksum: d.openChecksum,
      location: `repodata/${name}`,
      timestamp,
      size: d.size,
      openSize: d.openSize,
    });
  }
  if (opts.groupfile !== undefined) {
    const group = await writeGroupfile(opts.groupfile, work, timestamp);
    records.push(...group.records);
    summary.groups = group.files;
  }
  const repomd = repomdXml(records, { revision: summary.revision });
  return { summary, synced: writeSyncing(join(work, 'repomd.xml'), repomd) };
}

interface Generated {
  summary: CreaterepoSummary;
  /** Settles once repomd.xml is on disk. */
  synced: Promise<void>;
}

interface Pass {
  summary: CreaterepoSummary;
  newest: number;
  /** hrefs of packages left out (excluded or unreadable) in this pass. */
  leftOut: Set<string>;
  tmps: string[];
  written: Record<XmlKind, Promise<{ tmp: string; digest: FileDigest }>>;
}

/**
 * One pass over the packages (skipping `skip`), writing the three files as it goes with
 * packages="expected". If a package not in `skip` is left out, the files are abandoned
 * (their writers are closed early and will reject) and `leftOut` says which.
 */
async function writePass(
  readers: Readers,
  root: string,
  work: string,
  found: PackageList,
  skip: ReadonlySet<string>,
  expected: number,
  old: OldMetadata | null,
  platform: Platform,
  opts: CreaterepoOptions,
): Promise<Pass> {
  const summary: CreaterepoSummary = {
    packages: 0,
    reused: 0,
    excluded: [],
    failed: [],
    revision: '',
    files: { primary: '', filelists: '', other: '' },
    kept: [],
  };
  // held for the whole pass: `found` and, when not every package is read, a byte per package
  const jobs = passJobs(found, skip, old);
  const cursor = old ? new OldCursor(old.packages()) : null;
  // packages in the old metadata that turn out not to match are read here, on the main thread
  let fallback: PackageReader | null = null;
  const attempt = skip.size > 0 ? 'retry' : 'live';
  const channels = {} as Record<XmlKind, Channel<Uint8Array[]>>;
  const written = {} as Pass['written'];
  const tmps: string[] = [];
  for (const kind of KINDS) {
    // a few batches per file: memory stays bounded by them and one chunk per file
    channels[kind] = new Channel<Uint8Array[]>(4);
    const tmp = join(work, `${kind}.${attempt}.tmp`);
    tmps.push(tmp);
    written[kind] = writeKind(kind, expected, channels[kind], tmp, platform, opts.codec);
    written[kind].catch(() => undefined);
  }
  const leftOut = new Set<string>();
  const progress = createProgress('reading packages', found.length - skip.size);
  let newest = 0;
  try {
    for await (const { from, to, batch } of readers.describe(jobs)) {
      const made = batchFragments(batch);
      const out: Record<XmlKind, Uint8Array[]> = { primary: [], filelists: [], other: [] };
      let ok = 0; // packages of `batch` that made it, taken so far
      let d = 0; // jobs of `batch` (the described ones), taken so far
      let left = 0;
      for (let i = from; i < to; i++) {
        const state = jobs.state?.[i] ?? 0;
        if (state === SKIPPED) continue;
        progress.tick();
        let time: number | null = null;
        let reused = false;
        if (state !== REUSED) {
          const why = batch.left[left];
          if (why?.index === d) {
            left++;
            const href = found.href(i);
            summary[why.kind].push({ href, reason: why.reason });
            leftOut.add(href);
          } else {
            for (const kind of KINDS) out[kind].push(made[kind][ok]!);
            ok++;
            time = batch.times[d]!;
          }
          d++;
        } else {
          const f = { href: found.href(i) };
          const prior = await cursor!.match(f.href);
          if (prior && old!.same(prior)) {
            for (const kind of KINDS) out[kind].push(prior[kind]);
            time = prior.time;
            reused = true;
          } else {
            fallback ??= new PackageReader(root);
            const one = await describeBatch(fallback, [f], opts.changelogLimit);
            if (one.left.length === 0) {
              const mine = batchFragments(one);
              for (const kind of KINDS) out[kind].push(mine[kind][0]!);
              time = one.times[0]!;
            } else {
              const why = one.left[0]!;
              summary[why.kind].push({ href: f.href, reason: why.reason });
              leftOut.add(f.href);
            }
          }
        }
        if (time !== null) {
          summary.packages++;
          if (reused) summary.reused++;
          newest = Math.max(newest, time);
        }
      }
      // once a package is left out the files are abandoned (a second pass writes them)
      if (leftOut.size === 0) {
        // the batch's buffer is reused once all three writers copied their fragments out of it
        let pending = KINDS.length;
        const done = () => {
          if (--pending === 0) readers.release(batch);
        };
        for (const kind of KINDS) await channels[kind].push(out[kind], done);
      } else for (const kind of KINDS) channels[kind].close();
    }
  } finally {
    await cursor?.close();
  }
  progress.done();
  for (const kind of KINDS) channels[kind].close();
  return { summary, newest, leftOut, tmps, written };
}

/** Merge-join cursor over the old metadata (both lists are in createrepo_c order). */
class OldCursor {
  private current: OldPackage | null | undefined;
  constructor(private readonly it: AsyncGenerator<OldPackage>) {}

  /** Ends the walk: the old metadata files are closed even when it stopped early. */
  async close(): Promise<void> {
    await this.it.return(undefined);
  }

  async match(href: string): Promise<OldPackage | null> {
    const name = href.slice(href.lastIndexOf('/') + 1);
    for (;;) {
      if (this.current === undefined) {
        const step = await this.it.next();
        this.current = step.done ? null : step.value;
      }
      const c: OldPackage | null = this.current;
      if (!c) return null;
      const order = orderOf(c.href, href, name);
      if (order > 0) return null;
      this.current = undefined;
      if (order < 0) continue;
      return c;
    }
  }
}

/** Where the old package at `old` is against the package at `href` (file name `name`) in createrepo_c order. */
function orderOf(old: string, href: string, name: string): number {
  const oldName = old.slice(old.lastIndexOf('/') + 1);
  if (oldName !== name) return oldName < name ? -1 : 1;
  return old === href ? 0 : old < href ? -1 : 1;
}

interface OldMetadata {
  /** The old package at `href` is unchanged on disk (same size and mtime). */
  has(href: string): boolean;
  /** `p` says the size and mtime the index said for its href (the index is only a hint). */
  same(p: OldPackage): boolean;
  /** The old packages, in file order. */
  packages(): AsyncGenerator<OldPackage>;
}

/** Old packages (href → size and mtime) whose files are unchanged on disk. */
async function reusable(root: string, platform: Platform): Promise<OldMetadata> {
  // the repodata reader (an XML parser) loads only for --update: start-up counts in short runs
  const { oldPackages, oldPrimaryIndex } = await import('./old-metadata.js');
  const index = await oldPrimaryIndex(root, platform);
  return {
    packages: () => oldPackages(root, platform),
    same(p) {
      const prior = index.get(p.href);
      return prior !== undefined && prior.size === p.size && prior.time === p.time;
    },
    has(href) {
      const prior = index.get(href);
      if (!prior) return false;
      const st = statSync(packagePath(root, href));
      return st.size === prior.size && Math.floor(st.mtimeMs / 1000) === prior.time;
    },
  };
}
