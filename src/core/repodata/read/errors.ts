/** Why repodata could not be read. `code` is stable; the message never quotes the document. */
import { BerthError } from '../../errors.js';

export type RepodataReadCode =
  | 'invalid_xml' // not well-formed, a DOCTYPE, a forbidden character, not UTF-8
  | 'xml_limit' // a token, element, nesting or the document passed its bound
  | 'unsupported_compression' // not .xml, .gz or .zst
  | 'invalid_compression' // the gzip/zstd data is corrupt
  | 'invalid_repomd' // well-formed but not a usable repomd.xml
  | 'invalid_primary'; // well-formed but a package lacks what primary.xml must say

export class RepodataReadError extends BerthError {
  override name = 'RepodataReadError';
  constructor(readonly readCode: RepodataReadCode, message: string) {
    super(readCode, message);
  }
}

export const isRepodataReadError = (e: unknown): e is RepodataReadError =>
  e instanceof RepodataReadError || (e as { name?: unknown } | null)?.name === 'RepodataReadError';
