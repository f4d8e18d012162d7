/**
 * A metadata file's bytes → its XML text, chunk by chunk: the codec chosen by the file name's
 * suffix, as libsolv chooses it (`.gz`, `.zst`, plain `.xml` or `.yaml`; others refused), decompressed
 * through the Platform (zstd frame by frame), counted against a bound on the decompressed size
 * (a compression bomb stops there), and decoded as strict UTF-8. Stopping early (a consumer
 * that returns) cancels the source, so files and decompressors are released at once.
 */
import type { Platform } from '../../platform.js';
import { RepodataReadError } from './errors.js';
import { zstdFrames } from './zstd-frames.js';

export type MetadataCodec = 'gz' | 'zstd' | 'none';

/** The codec of a metadata file by its name, or `unsupported_compression`. */
export function codecOf(name: string): MetadataCodec {
  if (name.endsWith('.gz')) return 'gz';
  if (name.endsWith('.zst')) return 'zstd';
  if (name.endsWith('.xml') || name.endsWith('.yaml')) return 'none';
  const ext = /\.[^./]+$/.exec(name)?.[0] ?? '(none)';
  throw new RepodataReadError('unsupported_compression', `cannot read ${ext} metadata: only uncompressed, .gz and .zst are supported`);
}

export interface TextOptions {
  /** Most decompressed bytes read (default 4 GiB). */
  maxBytes?: number;
  /** Counters for summaries and tests. */
  stats?: { bytes: number };
}

/** One stream of the decompressed bytes; zstd frames one after another. */
function decompressed(input: ReadableStream<Uint8Array>, codec: MetadataCodec, platform: Platform): ReadableStream<Uint8Array> {
  if (codec === 'none') return input;
  if (codec === 'gz') return platform.decompress('gz', input);
  const frames = zstdFrames(input);
  let current: ReadableStreamDefaultReader<Uint8Array> | null = null;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        if (!current) {
          const f = await frames.next();
          if (f.done) return controller.close();
          current = platform.decompress('zstd', f.value).getReader();
        }
        const r = await current.read();
        if (!r.done) return controller.enqueue(r.value);
        current = null;
      }
    },
    async cancel(reason) {
      await current?.cancel(reason).catch(() => undefined);
      await frames.return(undefined);
    },
  }, { highWaterMark: 0 });
}

/** The decompressed bytes of a metadata file, chunk by chunk, bounded like metadataText. */
export async function* metadataBytes(input: ReadableStream<Uint8Array>, name: string, platform: Platform, opts: TextOptions = {}): AsyncGenerator<Uint8Array> {
  let codec: MetadataCodec;
  try {
    codec = codecOf(name);
  } catch (e) {
    await input.cancel().catch(() => undefined);
    throw e;
  }
  const max = opts.maxBytes ?? 4 * 1024 ** 3;
  const reader = decompressed(input, codec, platform).getReader();
  let bytes = 0;
  let done = false;
  try {
    for (;;) {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await reader.read();
      } catch (e) {
        if (e instanceof RepodataReadError || (e as { name?: string }).name === 'RepodataReadError') throw e;
        throw new RepodataReadError('invalid_compression', `cannot decompress ${name}: ${(e as Error).message}`);
      }
      if (r.done) break;
      bytes += r.value.byteLength;
      if (opts.stats) opts.stats.bytes += r.value.byteLength;
      if (bytes > max) throw new RepodataReadError('xml_limit', `${name} decompresses to more than ${max} bytes`);
      yield r.value;
    }
    done = true;
  } finally {
    if (!done) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

export async function* metadataText(input: ReadableStream<Uint8Array>, name: string, platform: Platform, opts: TextOptions = {}): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for await (const chunk of metadataBytes(input, name, platform, opts)) {
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      throw new RepodataReadError('invalid_xml', `${name} is not UTF-8`);
    }
    if (text.length > 0) yield text;
  }
  try {
    const tail = decoder.decode();
    if (tail.length > 0) yield tail;
  } catch {
    throw new RepodataReadError('invalid_xml', `${name} ends inside a UTF-8 sequence`);
  }
}
