/** Error helpers shared by the reader's modules. */
import { RpmFormatError } from '../errors.js';

export function fail(code: string, message: string, cause?: unknown): never {
  throw new RpmFormatError(code, message, cause === undefined ? undefined : { cause });
}

/** True for any BerthError, across realms (see BerthError.isBerthError). */
export function isBerthError(e: unknown): e is RpmFormatError {
  return typeof e === 'object' && e !== null && (e as { isBerthError?: unknown }).isBerthError === true;
}
