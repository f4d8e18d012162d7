/**
 * Reads a file as chunks, synchronously. createrepo reads thousands of small files back to
 * back, and a thread-pool round trip per open/stat/read/close cost more than the reads
 * themselves (profiled; see docs/benchmarks.md); fs.createReadStream was worse still (a full
 * highWaterMark buffer per file).
 *
 * With `scratch`, every chunk is read into that one buffer (a chunk is valid only until the
 * next is pulled: pass `transientChunks` to readRpm), so reading allocates nothing per file.
 * Without it, each chunk is a right-sized buffer of its own (at most `maxChunk`).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export function* fileChunks(
  path: string,
  scratch?: Uint8Array,
  /** Receives the opened file's mtime (ms), so callers need no stat of their own. */
  stat?: { mtimeMs: number },
  maxChunk = 1 << 20,
): Generator<Uint8Array> {
  const fd = openSync(path, 'r');
  try {
    const st = fstatSync(fd);
    const size = st.size;
    if (stat) stat.mtimeMs = st.mtimeMs;
    let position = 0;
    while (position < size) {
      const want = Math.min(scratch ? scratch.length : maxChunk, size - position);
      const buf = scratch ?? new Uint8Array(want);
      const got = readSync(fd, buf, 0, want, position);
      if (got === 0) break;
      position += got;
      yield got === buf.length ? buf : buf.subarray(0, got);
    }
  } finally {
    closeSync(fd);
  }
}
