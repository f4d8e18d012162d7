export { readRpm, readRpmNow } from './read-rpm.js';
export type { ByteStream } from './byte-source.js';
export type {
  ComputedDigests,
  ReadOptions,
  RpmReadResult,
  SignatureBlob,
  SignatureHeaderInfo,
} from './read-result.js';
