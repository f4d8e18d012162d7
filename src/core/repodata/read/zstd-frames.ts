/**
 * A zstd file as its frames (RFC 8878 §3.1), without holding one: the frame and block headers are
 * walked as the bytes stream past, so each frame's bytes can go to a decompressor as they arrive.
 * Needed because a decompressor commonly stops after the first frame (Node's does, silently),
 * while Berth's chunked writer — and any concatenation — writes many, which libsolv and the zstd
 * CLI read as one stream. Skippable frames are skipped.
 */
import { RepodataReadError } from './errors.js';

const ZSTD_MAGIC = 0xfd2fb528;
const isSkippable = (magic: number): boolean => (magic & 0xfffffff0) >>> 0 === 0x184d2a50;

type Mode =
  | { kind: 'collect'; need: number; have: number[]; then: (h: number[]) => void }
  | { kind: 'skip'; left: number; then: () => void };

const u32 = (h: number[], o = 0): number =>
  ((h[o] as number) | ((h[o + 1] as number) << 8) | ((h[o + 2] as number) << 16) | ((h[o + 3] as number) << 24)) >>> 0;

/** Walks one frame's structure; `feed` says how much of a chunk still belongs to the frame. */
class FrameScanner {
  done = false;
  skippable = false;
  #mode!: Mode;

  constructor() {
    this.#collect(4, (h) => this.#magic(u32(h)));
  }

  /** Consumes the bytes of `chunk` that belong to this frame; returns how many. */
  feed(chunk: Uint8Array): number {
    let i = 0;
    while (i < chunk.length && !this.done) {
      const m = this.#mode;
      if (m.kind === 'skip') {
        const n = Math.min(m.left, chunk.length - i);
        m.left -= n;
        i += n;
        if (m.left === 0) m.then();
      } else {
        m.have.push(chunk[i++] as number);
        if (m.have.length === m.need) m.then(m.have);
      }
    }
    return i;
  }

  #collect(need: number, then: (h: number[]) => void): void {
    this.#mode = { kind: 'collect', need, have: [], then };
  }

  #skip(left: number, then: () => void): void {
    if (left === 0) then();
    else this.#mode = { kind: 'skip', left, then };
  }

  #finish = (): void => {
    this.done = true;
  };

  #magic(magic: number): void {
    if (isSkippable(magic)) {
      this.skippable = true;
      this.#collect(4, (h) => this.#skip(u32(h), this.#finish));
    } else if (magic === ZSTD_MAGIC) {
      this.#collect(1, (h) => this.#frameHeader(h[0] as number));
    } else {
      throw new RepodataReadError('invalid_compression', 'not a zstd frame');
    }
  }

  #frameHeader(fhd: number): void {
    if (fhd & 0x08) throw new RepodataReadError('invalid_compression', 'zstd frame header has its reserved bit set');
    const single = (fhd >> 5) & 1;
    const fcs = [single ? 1 : 0, 2, 4, 8][fhd >> 6] as number;
    const dict = [0, 1, 2, 4][fhd & 3] as number;
    const checksum = ((fhd >> 2) & 1) === 1;
    const blocks = (): void => this.#collect(3, (h) => this.#block(h, checksum));
    const rest = (single ? 0 : 1) + dict + fcs;
    if (rest > 0) this.#collect(rest, blocks);
    else blocks();
  }

  #block(h: number[], checksum: boolean): void {
    const header = (h[0] as number) | ((h[1] as number) << 8) | ((h[2] as number) << 16);
    const last = (header & 1) === 1;
    const type = (header >> 1) & 3;
    if (type === 3) throw new RepodataReadError('invalid_compression', 'zstd block of the reserved type');
    this.#skip(type === 1 ? 1 : header >>> 3, () => {
      if (!last) this.#collect(3, (x) => this.#block(x, checksum));
      else if (checksum) this.#collect(4, this.#finish);
      else this.#finish();
    });
  }
}

/**
 * The frames of a zstd stream, in order, each as a stream of its bytes. Read each frame to its end
 * before asking for the next. A truncated frame errors its stream with `invalid_compression`.
 */
export async function* zstdFrames(input: ReadableStream<Uint8Array>): AsyncGenerator<ReadableStream<Uint8Array>> {
  const reader = input.getReader();
  let pending: Uint8Array | null = null;
  const next = async (): Promise<Uint8Array | null> => {
    if (pending && pending.length > 0) {
      const c = pending;
      pending = null;
      return c;
    }
    for (;;) {
      const r = await reader.read();
      if (r.done) return null;
      if (r.value.length > 0) return r.value;
    }
  };
  let finished = false;
  try {
    for (;;) {
      const first = await next();
      if (!first) {
        finished = true;
        return;
      }
      pending = first;
      const scanner = new FrameScanner();
      /** Feeds the scanner the next piece of the frame; null at its end. */
      const piece = async (): Promise<Uint8Array | null> => {
        if (scanner.done) return null;
        const chunk = await next();
        if (!chunk) throw new RepodataReadError('invalid_compression', 'truncated zstd frame');
        const n = scanner.feed(chunk);
        if (n < chunk.length) pending = chunk.subarray(n);
        return chunk.subarray(0, n);
      };
      // the magic decides whether this frame is data or skippable: look at it first
      const head: Uint8Array[] = [];
      while (!scanner.done && !scanner.skippable && head.reduce((a, b) => a + b.length, 0) < 4) {
        const p = await piece();
        if (p) head.push(p);
      }
      if (scanner.skippable) {
        while (await piece());
        continue;
      }
      const frame = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const h = head.shift();
          if (h) return controller.enqueue(h);
          const p = await piece();
          if (p === null) controller.close();
          else if (p.length > 0) controller.enqueue(p);
        },
      }, { highWaterMark: 0 });
      yield frame;
      // whatever of the frame its consumer left unread
      while (await piece());
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
