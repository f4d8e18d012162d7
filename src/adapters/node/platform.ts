/** The core's Platform on Node: native hashing and zlib (gzip, zstd), both ways. */
import * as zlib from 'node:zlib';
import { gzip, zstdCompress, constants } from 'node:zlib';
import { promisify } from 'node:util';
import type { Codec, Platform } from '../../core/platform.js';
import { nodeCryptoHash } from '../node-hash.js';
import { decompressWith } from '../zlib-streams.js';

const gzipAsync = promisify(gzip);
const zstdAsync = promisify(zstdCompress);
const gunzipAsync = promisify(zlib.gunzip);
const zstdDecompressAsync = promisify(zlib.zstdDecompress);

export const nodePlatform: Platform = {
  createHash: nodeCryptoHash,
  async compress(codec: Codec, data: Uint8Array): Promise<Uint8Array> {
    if (codec === 'gz') return new Uint8Array(await gzipAsync(data, { level: 6 }));
    return new Uint8Array(
      await zstdAsync(data, { params: { [constants.ZSTD_c_compressionLevel]: 3 } }),
    );
  },
  decompress: (codec, input) => decompressWith(zlib, codec, input),
  async decompressBytes(codec: Codec, data: Uint8Array, size: number): Promise<Uint8Array> {
    // one output chunk of the whole size: one thread-pool task, one callback
    const options = { chunkSize: Math.max(64, size), maxOutputLength: Math.max(1, size) };
    const out = codec === 'gz' ? await gunzipAsync(data, options) : await zstdDecompressAsync(data, options);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  },
};
