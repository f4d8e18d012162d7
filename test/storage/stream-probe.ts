/**
 * Test helpers for "streams without buffering": a generated body that never exists in memory whole,
 * and a probe that samples ArrayBuffer memory (after a forced GC) while bytes flow. A store that
 * buffers a 20 MiB body shows ~20 MiB of live ArrayBuffers by the last chunk; a streaming one shows
 * roughly its block size times its concurrency.
 */
import { createHash } from 'node:crypto';
import v8 from 'node:v8';
import vm from 'node:vm';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

export class MemoryProbe {
  readonly #baseline: number;
  #peak = 0;
  constructor() {
    gc();
    this.#baseline = process.memoryUsage().arrayBuffers;
  }
  sample(): void {
    gc();
    this.#peak = Math.max(this.#peak, process.memoryUsage().arrayBuffers - this.#baseline);
  }
  /** Highest live ArrayBuffer growth seen, in bytes. */
  get peakGrowth(): number {
    return this.#peak;
  }
}

export interface GeneratedBody {
  stream: ReadableStream<Uint8Array>;
  /** Hex SHA-256 of everything emitted so far (complete once the stream has ended). */
  digest(): string;
  emitted(): number;
}

/** `total` bytes of a deterministic pattern, produced on demand in `chunk`-sized pieces. */
export function generatedBody(total: number, probe?: MemoryProbe, chunk = 64 * 1024, seed = 1): GeneratedBody {
  const hash = createHash('sha256');
  let emitted = 0;
  let digest = '';
  let state = seed >>> 0 || 1;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (emitted >= total) {
        digest = hash.digest('hex');
        controller.close();
        return;
      }
      const n = Math.min(chunk, total - emitted);
      const bytes = new Uint8Array(n);
      const words = new Uint32Array(bytes.buffer, 0, Math.floor(n / 4));
      for (let i = 0; i < words.length; i++) {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        words[i] = state >>> 0;
      }
      hash.update(bytes);
      emitted += n;
      if (probe && emitted % (1024 * 1024) < n) probe.sample();
      controller.enqueue(bytes);
    },
  }, { highWaterMark: 0 });
  return { stream, digest: () => digest, emitted: () => emitted };
}

/** Consume a body chunk by chunk: size and SHA-256, sampling the probe every MiB. */
export async function drain(body: ReadableStream<Uint8Array>, probe?: MemoryProbe): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  let nextSample = 1024 * 1024;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    hash.update(value);
    size += value.length;
    if (probe && size >= nextSample) {
      probe.sample();
      nextSample += 1024 * 1024;
    }
  }
  return { size, sha256: hash.digest('hex') };
}

export async function text(body: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(body).text();
}

export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
