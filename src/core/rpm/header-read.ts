/**
 * Reading one header blob from a package's bytes: its intro's declared sizes are checked against
 * the limits before any byte of the rest is buffered; the Header then validates the blob.
 */
import type { ByteSource } from './byte-source.js';
import { fail } from './errors.js';
import { HEADER_MAGIC, Header, INTRO, NAMES, uint32, type HeaderKind, type HeaderLimits, type RegionRule } from './header.js';

const ENTRY = 16;

/** What the 16-byte intro declares, checked against `limits`. */
interface Intro {
  reserved: number;
  il: number;
  dl: number;
  total: number;
}

/** The intro at `from` in `intro`, found at file offset `at`. */
function checkIntro(intro: Uint8Array, name: string, limits: HeaderLimits, at: number, from = 0): Intro {
  for (let i = 0; i < 4; i++) {
    if (intro[from + i] !== HEADER_MAGIC[i]) fail('rpm.header.bad-magic', `${name} magic 8E AD E8 01 missing at offset ${at}`);
  }
  // kept as numbers: the source may reuse the intro's memory when `rest` needs more bytes
  const reserved = uint32(intro, from + 4);
  const il = uint32(intro, from + 8);
  const dl = uint32(intro, from + 12);
  if (il < 1) fail('rpm.header.empty', `${name} has no index entries`);
  if (il > limits.maxEntries) fail('rpm.header.too-large', `${name} declares ${il} index entries (limit ${limits.maxEntries})`);
  if (dl > limits.maxData) fail('rpm.header.too-large', `${name} declares a ${dl}-byte store (limit ${limits.maxData})`);
  const total = INTRO + ENTRY * il + dl;
  if (total > limits.maxBytes) fail('rpm.header.too-large', `${name} is ${total} bytes (limit ${limits.maxBytes})`);
  return { reserved, il, dl, total };
}

function assemble(kind: HeaderKind, h: Intro, rest: Uint8Array, region: RegionRule): Header {
  const bytes = new Uint8Array(h.total);
  const out = new DataView(bytes.buffer);
  bytes.set(HEADER_MAGIC, 0);
  out.setUint32(4, h.reserved);
  out.setUint32(8, h.il);
  out.setUint32(12, h.dl);
  bytes.set(rest, INTRO);
  return new Header(kind, bytes, region);
}

/** Reads one header from the source, checking its declared size against `limits` first. */
export async function readHeader(
  src: ByteSource,
  kind: HeaderKind,
  limits: HeaderLimits,
  region: RegionRule,
): Promise<Header> {
  const name = NAMES[kind];
  const intro = await src.readExactly(INTRO, `${name} intro`);
  const h = checkIntro(intro, name, limits, src.position - INTRO);
  return assemble(kind, h, await src.readExactly(h.total - INTRO, name), region);
}

/**
 * `readHeader`, without a promise when the source has the bytes at hand (a file read
 * synchronously): the header, or a promise of it. `inPlace`: when the whole header lies in one
 * chunk of the source, the Header reads it there instead of from a copy, so it is valid only
 * until the source's memory is reused (the next chunk of a source with transient chunks).
 */
export function takeHeader(
  src: ByteSource,
  kind: HeaderKind,
  limits: HeaderLimits,
  region: RegionRule,
  inPlace = false,
): Header | Promise<Header> {
  const name = NAMES[kind];
  // in place: the intro and then the rest looked up in the source's chunk, with one view of the
  // whole header when they lie there back to back
  const introAt = inPlace ? src.span(INTRO) : -1;
  let intro: Uint8Array | null = null;
  if (introAt < 0) {
    intro = src.take(INTRO);
    if (intro === null) return readHeader(src, kind, limits, region);
  }
  const chunk = src.spanChunk;
  const h = intro === null ? checkIntro(chunk, name, limits, src.position - INTRO, introAt) : checkIntro(intro, name, limits, src.position - INTRO);
  // Not in shared memory (a SharedArrayBuffer is no ArrayBuffer): TextDecoder is ~50 % slower on it than a copy.
  if (introAt >= 0 && chunk.buffer instanceof ArrayBuffer) {
    const restAt = src.span(h.total - INTRO);
    if (restAt >= 0 && src.spanChunk === chunk && restAt === introAt + INTRO) {
      return new Header(kind, new Uint8Array(chunk.buffer, chunk.byteOffset + introAt, h.total), region);
    }
    // (span consumed nothing, or the rest in another chunk: consumed, so it is taken from there)
    if (restAt >= 0) return assemble(kind, h, src.spanChunk.subarray(restAt, restAt + h.total - INTRO), region);
  }
  const rest = src.take(h.total - INTRO);
  if (rest === null) return src.readExactly(h.total - INTRO, name).then((r) => assemble(kind, h, r, region));
  return assemble(kind, h, rest, region);
}
