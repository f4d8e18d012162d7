/**
 * `berth sync URL DIR` (docs/sync.md). The order keeps DIR a consistent repo at every instant
 * a reader (dnf, `berth serve --dir`) could look, and after a kill at any point:
 *   1. repomd.xml (+ .asc) fetched and verified in memory; identical to DIR's → done.
 *   2. metadata files downloaded and verified into .berth-sync/staging (primary is needed to
 *      know the packages; nothing in DIR changes yet).
 *   3. packages downloaded (resumable, verified) to their location — files the current
 *      repomd.xml does not reference, so no reader is affected; a location the current
 *      metadata uses for other bytes is staged and moved at the swap instead.
 *   4. metadata files moved into place, repomd.xml.asc written, repomd.xml renamed over last.
 *   5. state saved, then everything the new metadata does not reference is deleted.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Platform } from '../core/platform.js';
import type { OutboundLimits } from '../net/limits.js';
import type { Transport } from '../net/outbound.js';
import { askFeed, type FeedVerdict } from './changes-client.js';
import type { FileMembers } from '../core/repodata/members.js';
import { assembleFile, memberMaps, type OldCopy } from './delta.js';
import { download } from './download.js';
import { SyncError } from './errors.js';
import { Source } from './http.js';
import { parseRepomd, primaryPackages, type PrimaryPackage, type RepomdRecord } from './metadata.js';
import { readTrustedKeys, verifyDetached, type TrustedKeys } from './signature.js';
import { sizeOf, Target, writeAtomic, type SyncState } from './target.js';

export interface SyncOptions {
  url: string;
  dir: string;
  /** Decompression (and hashing) of the runtime: the CLI passes Node's. */
  platform: Platform;
  /** The runtime's fetch for the source (the CLI passes Node's, with its connect timeout). */
  transport?: Transport;
  /** Timeouts and size limits for the source (defaults: src/net/limits.ts). */
  limits?: Partial<OutboundLimits>;
  /** BERTH_TOKEN: Basic auth for private Berth repos. */
  token?: string | undefined;
  /** Contents of --key FILE. */
  key?: { bytes: Uint8Array; name: string } | undefined;
  trustServerKey?: boolean;
  noVerify?: boolean;
  jobs?: number;
  attempts?: number;
  retryDelayMs?: number;
  force?: boolean;
  /** Ask a Berth source's changes feed before parsing primary (default true). */
  changesFeed?: boolean;
  /** Human notes (the TOFU fingerprint), one line each. */
  note?: (line: string) => void;
  progress?: (p: { phase: 'metadata' | 'packages'; done: number; total: number; bytes: number }) => void;
}

export interface SyncSummary {
  source: string;
  dir: string;
  /** repomd.xml was unchanged: nothing else was fetched. */
  upToDate: boolean;
  revision: string | null;
  /** Fingerprint of the key that signed repomd.xml (null with --no-verify or when up to date). */
  signer: string | null;
  bytes: number;
  requests: number;
  fetched: { metadata: number; packages: number };
  reused: { metadata: number; packages: number };
  deleted: number;
  primaryParsed: boolean;
  changesFeed: FeedVerdict | 'not-asked';
  /**
   * Metadata files made from DIR's previous copy plus the changed members fetched by range (a
   * Berth source's member map): how many, the bytes fetched and copied, and files that fell back
   * to a whole download.
   */
  ranges: { files: number; fetchedBytes: number; copiedBytes: number; fallbacks: number };
}

/** Berth's own revision of the repomd.xml it served (`Berth-Revision`), or null from other servers. */
function berthRevision(headers: Headers): string | null {
  const v = headers.get('berth-revision')?.trim() ?? '';
  return /^\d{1,12}$/.test(v) ? v : null;
}

function samePackages(a: readonly PrimaryPackage[], b: readonly PrimaryPackage[]): boolean {
  if (a.length !== b.length) return false;
  const byHref = new Map(a.map((p) => [p.href, p]));
  return b.every((p) => {
    const q = byHref.get(p.href);
    return q !== undefined && q.size === p.size && q.checksum.type === p.checksum.type && q.checksum.value === p.checksum.value;
  });
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const same = (a: Uint8Array | null, b: Uint8Array): boolean => a !== null && a.length === b.length && a.every((x, i) => x === b[i]);

/** Runs `fn` over `items`, at most `n` at once; stops starting new ones after a failure and rethrows it. */
async function mapLimit<T, R>(items: readonly T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failed: { e: unknown } | null = null;
  const worker = async (): Promise<void> => {
    while (next < items.length && !failed) {
      const i = next++;
      try {
        out[i] = await fn(items[i] as T);
      } catch (e) {
        failed ??= { e };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, items.length)) }, worker));
  if (failed) throw (failed as { e: unknown }).e;
  return out;
}

