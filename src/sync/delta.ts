/**
 * A metadata file of a Berth source made from the copy DIR already holds plus the members that
 * changed (docs/sync.md, Fetching only what changed). The source's member map says where each
 * compressed member of the new file lies and what it holds; members the old file has (same id
 * and size, per the map saved when the old file was fetched) are copied from it by offset, the
 * others fetched with single-range requests, one per run of changed members. The pieces are
 * appended in order to `.berth-sync/partial/<href>`, so a killed run resumes from what is there,
 * and the result must match repomd.xml's checksum and size like any download. Anything else —
 * no old copy, a map that does not fit, a server that answers a range with the whole file or with
 * other bytes, a checksum that differs — returns `fallback`, and the caller downloads the file
 * whole from scratch.
 */
import { mkdir, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { checkFileMembers, describedFiles, memberMapName, parseMemberMap, planDelta, piecesFrom, worthRanges, type FileMembers, type Member, type Piece } from '../core/repodata/members.js';
import { isOutboundError } from '../net/errors.js';
import { exactly, rangeAnswer } from '../net/range.js';
import { SyncError } from './errors.js';
import type { Source } from './http.js';
import type { RepomdRecord } from './metadata.js';
import { hashFile, sizeOf, type SyncState, type Target } from './target.js';

export interface OldCopy {
  /** The old file in DIR. */
  path: string;
  /** Its members, from the map saved when it was fetched. */
  members: FileMembers;
}

export type DeltaResult =
  | { outcome: 'assembled'; fetched: number; copied: number; ranges: number }
  | { outcome: 'fallback'; reason: string };

const BLOCK = 1024 * 1024;

/**
 * The member map of the repomd.xml with this sha256 (`repodata/<sha256>-members.json`), checked;
 * null when the source has none or it cannot be used (a map is only ever a shortcut).
 */
export async function fetchMemberMap(source: Source, repomdSha256: string): Promise<FileMembers[] | null> {
  try {
    const bytes = await source.getBytes(`repodata/${memberMapName(repomdSha256)}`, { allowMissing: true });
    return bytes ? parseMemberMap(bytes) : null;
  } catch {
    return null;
  }
}

/**
 * DIR's file of this type as the last run saved its members: checked like a map from the network
 * (state.json is a file anyone with access to DIR may edit), and only a file that run installed.
 */
function savedCopy(state: SyncState, type: string, target: Target): OldCopy | undefined {
  const saved = state.members?.[type] as { members?: unknown } | undefined;
  if (!saved || !Array.isArray(saved.members)) return undefined;
  try {
    const wire = (saved.members as Partial<Member>[]).map((m) => [m?.offset, m?.size, m?.id]);
    const members = checkFileMembers({ type, ...saved, members: wire });
    return members.type === type && state.metadata.includes(members.href) ? { path: target.path(members.href), members } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * For each changed metadata file of a Berth source's new repomd.xml (sha256 `repomdSha256`):
 * where its members lie (the new generation's map), and DIR's current file of the same type with
 * its members — saved by the last run, or else from the previous generation's map (state.json
 * names that repomd.xml), which the source still serves while it keeps that generation.
 */
export async function memberMaps(
  source: Source, target: Target, state: SyncState | null, repomdSha256: string, records: readonly RepomdRecord[],
): Promise<{ next: Map<string, FileMembers>; old: Map<string, OldCopy> }> {
  const next = describedFiles((await fetchMemberMap(source, repomdSha256)) ?? [], records);
  const old = new Map<string, OldCopy>();
  const metadata = Array.isArray(state?.metadata) ? state.metadata : null;
  if (!state || !metadata) return { next, old };
  const changed = records.filter((r) => next.has(r.type) && !metadata.includes(r.href));
  for (const r of changed) {
    const copy = savedCopy(state, r.type, target);
    if (copy) old.set(r.type, copy);
  }
  const missing = changed.filter((r) => !old.has(r.type));
  if (missing.length > 0 && typeof state.repomdSha256 === 'string' && /^[0-9a-f]{64}$/.test(state.repomdSha256)) {
    const prev = ((await fetchMemberMap(source, state.repomdSha256)) ?? []).filter((f) => metadata.includes(f.href));
    for (const r of missing) {
      const f = prev.find((p) => p.type === r.type);
      try {
        if (f) old.set(r.type, { path: target.path(f.href), members: f });
      } catch {
        // an href that is not a path inside DIR: no old copy
      }
    }
  }
  return { next, old };
}

class Fallback extends Error {}

async function copyFrom(from: FileHandle, to: FileHandle, p: Piece, buf: Uint8Array): Promise<void> {
  for (let done = 0; done < p.length;) {
    const want = Math.min(buf.length, p.length - done);
    const { bytesRead } = await from.read(buf, 0, want, p.start + done);
    if (bytesRead !== want) throw new Fallback('the old copy ended early');
    await to.write(buf.subarray(0, want));
    done += want;
  }
}

async function fetchInto(source: Source, r: RepomdRecord, p: Piece, to: FileHandle, onBytes: (n: number) => void): Promise<void> {
  const span = { start: p.start, length: p.length };
  const res = await source.get(r.href, { range: span, maxBytes: p.length, onBytes, allowMissing: true });
  if (!res) throw new Fallback(`${r.href} is gone`);
  const answer = rangeAnswer(res, span, r.size ?? null);
  if (answer !== 'partial') {
    await res.body.cancel().catch(() => undefined);
    throw new Fallback(answer === 'whole' ? 'the source answers ranges with the whole file' : 'the source answered a range with other bytes');
  }
  const reader = exactly(res.body, p.length, source.url(r.href)).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    await to.write(value);
  }
}

/** Builds `r` from `old` and ranges of the source into `dest` (staging), or says why not. */
export async function assembleFile(
  source: Source,
  target: Target,
  r: RepomdRecord,
  next: FileMembers,
  old: OldCopy,
  dest: string,
  onBytes: (n: number) => void,
): Promise<DeltaResult> {
  if (r.size === undefined || next.size !== r.size) return { outcome: 'fallback', reason: 'the member map does not match repomd.xml' };
  if ((await sizeOf(old.path)) !== old.members.size) return { outcome: 'fallback', reason: 'the old copy is not the one its map describes' };
  const plan = planDelta(old.members, next);
  if (!worthRanges(plan, r.size)) return { outcome: 'fallback', reason: 'most of the file changed' };
  const partial = target.partial(r.href);
  await mkdir(dirname(partial), { recursive: true });
  let fetched = 0;
  const counted = (n: number): void => {
    fetched += n;
    onBytes(n);
  };
  const buf = new Uint8Array(BLOCK);
  try {
    for (let attempt = 1; ; attempt++) {
      let have = (await sizeOf(partial)) ?? 0;
      if (have > r.size) {
        await unlink(partial);
        have = 0;
      }
      const from = await open(old.path, 'r');
      const to = await open(partial, 'a');
      try {
        for (const p of piecesFrom(plan.pieces, have)) {
          if (p.source === 'old') await copyFrom(from, to, p, buf);
          else await fetchInto(source, r, p, to, counted);
        }
        break;
      } catch (e) {
        // a dropped connection keeps what arrived and resumes from there; statuses were retried by Source.get
        const transient = (isOutboundError(e) && e.retryable) || e instanceof TypeError;
        if (!transient) throw e;
        if (attempt >= source.attempts) throw new SyncError('sync.network', `fetching ranges of ${source.url(r.href)} failed: ${(e as Error).message}`);
        await source.backoff(attempt);
      } finally {
        await to.close();
        await from.close();
      }
    }
  } catch (e) {
    // the network gave out: keep what arrived for the next run; anything else starts over whole
    if ((e instanceof SyncError && e.code === 'sync.network') || !(e instanceof Fallback || e instanceof SyncError || isOutboundError(e))) throw e;
    await unlink(partial).catch(() => undefined);
    return { outcome: 'fallback', reason: (e as Error).message };
  }
  if ((await sizeOf(partial)) !== r.size || (await hashFile(partial, r.checksum.type)) !== r.checksum.value) {
    await unlink(partial).catch(() => undefined);
    return { outcome: 'fallback', reason: 'the assembled file does not match repomd.xml' };
  }
  await mkdir(dirname(dest), { recursive: true });
  await rename(partial, dest);
  return { outcome: 'assembled', fetched, copied: r.size - plan.fetchBytes, ranges: plan.ranges };
}
