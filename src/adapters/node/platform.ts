/** The core's Platform on Node: native hashing and zlib (gzip, zstd), both ways. */
import { createHash } from 'node:crypto';
import * as zlib from 'node:zlib';
import { gzip, zstdCompress, constants } from 'node:zlib';
import { promisify } from 'node:util';
import type { Codec, Hash, HashAlgorithm, Platform } from '../../core/platform.js';
import { decompressWith } from '../zlib-streams.js';

const gzipAsync = promisify(gzip);
const zstdAsync = promisify(zstdCompress);

export const nodePlatform: Platform = {
  createHash(algorithm: HashAlgorithm): Hash {
    const h = createHash(algorithm);
    return {
      update: (data) => void h.update(data),
      digest: () => new Uint8Array(h.digest()),
    };
  },
  async compress(codec: Codec, data: Uint8Array): Promise<Uint8Array> {
    if (codec === 'gz') return new Uint8Array(await gzipAsync(data, { level: 6 }));
    return new Uint8Array(
      await zstdAsync(data, { params: { [constants.ZSTD_c_compressionLevel]: 3 } }),
    );
  },
  decompress: (codec, input) => decompressWith(zlib, codec, input),
};
