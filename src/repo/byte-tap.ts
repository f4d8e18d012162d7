/**
 * A second reader of bytes that stream somewhere else: the writer hands each chunk to `push` and
 * waits until the reader has taken it, so the reader sees every byte once, in order, while the
 * bytes are written — and at most one chunk is ever waiting between the two (nothing is
 * buffered). A reader that stops early (it returned, or threw) no longer holds the writer up.
 */
export class ByteTap implements AsyncIterable<Uint8Array> {
  #chunk: Uint8Array | null = null;
  #ended = false;
  #error: unknown = null;
  #stopped = false;
  /** Wakes the reader (a chunk, the end or an error is there). */
  #wakeReader: (() => void) | null = null;
  /** Wakes the writer (its chunk was taken, or the reader stopped). */
  #wakeWriter: (() => void) | null = null;

  /** Resolves once the reader took `chunk` (at once when it has stopped reading). */
  push(chunk: Uint8Array): Promise<void> {
    if (this.#stopped || this.#ended) return Promise.resolve();
    this.#chunk = chunk;
    const taken = new Promise<void>((resolve) => (this.#wakeWriter = resolve));
    this.#wake();
    return taken;
  }

  /** No more bytes: the reader's iteration ends. */
  end(): void {
    this.#ended = true;
    this.#wake();
  }

  /** The bytes stopped with an error: the reader's next read throws it. */
  fail(error: unknown): void {
    this.#error ??= error ?? new Error('stream failed');
    this.#ended = true;
    this.#wake();
  }

  #wake(): void {
    const w = this.#wakeReader;
    this.#wakeReader = null;
    w?.();
  }

  #release(): void {
    const w = this.#wakeWriter;
    this.#wakeWriter = null;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    try {
      for (;;) {
        if (this.#chunk === null && !this.#ended) await new Promise<void>((resolve) => (this.#wakeReader = resolve));
        const chunk = this.#chunk;
        if (chunk !== null) {
          this.#chunk = null;
          this.#release();
          yield chunk;
          continue;
        }
        if (this.#error !== null) throw this.#error;
        return;
      }
    } finally {
      this.#stopped = true;
      this.#chunk = null;
      this.#release();
    }
  }
}
