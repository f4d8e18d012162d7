/**
 * The chunk cache behind incremental regeneration (docs/service.md, Regeneration). A chunk is one
 * index segment (index-layout.ts): boundaries are content-defined, so one publish or delete
 * changes one segment (two if a boundary appears or disappears) and every other chunk keeps its
 * id. A chunk's id is derived from its segment's id — the sha256 of the segment's bytes, which
 * name every package's sha256, `<time file>` and location — and the codec, so an id names one
 * exact compressed member and its XML, and the entry can be reused without looking inside, and
 * without reading the segment.
 *
 * Entry `t/<t>/r/<r>/chunks/<id>.<kind>`: `"BCK1" | u32 BE packages | u32 BE xml length | xml |
 * compressed member`. The XML is kept beside the member because repomd's open-checksum covers
 * the whole uncompressed file in order; rehashing stored XML is far cheaper than decompressing.
 *
 * A chunk's XML has no size bound by package count alone (a few hundred packages with thousands
 * of files each make a filelists chunk of hundreds of MB). When a kind's XML passes `partBytes`,
 * the chunk is stored as parts instead: each part is a "BCK1" entry of its own under a derived id
 * (`partId`), holding at most about `partBytes` of XML, and the entry at `<id>.<kind>` is a head,
 * `"BCKS" | u32 BE packages | u32 BE n | n × u32 BE packages per part`, written after the parts.
 * Readers load one part at a time.
 */
import { sha256Hex } from '../auth/crypto.js';
import type { Codec, Platform } from '../core/platform.js';
import { toHex } from '../core/platform.js';
import type { CompressedChunk, XmlKind } from '../core/repodata/xml-file.js';
import type { BlobStore } from '../storage/blob-store.js';
import { repoChunkKey } from '../storage/keys.js';
import { readBytes } from './read-bytes.js';

/** Bump when fragment or chunk layout changes: old entries then simply stop matching. */
const FORMAT = 'berth-chunk-3';
const MAGIC = [0x42, 0x43, 0x4b, 0x31]; // "BCK1"
const HEAD_MAGIC = [0x42, 0x43, 0x4b, 0x53]; // "BCKS"
export const CHUNK_HEADER = 12;

export interface ChunkingOptions {
  /** A kind's XML (UTF-16 length, an estimate) past which a chunk is stored as parts (default 2 MiB). */
  partBytes?: number;
}

export const DEFAULT_PART_BYTES = 2 * 1024 * 1024;

/** What `<id>.<kind>` holds: the whole chunk, or the package count of each of its parts. */
export type ChunkEntry = { chunk: CompressedChunk } | { parts: number[] };

export interface ChunkPlan {
  id: string;
  /** Packages in the chunk (its segment's count). */
  count: number;
  /** The index segment it is built from. */
  segment: string;
}

/** The chunk of index segment `segment` in files compressed with `codec` (WebCrypto: GC needs no Platform). */
export function chunkIdOf(codec: Codec, segment: string): Promise<string> {
  return sha256Hex(`${FORMAT}\n${codec}\n${segment}\n`);
}

/** One plan per segment of a list, in order. */
export async function planChunks(codec: Codec, segments: readonly { id: string; count: number }[]): Promise<ChunkPlan[]> {
  return Promise.all(segments.map(async (s) => ({ id: await chunkIdOf(codec, s.id), count: s.count, segment: s.id })));
}

/**
 * The id of part `index` of a chunk's `kind` file: a chunk id of its own, so keys and GC treat
 * it alike. The part size is part of it: builders with other settings never share parts.
 */
export function partId(platform: Platform, id: string, kind: XmlKind, index: number, partBytes: number): string {
  const h = platform.createHash('sha256');
  h.update(new TextEncoder().encode(`${FORMAT}\npart\n${id}\n${kind}\n${partBytes}\n${index}\n`));
  return toHex(h.digest());
}

export function encodePartsHead(parts: readonly number[]): Uint8Array {
  const out = new Uint8Array(12 + 4 * parts.length);
  out.set(HEAD_MAGIC, 0);
  const view = new DataView(out.buffer);
  view.setUint32(4, parts.reduce((a, b) => a + b, 0));
  view.setUint32(8, parts.length);
  parts.forEach((n, i) => view.setUint32(12 + 4 * i, n));
  return out;
}

