/**
 * Decompresses a .zst file frame by frame. Node's zstd decompressor stops after the first
 * frame, but Berth's chunked writer (and any concatenation) produces many, which libsolv and the
 * zstd CLI read as one stream. Frame boundaries are found by walking the frame and block
 * headers (RFC 8878 §3.1) with positioned reads, so only one frame is in memory at a time.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { zstdDecompressSync } from 'node:zlib';

const ZSTD_MAGIC = 0xfd2fb528;

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, position);
  if (bytesRead !== length) throw new Error(`truncated zstd file at byte ${position}`);
  return buf;
}

/** Length in bytes of the frame (or skippable frame) starting at `at`. */
async function frameLength(fh: FileHandle, at: number): Promise<number> {
  const magic = (await readAt(fh, at, 4)).readUInt32LE(0);
  if ((magic & 0xfffffff0) === 0x184d2a50) return 8 + (await readAt(fh, at + 4, 4)).readUInt32LE(0);
  if (magic !== ZSTD_MAGIC) throw new Error(`not a zstd frame at byte ${at}`);
  const fhd = (await readAt(fh, at + 4, 1))[0]!;
  const singleSegment = (fhd >> 5) & 1;
  const fcsSize = [singleSegment ? 1 : 0, 2, 4, 8][fhd >> 6]!;
  const dictSize = [0, 1, 2, 4][fhd & 3]!;
  let pos = at + 5 + (singleSegment ? 0 : 1) + dictSize + fcsSize;
  for (;;) {
    const h = await readAt(fh, pos, 3);
    const header = h[0]! | (h[1]! << 8) | (h[2]! << 16);
    const last = header & 1;
    const type = (header >> 1) & 3;
    const size = header >>> 3;
    pos += 3 + (type === 1 ? 1 : size);
    if (last) break;
  }
  if ((fhd >> 2) & 1) pos += 4;
  return pos - at;
}

/** Yields the decompressed text of each frame in order. */
export async function* zstdFrameTexts(path: string): AsyncGenerator<string> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    for (let at = 0; at < size; ) {
      const len = await frameLength(fh, at);
      const frame = await readAt(fh, at, len);
      if (frame.readUInt32LE(0) === ZSTD_MAGIC) yield zstdDecompressSync(frame).toString('utf8');
      at += len;
    }
  } finally {
    await fh.close();
  }
}