async function keysFor(opts: SyncOptions, source: Source, target: Target): Promise<{ trusted: TrustedKeys | null; pin: boolean }> {
  if (opts.noVerify) return { trusted: null, pin: false };
  if (opts.key) return { trusted: await readTrustedKeys(opts.key.bytes, opts.key.name), pin: false };
  const pinned = join(target.meta, 'server-key.asc');
  const saved = await readFile(pinned).catch(() => null);
  if (saved) return { trusted: await readTrustedKeys(saved, pinned), pin: false };
  const served = await source.getBytes('repodata/repomd.xml.key', { allowMissing: true });
  if (!served) throw new SyncError('sync.no-key', `${source.url('repodata/repomd.xml.key')} does not exist: give the key with --key FILE`);
  const trusted = await readTrustedKeys(served, 'repodata/repomd.xml.key');
  opts.note?.(`trusting the server's metadata key ${trusted.fingerprints.join(', ')} on first use (pinned in ${pinned})`);
  return { trusted, pin: true };
}

export async function sync(opts: SyncOptions): Promise<SyncSummary> {
  if (!opts.noVerify && !opts.key && !opts.trustServerKey) {
    throw new SyncError('sync.no-key', 'refusing to sync unverified metadata: give --key FILE, or --trust-server-key to trust the key the server offers (or --no-verify)');
  }
  const source = new Source({
    baseUrl: opts.url, token: opts.token, ...(opts.attempts ? { attempts: opts.attempts } : {}), ...(opts.retryDelayMs !== undefined ? { baseDelayMs: opts.retryDelayMs } : {}),
    ...(opts.transport ? { transport: opts.transport } : {}), ...(opts.limits ? { limits: opts.limits } : {}),
  });
  const target = new Target(opts.dir);
  await target.prepare(opts.force ?? false);
  try {
    return await run(opts, source, target);
  } finally {
    await target.release();
  }
}

