/**
 * readRpm: one streaming pass over a package file. Lead, signature header and main header are
 * read with bounded exact reads and validated; the payload is hashed chunk by chunk and never
 * held. The reader reports digests and signatures; judging them is the verifier's job.
 */
import { RpmFormatError } from '../errors.js';
import type { Hash, HashAlgorithm, Platform } from '../platform.js';
import { toHex } from '../platform.js';
import { ByteSource, type ByteStream } from './byte-source.js';
import { fail, isBerthError } from './errors.js';
import { MAIN_LIMITS, SIG_LIMITS, type Header } from './header.js';
import { takeHeader } from './header-read.js';
import { LEAD_SIZE, parseLead } from './lead.js';
import { buildPackage } from './package.js';
import type { ComputedDigests, ReadOptions, RpmReadResult } from './read-result.js';
import { signatureInfo } from './signature.js';
import { REGION, TAG } from './tags.js';

const DEFAULT_MAX_HEADER = 64 * 1024 * 1024;
const DEFAULT_MAX_SIGNATURE_HEADER = 16 * 1024 * 1024;
// made once, not per package
const SIG_DEFAULTS = { ...SIG_LIMITS, maxBytes: DEFAULT_MAX_SIGNATURE_HEADER };
const MAIN_DEFAULTS = { ...MAIN_LIMITS, maxBytes: DEFAULT_MAX_HEADER };
const SIG_REGION = { required: false, full: false };
const MAIN_REGION = { required: false, full: true };
const MAIN_REGION_V6 = { required: true, full: true };
const NO_ALGORITHMS: readonly HashAlgorithm[] = [];
/** No header+payload hashes asked for (shared: a caller never adds to it). */
const NO_HASHES: Partial<Record<HashAlgorithm, Hash>> = Object.freeze({});
const NO_EXTRA: Hash[] = [];

/**
 * Reads a package from `source`, consuming it to the end. Rejects only with `RpmFormatError`
 * (or a BerthError the source itself threw), never with anything else.
 */
export async function readRpm(source: ByteStream, platform: Platform, options: ReadOptions = {}): Promise<RpmReadResult> {
  let fileHash: Hash | null;
  let src: ByteSource;
  try {
    const hash = options.digests === 'none' ? null : platform.createHash('sha256');
    fileHash = hash;
    src = new ByteSource(source, hash === null ? IGNORE : (chunk) => hash.update(chunk), options.transientChunks === true);
  } catch (e) {
    throw wrap(e);
  }
  let done = false;
  try {
    const result = await read(src, platform, options, fileHash);
    done = true;
    return result;
  } catch (e) {
    throw wrap(e);
  } finally {
    if (!done) await src.cancel();
  }
}

/** A sink for bytes nobody hashes (one function, not a closure per package). */
const IGNORE = (_chunk: Uint8Array): void => {};

function wrap(e: unknown): Error {
  if (isBerthError(e)) return e;
  const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return new RpmFormatError('rpm.malformed', `package could not be read: ${what}`, { cause: e });
}

/** 3 without a region; 4 with region 63; 6 when RPMFORMAT says so or the lead is v4. */
function formatOf(main: Header, leadMajor: number): 3 | 4 | 6 {
  const declared = main.number(TAG.RPMFORMAT);
  if (declared === 6 || leadMajor === 4) {
    if (main.regionTag !== REGION.IMMUTABLE) fail('rpm.header.region', 'v6 package without an immutable region (tag 63)');
    return 6;
  }
  return main.regionTag === REGION.IMMUTABLE ? 4 : 3;
}

