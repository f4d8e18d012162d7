/**
 * The fs store's file format: one self-describing file per blob, so a single rename publishes data
 * and metadata together.
 *
 *   "BERTHBL1" | u32 BE n | n bytes JSON {etag, contentType?, metadata} | body bytes
 */
import { unlinkSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { BlobInfo } from './blob-store.js';
import { withDirectBody } from './direct-body.js';
import { StorageFailureError } from './errors.js';

/** The file suffix of a blob (a character keys cannot contain). */
export const SUFFIX = '@blob';
const MAGIC = new TextEncoder().encode('BERTHBL1');
const PREAMBLE = MAGIC.length + 4;
const MAX_HEADER = 16 * 1024;
const READ_CHUNK = 256 * 1024;

export interface Header {
  etag: string;
  contentType?: string;
  metadata: Record<string, string>;
}

export interface Opened {
  fh: FileHandle;
  header: Header;
  bodyStart: number;
  info: BlobInfo;
}

export function encodeHeader(header: Header): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(PREAMBLE + json.length);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(MAGIC.length, json.length);
  out.set(json, PREAMBLE);
  return out;
}

export async function readHeader(key: string, fh: FileHandle): Promise<Opened> {
  const stat = await fh.stat();
  const pre = new Uint8Array(PREAMBLE);
  const { bytesRead } = await fh.read(pre, 0, PREAMBLE, 0);
  const n = new DataView(pre.buffer).getUint32(MAGIC.length);
  if (bytesRead !== PREAMBLE || !MAGIC.every((b, i) => pre[i] === b) || n > MAX_HEADER || PREAMBLE + n > stat.size) {
    throw new StorageFailureError('read', key, { cause: new Error('not a Berth blob file (bad header)') });
  }
  const json = new Uint8Array(n);
  await fh.read(json, 0, n, PREAMBLE);
  const header = JSON.parse(new TextDecoder().decode(json)) as Header;
  const bodyStart = PREAMBLE + n;
  const info: BlobInfo = {
    key, size: stat.size - bodyStart, etag: header.etag, lastModified: stat.mtime, metadata: { ...header.metadata },
  };
  if (header.contentType !== undefined) info.contentType = header.contentType;
  return { fh, header, bodyStart, info };
}

/** The framing and body of a file whose first `probe` bytes were read in one go (null: `probe` too short). */
export interface Probed extends Opened {
  /** The file's first bytes as read (framing, then as much of the body as fitted). */
  probe: Uint8Array;
}

/**
 * Opens a blob file in one read: fstat, then its first `min(size, want(size))` bytes, which hold
 * the framing (and, for a small file, the whole body). A header longer than that (rare: big
 * metadata) falls back to `readHeader`. The caller owns `fh`.
 */
export async function readProbed(key: string, fh: FileHandle, want: (fileSize: number) => number): Promise<Probed> {
  const st = await fh.stat();
  const n = Math.min(st.size, Math.max(PREAMBLE, want(st.size)));
  const probe = uninitialised(n);
  let got = 0;
  while (got < n) {
    const { bytesRead } = await fh.read(probe, got, n - got, got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  const head = probe.subarray(0, got);
  const parsed = headerFromBytes(key, head, st.size);
  if (!parsed) return { ...(await readHeader(key, fh)), probe: head };
  const { header, bodyStart } = parsed;
  const info: BlobInfo = {
    key, size: st.size - bodyStart, etag: header.etag, lastModified: st.mtime, metadata: { ...header.metadata },
  };
  if (header.contentType !== undefined) info.contentType = header.contentType;
  return { fh, header, bodyStart, info, probe: head };
}

/**
 * A body already in memory (a small blob read whole), as a one-chunk stream that also has a
 * direct reader, like a file's (direct-body.ts).
 */
export function bytesStream(bytes: Uint8Array): ReadableStream<Uint8Array> {
  let sent = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (!sent && bytes.length > 0) controller.enqueue(bytes);
      sent = true;
      controller.close();
    },
  }, { highWaterMark: 0 });
  return withDirectBody(stream, {
    length: bytes.length,
    async read(into, offset, n) {
      const want = Math.min(n, bytes.length - offset, into.length);
      if (want <= 0) return 0;
      into.set(bytes.subarray(offset, offset + want), 0);
      return want;
    },
  });
}

