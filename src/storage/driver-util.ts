/** Helpers shared by the drivers (runtime-neutral). */
import { RangeNotSatisfiableError } from './errors.js';
import type { ByteRange } from './blob-store.js';

/** Resolve a requested range against the blob size: offset must be < size, length is clamped. */
export function resolveRange(key: string, size: number, range: ByteRange): { offset: number; length: number } {
  if (range.offset >= size) throw new RangeNotSatisfiableError(key, range.offset, size);
  const available = size - range.offset;
  return { offset: range.offset, length: range.length === undefined ? available : Math.min(range.length, available) };
}

/** A fresh strong ETag: 128 random bits, quoted. Random (not a counter) so it survives restarts. */
export function newEtag(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return `"${hex}"`;
}

/** Emit `bytes` as a stream in bounded chunks, copying each so consumers cannot mutate the source. */
export function bytesToStream(bytes: Uint8Array, chunkSize = 64 * 1024): ReadableStream<Uint8Array> {
  let pos = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pos >= bytes.length) {
        controller.close();
        return;
      }
      const end = Math.min(pos + chunkSize, bytes.length);
      controller.enqueue(bytes.slice(pos, end));
      pos = end;
    },
  }, { highWaterMark: 0 });
}

/** Page through sorted keys after `cursor` (exclusive); the cursor is the last key returned. */
export function pageOf<T extends { key: string }>(sorted: Iterable<T>, cursor: string | undefined, limit: number): { items: T[]; cursor?: string } {
  const items: T[] = [];
  for (const item of sorted) {
    if (cursor !== undefined && item.key <= cursor) continue;
    if (items.length === limit) {
      const last = items[items.length - 1];
      return last ? { items, cursor: last.key } : { items };
    }
    items.push(item);
  }
  return { items };
}

export const DEFAULT_LIST_LIMIT = 1000;
