/**
 * What the pure core needs from its runtime, passed in by each adapter.
 *
 * The core imports no runtime module (no `node:*`, no SDK); incremental hashing,
 * compression and decompression are native in every runtime Berth targets (node:crypto / node:zlib in Node and in
 * workerd with nodejs_compat), so the adapters supply them through this interface and the core
 * stays portable and testable.
 */

export type HashAlgorithm = 'md5' | 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';

/** An incremental hash: feed bytes with `update`, read the result once with `digest`. */
export interface Hash {
  update(data: Uint8Array): void;
  digest(): Uint8Array;
}

/** Metadata compression codecs the repodata writer can emit (tdnf reads only these two). */
export type Codec = 'gz' | 'zstd';

export interface Platform {
  createHash(algorithm: HashAlgorithm): Hash;
  /**
   * Compress one self-contained chunk into one complete gzip member / zstd frame.
   * Members concatenate into a valid file (formats.md §8), which is what lets the writer
   * bound its memory by the chunk and reuse compressed chunks across regenerations.
   * Must be deterministic: the same input gives the same bytes.
   */
  compress(codec: Codec, data: Uint8Array): Promise<Uint8Array>;
  /**
   * Decompress a stream, holding no more than the runtime's buffers: `gz` — one gzip stream of
   * any number of concatenated members (as Berth's writer makes them); `zstd` — exactly ONE
   * frame (the core splits multi-frame files, src/core/repodata/read/zstd-frames.ts, because
   * decompressors commonly stop after the first). Corrupt input errors the returned stream.
   */
  decompress(codec: Codec, input: ReadableStream<Uint8Array>): ReadableStream<Uint8Array>;
  /**
   * Optional: one whole member / frame the runtime made itself (a kept chunk member), whose
   * decompressed size is known, in one call — off the calling thread where the runtime can (Node's
   * thread pool), without a stream's per-16 KiB callbacks. Rejects when the output would pass
   * `size` bytes. Callers fall back to `decompress` without it.
   */
  decompressBytes?(codec: Codec, data: Uint8Array, size: number): Promise<Uint8Array>;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]!];
  return s;
}
