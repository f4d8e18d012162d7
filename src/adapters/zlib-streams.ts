/**
 * Streaming decompression with node:zlib as a Web stream, for the Node platform and the Worker's
 * (workerd's node:zlib under `nodejs_compat`). The Web `DecompressionStream` is not used: it
 * refuses concatenated gzip members ("trailing bytes"), which Berth's own metadata is made of,
 * and it has no zstd. The zlib stream applies back-pressure, so a small compressed input that
 * expands hugely (a bomb) is only decompressed as fast as it is read.
 */
import { Duplex } from 'node:stream';
import type { Codec } from '../core/platform.js';

interface ZlibFactories {
  createGunzip(): Duplex;
  createZstdDecompress?: () => Duplex;
}

export function decompressWith(zlib: ZlibFactories, codec: Codec, input: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const make = codec === 'gz' ? zlib.createGunzip : zlib.createZstdDecompress;
  if (!make) throw new Error('zstd decompression is not available in this runtime');
  const z = make.call(zlib);
  const pair = Duplex.toWeb(z) as unknown as { readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array> };
  // errors of either side end both: a failed input aborts the decompressor, and a cancelled
  // output cancels the input (pipeTo's defaults)
  input.pipeTo(pair.writable).catch(() => undefined);
  return pair.readable;
}
