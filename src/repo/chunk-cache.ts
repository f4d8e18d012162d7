/**
 * The chunk cache behind incremental regeneration (docs/service.md, Regeneration). The sorted
 * package list is cut into chunks at content-defined boundaries: a package closes its chunk
 * when the first 32 bits of its sha256 are 0 mod `divisor`, or when the chunk reaches `max`
 * packages. Boundaries then depend on the packages themselves, not on their positions, so one
 * publish or delete changes one chunk (two if the new package is itself a boundary) and every
 * other chunk keeps its id. A chunk's id hashes what its XML is made of — each package's
 * sha256, `<time file>` and location, plus the codec — so an id names one exact compressed
 * member and its XML, and the entry can be reused without looking inside.
 *
 * Entry `t/<t>/r/<r>/chunks/<id>.<kind>`: `"BCK1" | u32 BE packages | u32 BE xml length | xml |
 * compressed member`. The XML is kept beside the member because repomd's open-checksum covers
 * the whole uncompressed file in order; rehashing stored XML is far cheaper than decompressing.
 *
 * A chunk is cut by package count, so its XML has no size bound (a few hundred packages with
 * thousands of files each make a filelists chunk of hundreds of MB). When a kind's XML passes
 * `segmentBytes`, the chunk is stored as segments instead: each segment is a "BCK1" entry of its
 * own under a derived id (`segmentId`), holding at most about `segmentBytes` of XML, and the entry
 * at `<id>.<kind>` is a head, `"BCKS" | u32 BE packages | u32 BE n | n × u32 BE packages per
 * segment`, written after the segments. Readers load one segment at a time.
 */
import type { Codec, Platform } from '../core/platform.js';
import { toHex } from '../core/platform.js';
import type { CompressedChunk, XmlKind } from '../core/repodata/xml-file.js';
import type { BlobStore } from '../storage/blob-store.js';
import { repoChunkKey } from '../storage/keys.js';
import type { IndexEntry } from './index-entry.js';


/** Bump when fragment or chunk layout changes: old entries then simply stop matching. */
const FORMAT = 'berth-chunk-2';
const MAGIC = [0x42, 0x43, 0x4b, 0x31]; // "BCK1"
const HEAD_MAGIC = [0x42, 0x43, 0x4b, 0x53]; // "BCKS"
const HEADER = 12;

export interface ChunkingOptions {
  /** Mean packages per chunk (default 256; formats.md §8: +1-4 % size at 128-1024). */
  divisor?: number;
  /** Hard cap on packages per chunk (default 4 × divisor). */
  max?: number;
  /** A kind's XML (UTF-16 length, an estimate) past which a chunk is stored as segments (default 2 MiB). */
  segmentBytes?: number;
}

export const DEFAULT_SEGMENT_BYTES = 2 * 1024 * 1024;

/** What `<id>.<kind>` holds: the whole chunk, or the package count of each of its segments. */
export type ChunkEntry = { chunk: CompressedChunk } | { segments: number[] };

export interface ChunkPlan {
  id: string;
  entries: IndexEntry[];
}

/** Cuts sorted entries into chunks and names each; every entry lands in exactly one chunk. */
export function planChunks(platform: Platform, codec: Codec, entries: readonly IndexEntry[], opts: ChunkingOptions = {}): ChunkPlan[] {
  const divisor = Math.max(1, Math.floor(opts.divisor ?? 256));
  const max = Math.max(1, Math.floor(opts.max ?? divisor * 4));
  const plans: ChunkPlan[] = [];
  let current: IndexEntry[] = [];
  const close = (): void => {
    if (current.length === 0) return;
    plans.push({ id: chunkId(platform, codec, current), entries: current });
    current = [];
  };
  for (const e of entries) {
    current.push(e);
    if (parseInt(e.sha256.slice(0, 8), 16) % divisor === 0 || current.length >= max) close();
  }
  close();
  return plans;
}

export function chunkId(platform: Platform, codec: Codec, entries: readonly IndexEntry[]): string {
  // one update per chunk: per-entry updates cost more in call overhead than in hashing
  let text = `${FORMAT}\n${codec}\n`;
  for (const e of entries) text += `${e.sha256} ${e.addedAt} ${e.location}\n`;
  const h = platform.createHash('sha256');
  h.update(new TextEncoder().encode(text));
  return toHex(h.digest());
}

