/**
 * Streams made of other streams, opened lazily: one source at a time, the next opened only when
 * the one before has ended, so a long sequence of stored pieces holds one open reader at most.
 */

/** One piece of a concatenation: a stream, or how to open one when its turn comes. */
export type StreamPart = () => ReadableStream<Uint8Array> | Promise<ReadableStream<Uint8Array>>;

/**
 * The parts' bytes in order. Pull-driven (nothing is read ahead of the consumer); an error while
 * opening or reading a part cancels that part's reader and errors the whole stream; cancelling
 * the whole stream cancels the part being read and opens no more.
 */
export function concatStreams(parts: Iterable<StreamPart>): ReadableStream<Uint8Array> {
  const next = parts[Symbol.iterator]();
  let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        for (;;) {
          if (!reader) {
            const part = next.next();
            if (part.done) {
              controller.close();
              return;
            }
            reader = (await part.value()).getReader();
          }
          const r = await reader.read();
          if (!r.done) {
            controller.enqueue(r.value);
            return;
          }
          reader = null;
        }
      } catch (e) {
        await reader?.cancel(e).catch(() => undefined);
        reader = null;
        throw e;
      }
    },
    async cancel(reason) {
      await reader?.cancel(reason).catch(() => undefined);
      reader = null;
      next.return?.();
    },
  }, { highWaterMark: 0 });
}

/**
 * Reads `stream` into `out`; true when it held exactly `out.length` bytes. Stops reading (and
 * cancels the stream) as soon as it would overflow `out`: a stream longer than promised is never
 * read past the buffer.
 */
export async function fillExactly(stream: ReadableStream<Uint8Array>, out: Uint8Array): Promise<boolean> {
  const reader = stream.getReader();
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return n === out.length;
    if (n + value.length > out.length) {
      await reader.cancel();
      return false;
    }
    out.set(value, n);
    n += value.length;
  }
}
