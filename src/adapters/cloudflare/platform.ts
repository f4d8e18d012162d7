/**
 * The core's Platform in workerd (compatibility flag `nodejs_compat`): node:crypto's incremental
 * hashes and node:zlib's gzip, the same zlib at the same level as the Node platform, so a Worker
 * and a Node server build byte-identical repodata from the same index. zstd is offered only when
 * the runtime's node:zlib has it; config.ts refuses `BERTH_METADATA_CODEC=zstd` otherwise.
 * Decompression (mirror runs reading upstream metadata) is node:zlib too: the Web
 * DecompressionStream cannot read concatenated gzip members, which Berth's own metadata is made
 * of, and has no zstd (zlib-streams.ts); zstd input fails clearly where node:zlib lacks it.
 */
import * as zlib from 'node:zlib';
import type { Codec, Platform } from '../../core/platform.js';
import { nodeCryptoHash } from '../node-hash.js';
import { decompressWith } from '../zlib-streams.js';

type Compress = (data: Uint8Array, options: object, cb: (err: Error | null, out: Uint8Array) => void) => void;

const zstdCompress = (zlib as unknown as { zstdCompress?: Compress }).zstdCompress;
const zstdLevel = (zlib.constants as Record<string, number | undefined>)['ZSTD_c_compressionLevel'];

/** Whether this runtime can write zstd metadata. */
export const zstdAvailable = typeof zstdCompress === 'function' && zstdLevel !== undefined;

function run(fn: Compress, data: Uint8Array, options: object): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    // A member travels on into an upload that holds it until its part is full: a view of a larger
    // (pooled or output) buffer would pin all of that buffer, so such a result is copied out.
    fn(data, options, (err, out) => (err ? reject(err)
      : resolve(out.byteLength === out.buffer.byteLength ? new Uint8Array(out.buffer, 0, out.byteLength) : new Uint8Array(out))));
  });
}

export const workerPlatform: Platform = {
  createHash: nodeCryptoHash,
  async compress(codec: Codec, data: Uint8Array): Promise<Uint8Array> {
    if (codec === 'gz') return run(zlib.gzip as unknown as Compress, data, { level: 6 });
    if (!zstdAvailable || !zstdCompress || zstdLevel === undefined) throw new Error('zstd is not available in this runtime');
    return run(zstdCompress, data, { params: { [zstdLevel]: 3 } });
  },
  decompress: (codec, input) => decompressWith(zlib as unknown as Parameters<typeof decompressWith>[0], codec, input),
};
