/** Failures of `berth sync`, each with a stable code; the CLI prints `message (code)` and exits 1. */
import { BerthError } from '../core/errors.js';

export type SyncErrorCode =
  | 'sync.http' // the source answered with an error status
  | 'sync.network' // no answer after the retries
  | 'sync.no-key' // no way to verify repomd.xml was given
  | 'sync.bad-key' // the key file or served key is not an OpenPGP public key
  | 'sync.bad-signature' // repomd.xml.asc does not verify with the key
  | 'sync.checksum' // a downloaded file does not match its checksum or size (or is longer than declared)
  | 'sync.too-large' // repomd.xml, its signature, a key or the changes feed is over the document limit
  | 'sync.incomplete' // the new metadata names a file DIR does not hold (nothing was swapped)
  | 'sync.bad-metadata' // repomd.xml or primary.xml cannot be used
  | 'sync.unsafe-path' // a location would escape DIR
  | 'sync.dir' // DIR is unusable (not empty and not a sync target, locked)
  | 'sync.usage';

export class SyncError extends BerthError {
  override name = 'SyncError';
  constructor(code: SyncErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