/** The part counts of a head, or null when the bytes are not a whole, consistent one. */
export function decodePartsHead(bytes: Uint8Array): number[] | null {
  if (bytes.length < 12 || HEAD_MAGIC.some((b, i) => bytes[i] !== b)) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint32(8);
  if (n === 0 || bytes.length !== 12 + 4 * n) return null;
  const parts = Array.from({ length: n }, (_, i) => view.getUint32(12 + 4 * i));
  return parts.reduce((a, b) => a + b, 0) === view.getUint32(4) ? parts : null;
}

export function encodeChunk(chunk: CompressedChunk): Uint8Array {
  const out = new Uint8Array(CHUNK_HEADER + chunk.xml.length + chunk.compressed.length);
  out.set(MAGIC, 0);
  const view = new DataView(out.buffer);
  view.setUint32(4, chunk.packages);
  view.setUint32(8, chunk.xml.length);
  out.set(chunk.xml, CHUNK_HEADER);
  out.set(chunk.compressed, CHUNK_HEADER + chunk.xml.length);
  return out;
}

/** The entry, or null when the bytes are not one (truncated or foreign): treated as a miss. */
export function decodeChunk(bytes: Uint8Array): CompressedChunk | null {
  if (bytes.length < CHUNK_HEADER || MAGIC.some((b, i) => bytes[i] !== b)) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const packages = view.getUint32(4);
  const xmlLength = view.getUint32(8);
  if (CHUNK_HEADER + xmlLength >= bytes.length) return null;
  // Views, not copies: a regeneration reads entries into buffers it reuses, and copies only the
  // members it keeps (metadata-writer.ts); a kept view would hold the whole entry, XML included.
  return {
    packages,
    xml: bytes.subarray(CHUNK_HEADER, CHUNK_HEADER + xmlLength),
    compressed: bytes.subarray(CHUNK_HEADER + xmlLength),
  };
}

/** A blob shorter or longer than it said (torn by a crash elsewhere) reads as a miss; other errors stand. */
function shortRead(e: unknown): null {
  if ((e as { code?: unknown }).code === 'blob_size_mismatch') return null;
  throw e;
}

export async function readChunk(store: BlobStore, tenant: string, repo: string, id: string, kind: XmlKind): Promise<CompressedChunk | null> {
  const bytes = await readBytes(store, repoChunkKey(tenant, repo, id, kind)).catch(shortRead);
  return bytes && decodeChunk(bytes);
}

/**
 * The entry at `<id>.<kind>`: a whole chunk or a parts head; null when absent or unreadable.
 * With `into`, a store that can reads the entry into it when it fits: the chunk's `xml` and
 * `compressed` are then views of `into`.
 */
export async function readChunkEntry(store: BlobStore, tenant: string, repo: string, id: string, kind: XmlKind, into?: Uint8Array): Promise<ChunkEntry | null> {
  // one read of the whole entry; a short or failed read is a miss (the chunk is rebuilt)
  const bytes = await readBytes(store, repoChunkKey(tenant, repo, id, kind), undefined, into).catch(shortRead);
  if (!bytes) return null;
  const chunk = decodeChunk(bytes);
  if (chunk) return { chunk };
  const parts = decodePartsHead(bytes);
  return parts ? { parts } : null;
}

/** Written after all of its parts, so a head that can be read names parts that exist. */
export async function writePartsHead(store: BlobStore, tenant: string, repo: string, id: string, kind: XmlKind, parts: readonly number[]): Promise<void> {
  await store.put(repoChunkKey(tenant, repo, id, kind), encodePartsHead(parts), { contentType: 'application/octet-stream' });
}

/**
 * Plain put, not create-only: equal ids mean equal bytes (compression is deterministic), and a
 * damaged entry that read as a miss must be replaceable.
 */
export async function writeChunk(store: BlobStore, tenant: string, repo: string, id: string, kind: XmlKind, chunk: CompressedChunk): Promise<void> {
  await store.put(repoChunkKey(tenant, repo, id, kind), encodeChunk(chunk), { contentType: 'application/octet-stream' });
}
