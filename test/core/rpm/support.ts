// Shared by the RPM reader tests: byte streams over files and buffers.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';

/** A file as a web ReadableStream, in chunks of `chunk` bytes (exercises chunk boundaries). */
export function fileStream(path: string, chunk = 64 * 1024): ReadableStream<Uint8Array> {
  return Readable.toWeb(createReadStream(path, { highWaterMark: chunk })) as ReadableStream<Uint8Array>;
}

/** Bytes as an async iterable of `chunk`-byte pieces. */
export async function* chunks(bytes: Uint8Array, chunk: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += chunk) yield bytes.subarray(i, Math.min(bytes.length, i + chunk));
}

export function nevraOf(p: { name: string; epoch: number | null; version: string; release: string }, arch: string): string {
  return `${p.name}-${p.epoch === null ? '' : `${p.epoch}:`}${p.version}-${p.release}.${arch}`;
}
