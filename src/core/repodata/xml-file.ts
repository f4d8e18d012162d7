/**
 * Streams primary/filelists/other.xml as concatenated compressed members (formats.md §8):
 * one member holding the XML declaration and root start tag, one member per chunk of
 * packages, one member holding the end tag. Memory is bounded by one chunk, assembled as UTF-8
 * in one reused buffer; the file is never joined. Header and footer get members of their own (a few dozen bytes each) because the
 * header carries `packages="N"`, which changes on every publish: body chunks then depend only
 * on their packages and can be cached and passed back in unchanged.
 */
import { BerthError } from '../errors.js';
import { toHex } from '../platform.js';
import type { Codec, Platform } from '../platform.js';
import { ByteBuffer } from './byte-buffer.js';

export type XmlKind = 'primary' | 'filelists' | 'other';

const ROOTS: Record<XmlKind, { open: string; close: string }> = {
  primary: {
    open: '<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm"',
    close: '</metadata>',
  },
  filelists: { open: '<filelists xmlns="http://linux.duke.edu/metadata/filelists"', close: '</filelists>' },
  other: { open: '<otherdata xmlns="http://linux.duke.edu/metadata/other"', close: '</otherdata>' },
};

/** Exactly createrepo_c's header: declaration, root start tag, newline. */
export function xmlHeader(kind: XmlKind, count: number): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${ROOTS[kind].open} packages="${count}">\n`;
}

/** createrepo_c ends the file with the end tag and no newline. */
export function xmlFooter(kind: XmlKind): string {
  return ROOTS[kind].close;
}

/**
 * A body chunk already compressed, e.g. from a previous publish: `xml` is the uncompressed
 * text (needed for the open-checksum, which covers the whole file in order), `compressed`
 * one complete member/frame of it made with the same codec.
 */
export interface CompressedChunk {
  packages: number;
  xml: Uint8Array;
  compressed: Uint8Array;
}

export interface FileDigest {
  /** SHA-256 hex of the compressed file (repomd `checksum`, file-name prefix). */
  checksum: string;
  size: number;
  /** SHA-256 hex of the XML (repomd `open-checksum`). */
  openChecksum: string;
  openSize: number;
}

export interface WriteXmlOptions {
  codec: Codec;
  /** Packages per compressed member (default 256; formats.md §8: ~+1-4 % size at 128-1024). */
  chunkPackages?: number;
  /** Also close a chunk once its XML reaches this many bytes (default 8 MiB) to bound memory. */
  chunkBytes?: number;
  /** Receives every body chunk this writer compressed, for reuse on a later publish. */
  onChunk?: (chunk: CompressedChunk) => void | Promise<void>;
}

export interface XmlFileStream {
  /** The compressed file, member by member. Iterate once. */
  bytes: AsyncIterable<Uint8Array>;
  /** Settles when `bytes` has been fully iterated (rejects if writing failed). */
  digest: Promise<FileDigest>;
}

/** One package's fragment: text, or the same text already encoded as UTF-8. */
export type Fragment = string | Uint8Array;

/**
 * `items`: package fragments (one `<package>…</package>\n` each, as a string or as UTF-8 bytes),
 * arrays of fragments (a batch, in order) and/or reused compressed chunks, in file order; their
 * package total must equal `count`, which the header states before the items are read (a
 * mismatch rejects at the end: discard the output). Fragment bytes are copied before the next
 * item is read, so a producer may reuse their memory after handing them over.
 */
export function writeXmlFile(
  kind: XmlKind,
  count: number,
  items: AsyncIterable<Fragment | readonly Fragment[] | CompressedChunk> | Iterable<Fragment | readonly Fragment[] | CompressedChunk>,
  platform: Platform,
  opts: WriteXmlOptions,
): XmlFileStream {
  const chunkPackages = Math.max(1, opts.chunkPackages ?? 256);
  const chunkBytes = Math.max(1, opts.chunkBytes ?? 8 * 1024 * 1024);
  const encoder = new TextEncoder();
  const packed = platform.createHash('sha256');
  const open = platform.createHash('sha256');
  let size = 0;
  let openSize = 0;
  let settle!: { resolve: (d: FileDigest) => void; reject: (e: unknown) => void };
  const digest = new Promise<FileDigest>((resolve, reject) => (settle = { resolve, reject }));
  // the caller may only iterate; a failure still surfaces there
  digest.catch(() => undefined);

  const account = (xml: Uint8Array, compressed: Uint8Array): Uint8Array => {
    open.update(xml);
    openSize += xml.length;
    packed.update(compressed);
    size += compressed.length;
    return compressed;
  };
  const member = async (xml: Uint8Array): Promise<Uint8Array> =>
    account(xml, await platform.compress(opts.codec, xml));

  async function* generate(): AsyncGenerator<Uint8Array> {
    let seen = 0;
    let settled = false;
    // the chunk being assembled, as UTF-8; reused for every chunk of the file
    const part = new ByteBuffer();
    let partPackages = 0;
    // strings count their UTF-16 length: an estimate is enough for a memory bound
    let partBytes = 0;
    async function flush(): Promise<Uint8Array | null> {
      if (partPackages === 0) return null;
      const xml = part.view();
      const compressed = await member(xml);
      const packages = partPackages;
      if (opts.onChunk) await opts.onChunk({ packages, xml: xml.slice(), compressed });
      part.clear();
      partPackages = 0;
      partBytes = 0;
      return compressed;
    }
    const full = (): boolean => partPackages >= chunkPackages || partBytes >= chunkBytes;
    const add = (f: Fragment): void => {
      if (typeof f === 'string') {
        part.appendString(f);
        partBytes += f.length;
      } else {
        part.appendBytes(f);
        partBytes += f.length;
      }
      partPackages++;
      seen++;
    };
    try {
      yield await member(encoder.encode(xmlHeader(kind, count)));
      for await (const item of items) {
        if (typeof item === 'string' || item instanceof Uint8Array) {
          add(item);
          if (full()) {
            const out = await flush();
            if (out) yield out;
          }
        } else if (Array.isArray(item)) {
          const batch = item as readonly Fragment[];
          for (let i = 0; i < batch.length; i++) {
            add(batch[i]!);
            if (full()) {
              const out = await flush();
              if (out) yield out;
            }
          }
        } else {
          const chunk = item as CompressedChunk;
          const out = await flush();
          if (out) yield out;
          seen += chunk.packages;
          yield account(chunk.xml, chunk.compressed);
        }
      }
      const out = await flush();
      if (out) yield out;
      yield await member(encoder.encode(xmlFooter(kind)));
      if (seen !== count) {
        throw new BerthError(
          'repodata-count-mismatch',
          `${kind}.xml declared packages="${count}" but received ${seen} packages`,
        );
      }
      settle.resolve({ checksum: toHex(packed.digest()), size, openChecksum: toHex(open.digest()), openSize });
      settled = true;
    } catch (e) {
      settle.reject(e);
      settled = true;
      throw e;
    } finally {
      // the consumer stopped iterating early: the file is incomplete, so is its digest
      if (!settled) settle.reject(new BerthError('repodata-aborted', `${kind}.xml was not written to the end`));
    }
  }
  return { bytes: generate(), digest };
}
