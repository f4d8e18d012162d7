/**
 * Compressors reused member after member, for the Node platform's `compress`.
 *
 * `zlib.gzip()` / `zlib.zstdCompress()` build a new stream for every call: a Transform, its native
 * handle and the codec's state (~256 KiB for deflate), then tear them down again, and they hand the
 * data to libuv's thread pool twice (the data, then an empty write that finishes the stream); each
 * hand-off wakes a pool thread, which costs the calling thread tens of microseconds here. At 256
 * packages a member, that is most of what a member costs the calling thread.
 *
 * Here one stream compresses one member at a time and is `reset()` after it; the next member
 * starts a fresh gzip member / zstd frame on the same state. gzip: the stream's default flush is
 * `Z_FINISH`, so a member is ONE write, one trip through the pool when its output fits the stream's
 * output buffer. deflate's output does not depend on how its input and output are split, so the
 * bytes are those of `gzip()` and `gzipSync()`. zstd: the data, then an empty `ZSTD_e_end` flush,
 * as `zstdCompress()` does: zstd writes the content size into a frame whose whole input comes with
 * `ZSTD_e_end`, so a single write would change the bytes.
 *
 * A compressor serves one member at a time; a small pool hands each call its own and keeps a few
 * idle ones for the next calls (never more than were in flight at once, at most `IDLE_MAX` per
 * codec). A compressor that failed is closed, never reused.
 */
import * as zlib from 'node:zlib';
import type { Codec } from '../../core/platform.js';

/**
 * Output chunk size: a member of 256 packages compresses to ~10–60 KiB, so most members leave the
 * thread pool in one piece (each output chunk is a round trip between the pool and this thread).
 */
const CHUNK_BYTES = 256 * 1024;
const IDLE_MAX = 4;

export const GZIP_OPTIONS = { level: 6 };
export const ZSTD_OPTIONS = { params: { [zlib.constants.ZSTD_c_compressionLevel]: 3 } };

// reset() is on every zlib stream (ZlibBase), though not in every stream's type
type Engine = (zlib.Gzip | zlib.ZstdCompress) & { reset(): void };

class MemberCompressor {
  private readonly engine: Engine;
  /** zstd: the flush that ends a frame, after the data; gz: null (the write itself finishes). */
  private readonly finish: number | null;
  private parts: Buffer[] = [];
  private size = 0;
  private settle: { resolve: (out: Uint8Array) => void; reject: (e: unknown) => void } | null = null;

  constructor(codec: Codec) {
    if (codec === 'gz') {
      this.engine = zlib.createGzip({ ...GZIP_OPTIONS, chunkSize: CHUNK_BYTES, flush: zlib.constants.Z_FINISH }) as Engine;
      this.finish = null;
    } else {
      this.engine = zlib.createZstdCompress({ ...ZSTD_OPTIONS, chunkSize: CHUNK_BYTES }) as Engine;
      this.finish = zlib.constants.ZSTD_e_end;
    }
    this.engine.on('data', (d: Buffer) => {
      this.parts.push(d);
      this.size += d.length;
    });
    this.engine.on('error', (e) => this.fail(e));
  }

  compress(data: Uint8Array): Promise<Uint8Array> {
    return new Promise<Uint8Array>((resolve, reject) => {
      this.settle = { resolve, reject };
      try {
        const written = (e?: Error | null): void => (e ? this.fail(e) : this.done());
        if (this.finish === null) {
          this.engine.write(data, written);
        } else {
          this.engine.write(data);
          this.engine.flush(this.finish, written);
        }
      } catch (e) {
        this.fail(e);
      }
    });
  }

  close(): void {
    this.engine.destroy();
  }

  private done(): void {
    // in flowing mode every chunk is emitted as it is pushed; read() would emit any held back
    while (this.engine.readableLength > 0 && this.engine.read() !== null);
    const settle = this.settle;
    if (!settle) return;
    // a copy: the parts are views of the stream's output buffer, which later members fill
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    this.parts = [];
    this.size = 0;
    this.settle = null;
    this.engine.reset();
    settle.resolve(out);
  }

  private fail(e: unknown): void {
    this.parts = [];
    this.size = 0;
    const settle = this.settle;
    this.settle = null;
    settle?.reject(e);
  }
}

const idle: Record<Codec, MemberCompressor[]> = { gz: [], zstd: [] };

/** How many compressors of `codec` wait for the next call (for tests of the pool's bound). */
export function idleCompressors(codec: Codec): number {
  return idle[codec].length;
}

/** One complete gzip member / zstd frame of `data`, off the calling thread. */
export async function compressMember(codec: Codec, data: Uint8Array): Promise<Uint8Array> {
  const c = idle[codec].pop() ?? new MemberCompressor(codec);
  try {
    const out = await c.compress(data);
    if (idle[codec].length < IDLE_MAX) idle[codec].push(c);
    else c.close();
    return out;
  } catch (e) {
    c.close();
    throw e;
  }
}
