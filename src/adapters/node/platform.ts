/** The core's Platform on Node: native hashing and zlib (gzip, zstd), both ways. */
import * as zlib from 'node:zlib';
import { createGzip, gzipSync, zstdCompress, constants, type Gzip, type ZlibReset } from 'node:zlib';
import { promisify } from 'node:util';
import type { Codec, Platform } from '../../core/platform.js';
import { nodeCryptoHash } from '../node-hash.js';
import { decompressWith } from '../zlib-streams.js';

const zstdAsync = promisify(zstdCompress);
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

const GZIP_OPTIONS = { level: 6 };

/** gzip streams kept between members at most (a server may compress many members at once). */
const IDLE_GZIP_STREAMS = 4;

/**
 * Larger gzip members are compressed on libuv's thread pool through gzip streams kept between
 * members (one per member in flight: the writers of a run compress a few at once) and reset
 * after each, instead of a new stream per member: a stream's set-up and teardown cost the
 * calling thread about as much as its callbacks (~0.1 ms a member of a few hundred KiB,
 * measured). Reset, a stream starts the next member exactly as a new one would (same header,
 * same bytes). Output in 128 KiB pieces: one piece for most members.
 */
class GzipMembers {
  private readonly idle: GzipMember[] = [];

  async compress(data: Uint8Array): Promise<Uint8Array> {
    const m = this.idle.pop() ?? new GzipMember();
    const out = await m.compress(data);
    // one that failed is dropped (the rejection skips this); each holds ~0.4 MiB
    if (this.idle.length < IDLE_GZIP_STREAMS) {
      m.stream.reset();
      this.idle.push(m);
    } else m.stream.close();
    return out.length === 1 ? view(out[0]!) : view(Buffer.concat(out));
  }
}

/** A gzip stream and the output pieces of the member it is compressing. */
class GzipMember {
  readonly stream = createGzip({ ...GZIP_OPTIONS, chunkSize: 128 * 1024 }) as GzipStream;
  private out: Buffer[] = [];
  private failed: ((e: Error) => void) | null = null;

  constructor() {
    this.stream.on('data', (piece: Buffer) => void this.out.push(piece));
    this.stream.on('error', (e: Error) => this.failed?.(e));
  }

  /** Compresses `data` as one whole gzip member; its output pieces. */
  compress(data: Uint8Array): Promise<Buffer[]> {
    return new Promise((resolve, reject) => {
      this.failed = reject;
      this.stream.write(data);
      // Z_FINISH ends the member: its output is all emitted before this callback runs
      this.stream.flush(constants.Z_FINISH, () => {
        const out = this.out;
        this.out = [];
        this.failed = null;
        resolve(out);
      });
    });
  }
}

/** A gzip stream as Node makes it (its `reset` is Zlib's, which the typings give only some modes). */
type GzipStream = Gzip & ZlibReset;

const view = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

const gzipMembers = new GzipMembers();
const ZSTD_OPTIONS = { params: { [constants.ZSTD_c_compressionLevel]: 3 } };

export const nodePlatform: Platform = {
  createHash: nodeCryptoHash,
  async compress(codec: Codec, data: Uint8Array): Promise<Uint8Array> {
    if (codec === 'gz') return data.length <= COMPRESS_INLINE_BYTES ? new Uint8Array(gzipSync(data, GZIP_OPTIONS)) : gzipMembers.compress(data);
    return new Uint8Array(await zstdAsync(data, ZSTD_OPTIONS));
  },
  decompress: (codec, input) => decompressWith(zlib, codec, input),
  async decompressBytes(codec: Codec, data: Uint8Array, size: number): Promise<Uint8Array> {
    // one output chunk of the whole size: one thread-pool task, one callback
    const options = { chunkSize: Math.max(64, size), maxOutputLength: Math.max(1, size) };
    const out = codec === 'gz' ? await gunzipAsync(data, options) : await zstdDecompressAsync(data, options);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  },
};
