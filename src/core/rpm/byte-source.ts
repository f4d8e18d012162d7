/**
 * Pull reader over a byte stream: exact reads for the bounded header parts, then the rest
 * chunk by chunk. It never allocates ahead of data actually received, so a lying length field
 * costs at most the bytes the sender really sent.
 */
import { fail, isBerthError } from './errors.js';

/** A web stream, an async iterable, or a synchronous iterable (e.g. chunks of a file read synchronously). */
export type ByteStream = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

type Pull = () => Promise<Uint8Array | null>;

const NO_BYTES = new Uint8Array(0);

export class ByteSource {
  /** For a web stream or an async iterable: the next chunk (null at the end). */
  private readonly pullAsync: Pull | null = null;
  /** For a synchronous iterable: its iterator, read without a promise (no closure per source). */
  private readonly iterator: Iterator<Uint8Array> | null = null;
  private readonly releaseAsync: (() => Promise<void>) | null = null;
  /** Received but not yet consumed: chunks[head] from chunkPos, then the following chunks. */
  private chunks: Uint8Array[] = [];
  private head = 0;
  private chunkPos = 0;
  private buffered = 0;
  private ended = false;
  /** File offset of the next byte handed out. */
  position = 0;
  /** The chunk the last `span` lies in (valid as long as what `take` returns). */
  spanChunk: Uint8Array = NO_BYTES;