async function read(
  src: ByteSource,
  platform: Platform,
  options: ReadOptions,
  fileHash: Hash | null,
): Promise<RpmReadResult> {
  // each step without a promise when the bytes are at hand (takeHeader, take, drainSync)
  const lead = parseLead(src.take(LEAD_SIZE) ?? (await src.readExactly(LEAD_SIZE, 'lead')));
  const sigRead = takeHeader(
    src,
    'signature',
    options.maxSignatureHeaderBytes === undefined ? SIG_DEFAULTS : { ...SIG_LIMITS, maxBytes: options.maxSignatureHeaderBytes },
    SIG_REGION,
    options.transientHeader === true,
  );
  // (awaiting a value that is not a promise would still cost a turn of the microtask queue)
  const sig = sigRead instanceof Promise ? await sigRead : sigRead;
  // read (and copied) before the padding: a header parsed in place lives until the next chunk
  const signatureHeader = signatureInfo(sig);
  const pad = (8 - (sig.bytes.length % 8)) % 8;
  if (pad > 0 && src.take(pad) === null) await src.readExactly(pad, 'signature header padding');
  const algorithms = options.headerPayloadHashes ? [...new Set(options.headerPayloadHashes(signatureHeader))] : NO_ALGORITHMS;

  const headerStart = src.position;
  const mainRead = takeHeader(
    src,
    'main',
    options.maxHeaderBytes === undefined ? MAIN_DEFAULTS : { ...MAIN_LIMITS, maxBytes: options.maxHeaderBytes },
    lead.major === 4 ? MAIN_REGION_V6 : MAIN_REGION,
    options.transientHeader === true,
  );
  const main = mainRead instanceof Promise ? await mainRead : mainRead;
  const headerEnd = src.position;
  const format = formatOf(main, lead.major);
  const limit = options.changelogLimit;
  const pkg = buildPackage(main, sig, headerStart, headerEnd, limit === undefined || limit < 0 ? Infinity : limit);
  const digestHex = main.string(TAG.PAYLOADDIGEST);
  const payloadDigest =
    digestHex === null ? null : { hex: digestHex.toLowerCase(), algorithm: main.number(TAG.PAYLOADDIGESTALGO) ?? 8 };

  const H = main.bytes;
  // createrepo-style callers need only the file SHA-256: skip the four verification hashes
  const verify = options.digests !== 'file' && options.digests !== 'none';
  const headerSha1 = verify ? platform.createHash('sha1') : null;
  const headerSha256 = verify ? platform.createHash('sha256') : null;
  const md5 = verify ? platform.createHash('md5') : null;
  const payloadSha256 = verify ? platform.createHash('sha256') : null;
  headerSha1?.update(H);
  headerSha256?.update(H);
  md5?.update(H);
  const headerPayload: Partial<Record<HashAlgorithm, Hash>> = algorithms.length > 0 ? {} : NO_HASHES;
  const extra: Hash[] = algorithms.length > 0 || verify ? [] : NO_EXTRA;
  for (let a = 0; a < algorithms.length; a++) {
    const algorithm = algorithms[a]!;
    const h = platform.createHash(algorithm);
    h.update(H);
    headerPayload[algorithm] = h;
    extra.push(h);
  }
  if (payloadSha256 && md5) extra.push(payloadSha256, md5);
  // the payload's size is where the source ends minus where the main header ended
  const sink = extra.length === 0 ? IGNORE : (chunk: Uint8Array): void => {
    for (let i = 0; i < extra.length; i++) extra[i]!.update(chunk);
  };
  if (!src.drainSync(sink)) await src.drain(sink);
  const fileSize = src.position;
  const payloadSize = fileSize - headerEnd;

  if (options.transientHeader === true) {
    // nothing in the result refers to either header (pkg and signatureHeader hold copies)
    sig.release();
    main.release();
  }
  const computed: ComputedDigests = {
    headerSha1: headerSha1 ? toHex(headerSha1.digest()) : '',
    headerSha256: headerSha256 ? toHex(headerSha256.digest()) : '',
    payloadSha256: payloadSha256 ? toHex(payloadSha256.digest()) : '',
    md5: md5 ? toHex(md5.digest()) : '',
    fileSha256: fileHash ? toHex(fileHash.digest()) : '',
    fileSize,
    headerPayloadSize: H.length + payloadSize,
    headerPayload,
  };
  return { format, pkg, header: H, signatureHeader, payloadDigest, computed };
}
