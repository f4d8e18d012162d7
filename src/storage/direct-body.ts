/**
 * Bodies a runtime may send itself instead of reading their stream: a store whose bytes are a
 * local file (the fs store) registers, beside the ReadableStream it returns, how to read those
 * bytes at an offset. A runtime that can write to its socket directly (the Node server) then
 * reads them into buffers it reuses, and cancels the stream when done (which releases the file);
 * every other consumer reads the stream as usual and sees the same bytes.
 */
export interface DirectBody {
  /** Bytes in the body. */
  readonly length: number;
  /** Reads up to `length` bytes from `offset` (within the body) into `into`; 0 at the end. */
  read(into: Uint8Array, offset: number, length: number): Promise<number>;
}

const bodies = new WeakMap<ReadableStream<Uint8Array>, DirectBody>();

/** Registers `body` as the direct way to read `stream`'s bytes; returns the stream. */
export function withDirectBody(stream: ReadableStream<Uint8Array>, body: DirectBody): ReadableStream<Uint8Array> {
  bodies.set(stream, body);
  return stream;
}

/**
 * The direct reader of a stream nobody has read yet. Reading the stream and the direct body
 * both is wrong: a caller takes one or the other.
 */
export function directBodyOf(stream: ReadableStream<Uint8Array>): DirectBody | undefined {
  return bodies.get(stream);
}