  /**
   * `onChunk` sees every received byte once, in order (the whole-file hash). `transient`: the
   * stream reuses one buffer for its chunks, so a chunk is valid only until the next is pulled;
   * the unconsumed rest of a chunk is then copied (once) before pulling, and what `readExactly`
   * returns is valid only until the next read.
   */
  constructor(
    stream: ByteStream,
    private readonly onChunk: (chunk: Uint8Array) => void,
    private readonly transient = false,
  ) {
    if ('getReader' in stream && typeof stream.getReader === 'function') {
      const reader = stream.getReader();
      this.pullAsync = async () => {
        const r = await reader.read();
        return r.done ? null : r.value;
      };
      this.releaseAsync = async () => {
        await reader.cancel();
      };
    } else if (Symbol.iterator in stream) {
      this.iterator = stream[Symbol.iterator]();
    } else {
      const it = (stream as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
      this.pullAsync = async () => {
        const r = await it.next();
        return r.done === true ? null : r.value;
      };
      this.releaseAsync = async () => {
        await it.return?.();
      };
    }
  }

  /** The synchronous iterable's next chunk, null at its end. */
  private nextSync(): Uint8Array | null {
    const r = this.iterator!.next();
    return r.done === true ? null : r.value;
  }

  private pull(): Promise<Uint8Array | null> {
    if (this.pullAsync !== null) return this.pullAsync();
    try {
      return Promise.resolve(this.nextSync());
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private async release(): Promise<void> {
    if (this.releaseAsync !== null) await this.releaseAsync();
    else this.iterator?.return?.();
  }

  private async receive(): Promise<boolean> {
    if (this.ended) return false;
    if (this.transient) this.keepUnconsumed();
    let chunk: Uint8Array | null;
    try {
      chunk = await this.pull();
    } catch (e) {
      pullFailed(e);
    }
    return this.accept(chunk);
  }

  /** `receive` for a synchronous iterable, without a promise. */
  private receiveSync(): boolean {
    if (this.ended) return false;
    if (this.transient) this.keepUnconsumed();
    let chunk: Uint8Array | null;
    try {
      chunk = this.nextSync();
    } catch (e) {
      pullFailed(e);
    }
    return this.accept(chunk);
  }

  private accept(chunk: Uint8Array | null): boolean {
    if (chunk === null) {
      this.ended = true;
      return false;
    }
    if (!(chunk instanceof Uint8Array)) fail('rpm.read-failed', 'the package stream yielded a non-byte chunk');
    if (chunk.length === 0) return true;
    this.onChunk(chunk);
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    return true;
  }

  /**
   * Copies the unconsumed part of the newest chunk, the only one that can still be the
   * stream's reused buffer (older ones were copied when it arrived): each chunk is copied at
   * most once, so a header spanning many chunks costs linear time.
   */
  private keepUnconsumed(): void {
    const last = this.chunks.length - 1;
    if (last < this.head) return;
    const c = this.chunks[last] as Uint8Array;
    if (last === this.head) {
      this.chunks[last] = c.slice(this.chunkPos);
      this.chunkPos = 0;
    } else {
      this.chunks[last] = c.slice();
    }
  }

  /** Exactly n bytes (n already bounded by the caller), or `rpm.truncated` naming `what`. */
  async readExactly(n: number, what: string): Promise<Uint8Array> {
    while (this.buffered < n) {
      if (!(await this.receive())) {
        fail('rpm.truncated', `file ends inside the ${what}: needed ${n} bytes at offset ${this.position}, got ${this.buffered}`);
      }
    }
    return this.extract(n);
  }

  /**
   * `readExactly` without a promise when it can be: n bytes if they are buffered or (from a
   * synchronous iterable) can be received at once, else null, having consumed nothing (then
   * `readExactly` gives them, or the error).
   */
  take(n: number): Uint8Array | null {
    while (this.buffered < n) {
      if (this.iterator === null || !this.receiveSync()) return null;
    }
    return this.extract(n);
  }

  /**
   * `take` without a view: when n bytes are at hand in one chunk, consumes them and returns
   * their offset in `spanChunk`; else -1, having consumed nothing (then `take` or `readExactly`).
   */
  span(n: number): number {
    while (this.buffered < n) {
      if (this.iterator === null || !this.receiveSync()) return -1;
    }
    const c = this.chunks[this.head];
    if (c === undefined || c.length - this.chunkPos < n) return -1;
    const at = this.chunkPos;
    this.spanChunk = c;
    this.advance(n);
    return at;
  }

  private extract(n: number): Uint8Array {
    const first = this.chunks[this.head];
    let out: Uint8Array;
    if (first !== undefined && first.length - this.chunkPos >= n) {
      out = first.subarray(this.chunkPos, this.chunkPos + n);
      this.advance(n);
    } else {
      out = new Uint8Array(n);
      let filled = 0;
      while (filled < n) {
        const c = this.chunks[this.head] as Uint8Array;
        const take = Math.min(n - filled, c.length - this.chunkPos);
        out.set(c.subarray(this.chunkPos, this.chunkPos + take), filled);
        filled += take;
        this.advance(take);
      }
    }
    return out;
  }

  private advance(n: number): void {
    this.buffered -= n;
    this.position += n;
    this.chunkPos += n;
    const c = this.chunks[this.head];
    if (c !== undefined && this.chunkPos >= c.length) {
      this.head++;
      this.chunkPos = 0;
      if (this.head > 64) {
        this.chunks = this.chunks.slice(this.head);
        this.head = 0;
      }
    }
  }

  /**
   * `drain` without a promise, for a synchronous iterable: false (nothing done) for any other
   * stream.
   */
  drainSync(sink: (chunk: Uint8Array) => void): boolean {
    if (this.iterator === null) return false;
    for (;;) {
      this.handOver(sink);
      if (!this.receiveSync()) return true;
    }
  }

  /** Hands the chunks already received to `sink` and forgets them (drain and drainSync). */
  private handOver(sink: (chunk: Uint8Array) => void): void {
    while (this.head < this.chunks.length) {
      const c = this.chunks[this.head] as Uint8Array;
      const part = this.chunkPos === 0 ? c : c.subarray(this.chunkPos);
      this.advance(part.length);
      sink(part);
    }
    this.chunks = [];
    this.head = 0;
  }

  /** Hand every remaining byte to `sink`, chunk by chunk, holding none of them. */
  async drain(sink: (chunk: Uint8Array) => void): Promise<void> {
    for (;;) {
      this.handOver(sink);
      if (!(await this.receive())) return;
    }
  }

  /** Stop the underlying stream early (after an error); never throws. */
  async cancel(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    try {
      await this.release();
    } catch {
      // The stream is abandoned either way.
    }
  }
}

function pullFailed(e: unknown): never {
  // The caller's own typed errors (e.g. an upload size limit) keep their code.
  if (isBerthError(e)) throw e;
  fail('rpm.read-failed', `reading the package stream failed: ${String(e)}`, e);
}
