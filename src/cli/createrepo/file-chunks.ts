/**
 * Reads a file as chunks sized to the file (at most `maxChunk` each): a small package is one
 * read into one right-sized buffer, a large one streams in bounded chunks, so memory stays
 * bounded either way. Reads are synchronous on purpose: createrepo reads thousands of small
 * files back to back, and a thread-pool round trip per open/stat/read/close cost more than
 * the reads themselves (profiled; see docs/benchmarks.md). fs.createReadStream was worse still:
 * it allocates a full highWaterMark buffer per file.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export function* fileChunks(path: string, maxChunk = 1 << 20): Generator<Uint8Array> {
  const fd = openSync(path, 'r');
  try {
    const { size } = fstatSync(fd);
    let position = 0;
    while (position < size) {
      const want = Math.min(maxChunk, size - position);
      const buf = new Uint8Array(want);
      const got = readSync(fd, buf, 0, want, position);
      if (got === 0) break;
      position += got;
      yield got === want ? buf : buf.subarray(0, got);
    }
  } finally {
    closeSync(fd);
  }
}