/**
 * The header parsed from the first bytes of a file (`head` holds them; `fileSize` is the whole
 * file's), or null when `head` is too short to hold it all (then use `readHeader`).
 */
export function headerFromBytes(key: string, head: Uint8Array, fileSize: number): { header: Header; bodyStart: number } | null {
  if (head.length < PREAMBLE) return null;
  const n = new DataView(head.buffer, head.byteOffset, head.byteLength).getUint32(MAGIC.length);
  if (!MAGIC.every((b, i) => head[i] === b) || n > MAX_HEADER || PREAMBLE + n > fileSize) {
    throw new StorageFailureError('read', key, { cause: new Error('not a Berth blob file (bad header)') });
  }
  if (PREAMBLE + n > head.length) return null;
  const header = JSON.parse(new TextDecoder().decode(head.subarray(PREAMBLE, PREAMBLE + n))) as Header;
  return { header, bodyStart: PREAMBLE + n };
}

/**
 * Pull-based: reads one chunk per consumer pull, so memory stays at one chunk. Closes the handle
 * at the end or on cancel. Also readable directly (direct-body.ts): a server that writes to its
 * socket itself reads the same bytes into buffers it reuses, then cancels the stream.
 */
export function fileStream(fh: FileHandle, start: number, length: number): ReadableStream<Uint8Array> {
  let pos = start;
  const end = start + length;
  let closed = false;
  const close = async (): Promise<void> => {
    if (!closed) {
      closed = true;
      await fh.close();
    }
  };
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (pos >= end) {
          await close();
          controller.close();
          return;
        }
        const want = Math.min(READ_CHUNK, end - pos);
        // not zero-filled (the read overwrites it; only the bytes read are passed on): zeroing
        // 256 KiB per chunk was a measurable share of serving a large file
        const raw = Buffer.allocUnsafeSlow(want);
        const buf = new Uint8Array(raw.buffer, raw.byteOffset, want);
        const { bytesRead } = await fh.read(buf, 0, want, pos);
        if (bytesRead === 0) throw new Error('file shrank while reading');
        pos += bytesRead;
        controller.enqueue(bytesRead === want ? buf : buf.subarray(0, bytesRead));
      } catch (err) {
        await close().catch(() => undefined);
        controller.error(err);
      }
    },
    async cancel() {
      await close();
    },
  }, { highWaterMark: 0 });
  return withDirectBody(stream, {
    length,
    async read(into, offset, n) {
      const want = Math.min(n, length - offset, into.length);
      if (want <= 0) return 0;
      const { bytesRead } = await fh.read(into, 0, want, start + offset);
      return bytesRead;
    },
  });
}

/** Fills `out` from `position` on; a file shorter than that throws (it shrank while read). */
export async function readFully(fh: FileHandle, out: Uint8Array, position: number): Promise<void> {
  for (let n = 0; n < out.length;) {
    const { bytesRead } = await fh.read(out, n, out.length - n, position + n);
    if (bytesRead === 0) throw new Error('file shrank while reading');
    n += bytesRead;
  }
}

/**
 * A plain Uint8Array of `n` bytes, not zero-filled (every one is read into before it is
 * returned), and `spare` zeroed bytes after them (room for a later read into the same buffer).
 */
export function uninitialised(n: number, spare = 0): Uint8Array {
  const b = Buffer.allocUnsafeSlow(n + spare);
  if (spare > 0) b.fill(0, n);
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

export function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

/** Writes `chunks` in order from the file's position, in one `writev` unless the kernel took less. */
export async function writeAll(fh: FileHandle, chunks: Uint8Array[]): Promise<void> {
  const rest = chunks.filter((c) => c.length > 0);
  while (rest.length > 0) {
    let { bytesWritten: n } = await fh.writev(rest);
    if (n === 0) throw new Error('write made no progress');
    while (rest.length > 0 && n >= (rest[0] as Uint8Array).length) n -= (rest.shift() as Uint8Array).length;
    if (rest.length > 0 && n > 0) rest[0] = (rest[0] as Uint8Array).subarray(n);
  }
}