async function run(opts: SyncOptions, source: Source, target: Target): Promise<SyncSummary> {
  const jobs = opts.jobs ?? 4;
  const summary: SyncSummary = {
    source: source.baseUrl, dir: target.dir, upToDate: false, revision: null, signer: null, bytes: 0, requests: 0,
    fetched: { metadata: 0, packages: 0 }, reused: { metadata: 0, packages: 0 }, deleted: 0, primaryParsed: false, changesFeed: 'not-asked',
    ranges: { files: 0, fetchedBytes: 0, copiedBytes: 0, fallbacks: 0 },
  };
  const finish = (): SyncSummary => ({ ...summary, bytes: source.bytes, requests: source.requests });
  const state = await target.readState();
  const repomdDoc = (await source.getDocument('repodata/repomd.xml')) as { bytes: Uint8Array; headers: Headers };
  const repomd = repomdDoc.bytes;
  // A Berth source names its own revision of this repomd.xml: the changes feed's cursor (a
  // complete mirror's <revision> is upstream's, which the feed knows nothing of).
  const cursor = berthRevision(repomdDoc.headers);
  const local = await readFile(target.path('repodata/repomd.xml')).catch(() => null);
  if (state && state.repomdSha256 === sha256(repomd) && same(local, repomd)) {
    summary.upToDate = true;
    summary.revision = state.revision;
    return finish();
  }

  const { trusted, pin } = await keysFor(opts, source, target);
  const asc = await source.getBytes('repodata/repomd.xml.asc', { allowMissing: true });
  if (trusted) {
    if (!asc) throw new SyncError('sync.bad-signature', `${source.url('repodata/repomd.xml.asc')} does not exist: the metadata is not signed`);
    summary.signer = await verifyDetached(repomd, asc, trusted);
  }
  const md = parseRepomd(new TextDecoder().decode(repomd));
  summary.revision = md.revision;
  // A Berth source (it names its revision) serves where each file's members lie: changed
  // members are then fetched by range, the rest copied from DIR's previous files.
  const maps = cursor !== null ? await memberMaps(source, target, state, sha256(repomd), md.records) : null;

  // 2. metadata into staging (or already in place)
  let done = 0;
  let bytes = 0;
  const onBytes = (n: number): void => {
    bytes += n;
  };
  const staged = await mapLimit(md.records, jobs, async (r: RepomdRecord) => {
    const at = await placeMetadata(source, target, r, summary, onBytes, { next: maps?.next.get(r.type), old: maps?.old.get(r.type) });
    opts.progress?.({ phase: 'metadata', done: ++done, total: md.records.length, bytes });
    return { r, at };
  });
  const primary = staged.find((s) => s.r.type === 'primary') as { r: RepomdRecord; at: string | null };

  // The package set is what the verified primary.xml lists — always read, because DIR must never
  // hold a primary.xml that names a file DIR lacks. A Berth source's changes feed is asked with
  // Berth's own revision as the cursor; its verdict is reported and checked against primary.
  const packages: PrimaryPackage[] = [];
  const seen = new Map<string, PrimaryPackage>();
  for await (const p of primaryPackages(primary.at ?? target.path(primary.r.href), opts.platform)) {
    const dup = seen.get(p.href);
    if (dup && dup.checksum.value !== p.checksum.value) throw new SyncError('sync.bad-metadata', `primary.xml lists ${p.href} twice with different checksums`);
    if (dup) continue;
    target.path(p.href); // refuse unsafe locations before anything is fetched
    seen.set(p.href, p);
    packages.push(p);
  }
  summary.primaryParsed = true;
  if (state && opts.changesFeed !== false) {
    summary.changesFeed = await askFeed(source, state.cursor ?? null, cursor);
    if (summary.changesFeed === 'unchanged' && !samePackages(state.packages, packages)) {
      opts.note?.('the changes feed said nothing changed, but primary.xml lists other packages: primary.xml was followed');
    }
  }

  // 3. packages
  const known = new Map((state?.packages ?? []).map((p) => [p.href, p]));
  const referenced = new Set([...(state?.packages ?? []).map((p) => p.href), ...(state?.metadata ?? [])]);
  const deferred: string[] = [];
  done = 0;
  await mapLimit(packages, jobs, async (p) => {
    const final = target.path(p.href);
    const have = await sizeOf(final);
    const k = known.get(p.href);
    // A file listed by the last complete sync was verified when it was fetched.
    const trustedBefore = k !== undefined && k.size === p.size && k.checksum.type === p.checksum.type && k.checksum.value === p.checksum.value;
    if (have === p.size && (trustedBefore || (await target.holds(final, p.size, p.checksum)))) {
      summary.reused.packages++;
    } else {
      // A location the current metadata uses for other bytes is replaced only at the swap.
      const occupied = have !== null && referenced.has(p.href);
      const dest = occupied ? target.staged(p.href) : final;
      if (occupied && (await target.holds(dest, p.size, p.checksum))) {
        summary.reused.packages++;
      } else {
        const url = p.base ? new URL(p.href, p.base.endsWith('/') ? p.base : `${p.base}/`).href : p.href;
        await download(source, url, target.partial(p.href), dest, { size: p.size, checksum: p.checksum }, onBytes);
        summary.fetched.packages++;
      }
      if (occupied) deferred.push(p.href);
    }
    opts.progress?.({ phase: 'packages', done: ++done, total: packages.length, bytes });
  });

  // 4. the swap — only once every package the new primary.xml names is in DIR (or staged for it)
  const pending = new Set(deferred);
  for (const p of packages) {
    const at = pending.has(p.href) ? target.staged(p.href) : target.path(p.href);
    if ((await sizeOf(at)) !== p.size) {
      throw new SyncError('sync.incomplete', `${p.href} is listed by the new primary.xml but DIR does not hold it; the metadata was not swapped`);
    }
  }
  for (const s of staged) if (s.at) await target.install(s.at, s.r.href);
  for (const href of deferred) await target.install(target.staged(href), href);
  const keep = new Set(['repodata/repomd.xml', ...md.records.map((r) => r.href), ...packages.map((p) => p.href)]);
  if (trusted) {
    await writeAtomic(target.path('repodata/repomd.xml.key'), `${trusted.armored.trim()}\n`);
    keep.add('repodata/repomd.xml.key');
    if (pin) await writeAtomic(join(target.meta, 'server-key.asc'), trusted.armored);
  }
  if (asc) {
    await writeAtomic(target.path('repodata/repomd.xml.asc'), asc);
    keep.add('repodata/repomd.xml.asc');
  }
  await writeAtomic(target.path('repodata/repomd.xml'), repomd);

  // 5. state, then what nothing references any more
  // the members of the files now in DIR, for the next run (a map from an earlier run still
  // describes a file that did not change)
  const members: Record<string, FileMembers> = {};
  for (const r of md.records) {
    const m = maps?.next.get(r.type) ?? (state?.members?.[r.type]?.href === r.href ? state.members[r.type] : undefined);
    if (m) members[r.type] = m;
  }
  const next: SyncState = {
    version: 1, source: source.baseUrl, repomdSha256: sha256(repomd), revision: md.revision, cursor, packages, metadata: md.records.map((r) => r.href), members,
  };
  await target.writeState(next);
  summary.deleted = await target.prune(keep);
  return finish();
}

async function placeMetadata(
  source: Source, target: Target, r: RepomdRecord, summary: SyncSummary, onBytes: (n: number) => void,
  delta: { next: FileMembers | undefined; old: OldCopy | undefined },
): Promise<string | null> {
  if (await target.holds(target.path(r.href), r.size, r.checksum)) {
    summary.reused.metadata++;
    return null;
  }
  const at = target.staged(r.href);
  if (await target.holds(at, r.size, r.checksum)) {
    summary.reused.metadata++;
    return at;
  }
  if (delta.next && delta.old) {
    const d = await assembleFile(source, target, r, delta.next, delta.old, at, onBytes);
    if (d.outcome === 'assembled') {
      summary.fetched.metadata++;
      summary.ranges.files++;
      summary.ranges.fetchedBytes += d.fetched;
      summary.ranges.copiedBytes += d.copied;
      return at;
    }
    summary.ranges.fallbacks++;
  }
  await download(source, r.href, target.partial(r.href), at, { size: r.size, checksum: r.checksum }, onBytes);
  summary.fetched.metadata++;
  return at;
}
