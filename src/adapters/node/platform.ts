/** The core's Platform on Node: native hashing and zlib (gzip, zstd), both ways. */
import * as zlib from 'node:zlib';
import { gzipSync } from 'node:zlib';
import { promisify } from 'node:util';
import type { Codec, Platform } from '../../core/platform.js';
import { nodeCryptoHash } from '../node-hash.js';
import { decompressWith } from '../zlib-streams.js';
import { compressMember, GZIP_OPTIONS } from './member-compressor.js';

const gunzipAsync = promisify(zlib.gunzip);
const zstdDecompressAsync = promisify(zlib.zstdDecompress);

/**
 * gzip inputs up to this size are compressed on the calling thread: a member of a few bytes (the
 * header and footer members of every metadata file) costs ~0.3 ms there, against a round trip
 * through libuv's thread pool that costs the caller about as much CPU and, when the pool is
 * busy or not yet started, milliseconds of waiting. The bytes are the same either way. Not zstd:
 * Node's synchronous zstd writes the content size into the frame header, the streaming one does
 * not, so the bytes would differ from those of a larger input's path.
 */
export const COMPRESS_INLINE_BYTES = 16 * 1024;

export const nodePlatform: Platform = {
  createHash: nodeCryptoHash,
  async compress(codec: Codec, data: Uint8Array): Promise<Uint8Array> {
    if (codec === 'gz' && data.length <= COMPRESS_INLINE_BYTES) return new Uint8Array(gzipSync(data, GZIP_OPTIONS));
    // larger ones (and zstd, see above) on libuv's thread pool, by a compressor kept between members
    return compressMember(codec, data);
  },
  decompress: (codec, input) => decompressWith(zlib, codec, input),
  async decompressBytes(codec: Codec, data: Uint8Array, size: number): Promise<Uint8Array> {
    // one output chunk of the whole size: one thread-pool task, one callback
    const options = { chunkSize: Math.max(64, size), maxOutputLength: Math.max(1, size) };
    const out = codec === 'gz' ? await gunzipAsync(data, options) : await zstdDecompressAsync(data, options);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  },
};
