/**
 * Member maps (docs/service.md, Member map): where each compressed member (gzip member, zstd
 * frame) of a metadata file lies, with a content id, so a client that kept the previous file can
 * fetch only the members that changed by HTTP Range and copy the others from its old copy.
 *
 * A map is advice, never trusted: whatever is assembled from it is checked against the checksum
 * and size the signed repomd.xml gives, and any defect (a map that does not parse, does not add
 * up, or leads to other bytes) means a whole-file download. So parsing here only has to bound
 * the work a hostile map can cause and refuse what cannot describe a file.
 *
 * Wire form (JSON, one per generation, named `<sha256 of repomd.xml>-members.json`):
 *   {"format": "berth-members-1", "files": [{"href": "repodata/…-primary.xml.gz", "type": "primary",
 *    "size": N, "members": [[offset, size, "id"], …]}, …]}
 * Offsets are contiguous from 0 and the sizes add up to the file's size. Two members with the
 * same id (in files of the same kind) have the same bytes.
 */

export const MEMBER_MAP_FORMAT = 'berth-members-1';

/** One compressed member of a file. */
export interface Member {
  offset: number;
  size: number;
  /** Content id: equal ids, equal bytes. */
  id: string;
}

export interface FileMembers {
  /** The file's href in repomd.xml (`repodata/<name>`). */
  href: string;
  /** Its record type in repomd.xml (`primary`, `filelists`, …). */
  type: string;
  size: number;
  members: Member[];
}

export interface MemberMapLimits {
  /** Files one map may describe. */
  maxFiles: number;
  /** Members one file may have. */
  maxMembers: number;
}

export const DEFAULT_MEMBER_MAP_LIMITS: MemberMapLimits = { maxFiles: 64, maxMembers: 1_000_000 };

export class MemberMapError extends Error {
  override name = 'MemberMapError';
}

const SHA256 = /^[0-9a-f]{64}$/;
const ID = /^[0-9a-f]{8,64}$/;
const HREF = /^[A-Za-z0-9._/-]{1,500}$/;
const TYPE = /^[a-z][a-z0-9_]{0,63}$/;

/** The map's file name under repodata/ for the repomd.xml with this sha256. */
export function memberMapName(repomdSha256: string): string {
  if (!SHA256.test(repomdSha256)) throw new MemberMapError('a member map is named by the sha256 of its repomd.xml');
  return `${repomdSha256}-members.json`;
}

/** Is `name` a member map's file name? */
export function isMemberMapName(name: string): boolean {
  return /^[0-9a-f]{64}-members\.json$/.test(name);
}

/** Members from their sizes and ids, in file order (offsets follow). */
export function fileMembers(href: string, type: string, parts: readonly { size: number; id: string }[]): FileMembers {
  let offset = 0;
  const members = parts.map((p) => {
    const m = { offset, size: p.size, id: p.id };
    offset += p.size;
    return m;
  });
  return { href, type, size: offset, members };
}

export function encodeMemberMap(files: readonly FileMembers[]): Uint8Array {
  const body = files.map((f) => ({ href: f.href, type: f.type, size: f.size, members: f.members.map((m) => [m.offset, m.size, m.id]) }));
  return new TextEncoder().encode(JSON.stringify({ format: MEMBER_MAP_FORMAT, files: body }));
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** One file of a map, checked: contiguous offsets from 0, positive sizes adding up to `size`. */
export function checkFileMembers(f: unknown, limits: MemberMapLimits = DEFAULT_MEMBER_MAP_LIMITS): FileMembers {
  const o = f as { href?: unknown; type?: unknown; size?: unknown; members?: unknown };
  if (typeof o !== 'object' || o === null || typeof o.href !== 'string' || !HREF.test(o.href) || typeof o.type !== 'string' || !TYPE.test(o.type) ||
    !isCount(o.size) || !Array.isArray(o.members)) {
    throw new MemberMapError('a file entry needs href, type, size and members');
  }
  if (o.members.length > limits.maxMembers) throw new MemberMapError(`a file has more than ${limits.maxMembers} members`);
  const members: Member[] = [];
  let at = 0;
  for (const m of o.members as unknown[]) {
    if (!Array.isArray(m) || m.length !== 3) throw new MemberMapError('a member is [offset, size, id]');
    const [offset, size, id] = m as unknown[];
    if (!isCount(offset) || !isCount(size) || size === 0 || typeof id !== 'string' || !ID.test(id)) throw new MemberMapError('a member has a bad offset, size or id');
    if (offset !== at) throw new MemberMapError('member offsets are not contiguous');
    at += size;
    members.push({ offset, size, id });
  }
  if (at !== o.size) throw new MemberMapError('the members do not add up to the file size');
  return { href: o.href, type: o.type, size: o.size, members };
}

/** Parses and checks a map (the caller bounds its bytes); throws MemberMapError on any defect. */
export function parseMemberMap(bytes: Uint8Array, limits: MemberMapLimits = DEFAULT_MEMBER_MAP_LIMITS): FileMembers[] {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new MemberMapError('the member map is not JSON');
  }
  const d = doc as { format?: unknown; files?: unknown };
  if (typeof d !== 'object' || d === null || d.format !== MEMBER_MAP_FORMAT || !Array.isArray(d.files)) {
    throw new MemberMapError(`the member map is not ${MEMBER_MAP_FORMAT}`);
  }
  if (d.files.length > limits.maxFiles) throw new MemberMapError(`the member map describes more than ${limits.maxFiles} files`);
  const files = (d.files as unknown[]).map((f) => checkFileMembers(f, limits));
  if (new Set(files.map((f) => f.href)).size !== files.length || new Set(files.map((f) => f.type)).size !== files.length) {
    throw new MemberMapError('the member map names a file or a type twice');
  }
  return files;
}