/**
 * The id of segment `index` of a chunk's `kind` file: a chunk id of its own, so keys and GC treat
 * it alike. The segment size is part of it: builders with other settings never share segments.
 */
export function segmentId(platform: Platform, id: string, kind: XmlKind, index: number, segmentBytes: number): string {
  const h = platform.createHash('sha256');
  h.update(new TextEncoder().encode(`${FORMAT}\nsegment\n${id}\n${kind}\n${segmentBytes}\n${index}\n`));
  return toHex(h.digest());
}

export function encodeSegmentsHead(segments: readonly number[]): Uint8Array {
  const out = new Uint8Array(12 + 4 * segments.length);
  out.set(HEAD_MAGIC, 0);
  const view = new DataView(out.buffer);
  view.setUint32(4, segments.reduce((a, b) => a + b, 0));
  view.setUint32(8, segments.length);
  segments.forEach((n, i) => view.setUint32(12 + 4 * i, n));
  return out;
}

/** The segment counts of a head, or null when the bytes are not a whole, consistent one. */
export function decodeSegmentsHead(bytes: Uint8Array): number[] | null {
  if (bytes.length < 12 || HEAD_MAGIC.some((b, i) => bytes[i] !== b)) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint32(8);
  if (n === 0 || bytes.length !== 12 + 4 * n) return null;
  const segments = Array.from({ length: n }, (_, i) => view.getUint32(12 + 4 * i));
  return segments.reduce((a, b) => a + b, 0) === view.getUint32(4) ? segments : null;
}

export function encodeChunk(chunk: CompressedChunk): Uint8Array {
  const out = new Uint8Array(HEADER + chunk.xml.length + chunk.compressed.length);
  out.set(MAGIC, 0);
  const view = new DataView(out.buffer);
  view.setUint32(4, chunk.packages);
  view.setUint32(8, chunk.xml.length);
  out.set(chunk.xml, HEADER);
  out.set(chunk.compressed, HEADER + chunk.xml.length);
  return out;
}

/** The entry, or null when the bytes are not one (truncated or foreign): treated as a miss. */
export function decodeChunk(bytes: Uint8Array): CompressedChunk | null {
  if (bytes.length < HEADER || MAGIC.some((b, i) => bytes[i] !== b)) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const packages = view.getUint32(4);
  const xmlLength = view.getUint32(8);
  if (HEADER + xmlLength >= bytes.length) return null;
  // The member is copied out: it is what travels on into the metadata file's upload, and as a
  // view it would keep the whole entry (XML included, ~10× its size) alive as long as it does.
  return {
    packages,
    xml: bytes.subarray(HEADER, HEADER + xmlLength),
    compressed: bytes.slice(HEADER + xmlLength),
  };
}

export async function readChunk(store: BlobStore, tenant: string, repo: string, id: string, kind: XmlKind): Promise<CompressedChunk | null> {
  const obj = await store.get(repoChunkKey(tenant, repo, id, kind));
  if (!obj) return null;
  return decodeChunk(new Uint8Array(await new Response(obj.body).arrayBuffer()));
}

/** The entry at `<id>.<kind>`: a whole chunk or a segments head; null when absent or unreadable. */
export async function readChunkEntry(store: BlobStore, tenant: string, repo: string, id: string, kind: XmlKind): Promise<ChunkEntry | null> {
  const obj = await store.get(repoChunkKey(tenant, repo, id, kind));
  if (!obj) return null;
  const bytes = new Uint8Array(await new Response(obj.body).arrayBuffer());
  const chunk = decodeChunk(bytes);
  if (chunk) return { chunk };
  const segments = decodeSegmentsHead(bytes);
  return segments ? { segments } : null;
}

/** Written after all of its segments, so a head that can be read names segments that exist. */
export async function writeSegmentsHead(store: BlobStore, tenant: string, repo: string, id: string, kind: XmlKind, segments: readonly number[]): Promise<void> {
  await store.put(repoChunkKey(tenant, repo, id, kind), encodeSegmentsHead(segments), { contentType: 'application/octet-stream' });
}

/**
 * Plain put, not create-only: equal ids mean equal bytes (compression is deterministic), and a
 * damaged entry that read as a miss must be replaceable.
 */
export async function writeChunk(store: BlobStore, tenant: string, repo: string, id: string, kind: XmlKind, chunk: CompressedChunk): Promise<void> {
  await store.put(repoChunkKey(tenant, repo, id, kind), encodeChunk(chunk), { contentType: 'application/octet-stream' });
}
