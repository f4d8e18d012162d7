/**
 * Writes one metadata file of a regeneration under its checksum name, without a staging copy
 * (docs/service.md, Regeneration). The name is the sha256 of the compressed file, known only once
 * every member has been seen, so the file is made in two passes over the chunk cache:
 *
 * 1. every member (and its XML) goes through `writeXmlFile`, which hashes both; nothing is
 *    written, and for each member only where it lies (entry key, offset, length) is kept;
 * 2. the members are read again as byte ranges of their entries — the compressed part only — and
 *    streamed to the final name, create-only (skipped when that name exists: same bytes). The
 *    stream is hashed again and fails before its end if the bytes differ, so a file can never be
 *    stored under a name that is not its checksum.
 *
 * Members are kept in memory between the passes while a budget shared by the files of one
 * regeneration lasts (`MemberBudget`: a byte budget, or a lease of reused memory, member-arena.ts):
 * then pass 2 reads only the rest. Small repos (and the first members of large ones) are then read
 * once. A member arrives in memory lent only until the next one is asked for (chunk-source.ts):
 * what is kept is a copy.
 */
import type { Codec, Platform } from '../core/platform.js';
import { toHex } from '../core/platform.js';
import type { RepomdRecord } from '../core/repodata/repomd.js';
import { writeXmlFile, type CompressedChunk, type FileDigest, type XmlKind } from '../core/repodata/xml-file.js';
import { BerthError } from '../core/errors.js';
import type { BlobStore } from '../storage/blob-store.js';
import { isStorageError } from '../storage/errors.js';
import { repodataFileName, repodataKey } from '../storage/keys.js';
import { CHUNK_HEADER } from './chunk-cache.js';
import { windowed } from './chunk-source.js';
import { readBytes } from './read-bytes.js';

export interface Member {
  chunk: CompressedChunk;
  /** The chunk-cache entry holding it (`"BCK1" | packages | xml length | xml | member`). */
  key: string;
  /** The member's bytes are kept in process memory anyway (a member cache): keep them for pass 2 at no cost. */
  held?: boolean;
}

/** A member: made here (header, footer, a built chunk), or where it lies in an entry (and, within the budget, its bytes). */
type Piece = Uint8Array | { key: string; offset: number; length: number; bytes?: Uint8Array };

/** Where a regeneration keeps compressed members between the passes, shared by its files. */
export interface MemberBudget {
  /** A copy of `compressed` valid until the regeneration ends, or null: pass 2 reads it again. */
  keep(compressed: Uint8Array): Uint8Array | null;
}

/** Up to `bytes` of members, each copied into memory of its own. */
export function byteBudget(bytes: number): MemberBudget {
  let left = bytes;
  return {
    keep(compressed) {
      if (compressed.length > left) return null;
      left -= compressed.length;
      return compressed.slice();
    },
  };
}

const EXT: Record<Codec, string> = { gz: 'xml.gz', zstd: 'xml.zst' };

export interface WrittenFile {
  name: string;
  record: Omit<RepomdRecord, 'timestamp'>;
  /** Every compressed member of the file in order, with its content id (for the member map). */
  members: { size: number; id: string }[];
}

/** Content ids are 32 hex digits: a cached member's chunk-cache id, else the sha256 of its bytes. */
const ID_LENGTH = 32;

function memberId(platform: Platform, piece: Piece): string {
  if (!(piece instanceof Uint8Array)) return piece.key.slice(piece.key.lastIndexOf('/') + 1, piece.key.lastIndexOf('/') + 1 + ID_LENGTH);
  const h = platform.createHash('sha256');
  h.update(piece);
  return toHex(h.digest()).slice(0, ID_LENGTH);
}

export async function writeMetadataFile(
  deps: { store: BlobStore; platform: Platform },
  tenant: string,
  repo: string,
  kind: XmlKind,
  count: number,
  members: AsyncIterable<Member>,
  codec: Codec,
  window = 4,
  budget: MemberBudget = byteBudget(0),
): Promise<WrittenFile> {
  const { store, platform } = deps;
  // Pass 1: digest. Members come back out of writeXmlFile as the very arrays passed in.
  const where = new WeakMap<Uint8Array, Piece>();
  async function* chunks(): AsyncGenerator<CompressedChunk> {
    for await (const m of members) {
      const { compressed } = m.chunk;
      const piece: Piece = { key: m.key, offset: CHUNK_HEADER + m.chunk.xml.length, length: compressed.length };
      if (m.held) {
        // the member cache holds these bytes for good: no copy needed
        piece.bytes = compressed;
      } else {
        const kept = budget.keep(compressed);
        if (kept) piece.bytes = kept;
      }
      where.set(compressed, piece);
      yield m.chunk;
    }
  }
  const file = writeXmlFile(kind, count, chunks(), platform, { codec });
  const pieces: Piece[] = [];
  const mapped: { size: number; id: string }[] = [];
  for await (const out of file.bytes) {
    const piece = where.get(out) ?? out;
    pieces.push(piece);
    mapped.push({ size: out.length, id: memberId(platform, piece) });
  }
  const d = await file.digest;
  const name = repodataFileName(d.checksum, kind, EXT[codec]);
  const key = repodataKey(tenant, repo, name);

  // Pass 2: the members again, as byte ranges, straight to the final name.
  if (!(await store.head(key))) {
    try {
      await store.put(key, assemble(store, platform, pieces, d, window), { ifNoneMatch: '*', contentType: 'application/octet-stream' });
    } catch (e) {
      if (!isStorageError(e, 'precondition_failed')) throw e;
    }
  }
  return {
    name,
    record: { type: kind, checksum: d.checksum, openChecksum: d.openChecksum, location: `repodata/${name}`, size: d.size, openSize: d.openSize },
    members: mapped,
  };
}

function assemble(store: BlobStore, platform: Platform, pieces: readonly Piece[], want: FileDigest, window: number): ReadableStream<Uint8Array> {
  const hash = platform.createHash('sha256');
  let size = 0;
  const read = async (p: Piece): Promise<Uint8Array> => {
    if (p instanceof Uint8Array) return p;
    if (p.bytes) return p.bytes;
    const bytes = await readBytes(store, p.key, { offset: p.offset, length: p.length });
    if (!bytes || bytes.length !== p.length) throw new BerthError('chunk_entry_changed', `chunk entry ${p.key} changed between the passes of a regeneration`);
    return bytes;
  };
  const it = windowed(pieces, window, read)[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const r = await it.next();
      if (!r.done) {
        hash.update(r.value);
        size += r.value.length;
        controller.enqueue(r.value);
        return;
      }
      if (size !== want.size || toHex(hash.digest()) !== want.checksum) {
        controller.error(new BerthError('metadata_changed', 'the metadata file read back differs from the one hashed: not stored'));
        return;
      }
      controller.close();
    },
    async cancel() {
      await it.return?.(undefined);
    },
  }, { highWaterMark: 0 });
}