/**
 * The files of a map that describe records of a repomd.xml — same href, type and size — by type:
 * a file the map gets wrong for the repomd.xml at hand is never used to plan ranges.
 */
export function describedFiles(files: readonly FileMembers[], records: readonly { type: string; href: string; size?: number | null | undefined }[]): Map<string, FileMembers> {
  const byHref = new Map(records.map((r) => [r.href, r]));
  const out = new Map<string, FileMembers>();
  for (const f of files) {
    const r = byHref.get(f.href);
    if (r && r.type === f.type && r.size === f.size) out.set(f.type, f);
  }
  return out;
}

/**
 * A run of the new file's bytes: copied from the old file (`source: 'old'`, `start` in the old
 * file) or fetched (`source: 'new'`, `start` in the new file). `at` is where it goes in the new file.
 */
export interface Piece {
  source: 'old' | 'new';
  start: number;
  length: number;
  at: number;
}

export interface DeltaPlan {
  pieces: Piece[];
  /** Bytes to fetch, and in how many ranges. */
  fetchBytes: number;
  ranges: number;
  /** Bytes copied from the old file. */
  copyBytes: number;
}

/**
 * How to make the file `next` describes from the file `old` describes: members whose id (and
 * size) the old file has are copied from it, the rest fetched; neighbouring pieces of one source
 * are merged, so each run of changed members is one range.
 */
export function planDelta(old: FileMembers, next: FileMembers): DeltaPlan {
  const have = new Map<string, Member>();
  for (const m of old.members) if (!have.has(m.id)) have.set(m.id, m);
  const pieces: Piece[] = [];
  for (const m of next.members) {
    const o = have.get(m.id);
    const p: Piece = o && o.size === m.size ? { source: 'old', start: o.offset, length: m.size, at: m.offset } : { source: 'new', start: m.offset, length: m.size, at: m.offset };
    const last = pieces[pieces.length - 1];
    if (last && last.source === p.source && last.start + last.length === p.start) last.length += p.length;
    else pieces.push(p);
  }
  const fetched = pieces.filter((p) => p.source === 'new');
  const fetchBytes = fetched.reduce((a, p) => a + p.length, 0);
  return { pieces, fetchBytes, ranges: fetched.length, copyBytes: next.size - fetchBytes };
}

/** The pieces still to do once the first `done` bytes of the new file are written (resuming). */
export function piecesFrom(pieces: readonly Piece[], done: number): Piece[] {
  const out: Piece[] = [];
  for (const p of pieces) {
    if (p.at + p.length <= done) continue;
    const skip = Math.max(0, done - p.at);
    out.push({ source: p.source, start: p.start + skip, length: p.length - skip, at: p.at + skip });
  }
  return out;
}

/**
 * Whether ranges are worth it: a plan that fetches most of the file, or in very many ranges, is
 * done as one whole download instead.
 */
export function worthRanges(plan: DeltaPlan, size: number, maxRanges = 64): boolean {
  return plan.ranges <= maxRanges && plan.fetchBytes * 2 < size;
}
