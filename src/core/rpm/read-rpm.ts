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
import type { ComputedDigests, ReadOptions, RpmReadResult, SignatureHeaderInfo } from './read-result.js';
import { checkSignatureHeader, signatureInfo } from './signature.js';
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
  return readRpmNow(source, platform, options);
}

/**
 * `readRpm`, without a promise when every step had its bytes at hand (a synchronous iterable
 * whose chunks hold the headers): the result, or a promise of it. Never throws: a failure is a
 * rejected promise, as from readRpm.
 */
export function readRpmNow(source: ByteStream, platform: Platform, options: ReadOptions = {}): RpmReadResult | Promise<RpmReadResult> {
  let read: Read;
  try {
    const hash = options.digests === 'none' ? null : platform.createHash('sha256');
    const src = new ByteSource(source, hash === null ? IGNORE : (chunk) => hash.update(chunk), options.transientChunks === true);
    read = new Read(src, platform, options, hash);
  } catch (e) {
    return Promise.reject(wrap(e));
  }
  try {
    const result = read.lead();
    return result instanceof Promise ? result.catch((e: unknown) => read.failed(e)) : result;
  } catch (e) {
    return read.failed(e);
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

/**
 * One read, step by step: each step continues at once when its bytes are at hand (take,
 * takeHeader, drainSync), else through a promise of them — so a file read synchronously goes
 * from lead to digests with no promise and no microtask turn.
 */
class Read {
  private major = 0;
  private sig: Header | null = null;
  private signatureHeader: SignatureHeaderInfo | null = null;
  private headerStart = 0;

  constructor(
    private readonly src: ByteSource,
    private readonly platform: Platform,
    private readonly options: ReadOptions,
    private readonly fileHash: Hash | null,
  ) {}

  /** Stops the source and rejects with the wrapped error. */
  failed(e: unknown): Promise<never> {
    return this.src.cancel().then(() => {
      throw wrap(e);
    });
  }

  lead(): RpmReadResult | Promise<RpmReadResult> {
    // in the source's chunk without a view of it, else taken (copied if it spans chunks)
    const at = this.src.span(LEAD_SIZE);
    if (at >= 0) return this.signature(this.src.spanChunk, at);
    const bytes = this.src.take(LEAD_SIZE);
    if (bytes === null) return this.src.readExactly(LEAD_SIZE, 'lead').then((b) => this.signature(b, 0));
    return this.signature(bytes, 0);
  }

  private signature(leadBytes: Uint8Array, at: number): RpmReadResult | Promise<RpmReadResult> {
    this.major = parseLead(leadBytes, at).major;
    const o = this.options;
    const sigRead = takeHeader(
      this.src,
      'signature',
      o.maxSignatureHeaderBytes === undefined ? SIG_DEFAULTS : { ...SIG_LIMITS, maxBytes: o.maxSignatureHeaderBytes },
      SIG_REGION,
      o.transientHeader === true,
    );
    return sigRead instanceof Promise ? sigRead.then((h) => this.padding(h)) : this.padding(sigRead);
  }

  private padding(sig: Header): RpmReadResult | Promise<RpmReadResult> {
    this.sig = sig;
    // read (and copied) before the padding: a header parsed in place lives until the next chunk
    const o = this.options;
    const wanted = o.signatures !== false || o.headerPayloadHashes !== undefined;
    this.signatureHeader = wanted ? signatureInfo(sig) : checkSignatureHeader(sig);
    const pad = (8 - (sig.bytes.length % 8)) % 8;
    if (pad > 0 && this.src.span(pad) < 0 && this.src.take(pad) === null) return this.src.readExactly(pad, 'signature header padding').then(() => this.main());
    return this.main();
  }

  private main(): RpmReadResult | Promise<RpmReadResult> {
    const o = this.options;
    this.headerStart = this.src.position;
    const mainRead = takeHeader(
      this.src,
      'main',
      o.maxHeaderBytes === undefined ? MAIN_DEFAULTS : { ...MAIN_LIMITS, maxBytes: o.maxHeaderBytes },
      this.major === 4 ? MAIN_REGION_V6 : MAIN_REGION,
      o.transientHeader === true,
    );
    return mainRead instanceof Promise ? mainRead.then((h) => this.payload(h)) : this.payload(mainRead);
  }

  private payload(main: Header): RpmReadResult | Promise<RpmReadResult> {
    const { src, options, platform } = this;
    const sig = this.sig!;
    const signatureHeader = this.signatureHeader!;
    const algorithms = options.headerPayloadHashes ? [...new Set(options.headerPayloadHashes(signatureHeader))] : NO_ALGORITHMS;
    const headerStart = this.headerStart;
    const headerEnd = src.position;
    const format = formatOf(main, this.major);
    const limit = options.changelogLimit;
    const pkg = buildPackage(main, sig, headerStart, headerEnd, limit === undefined || limit < 0 ? Infinity : limit);
    const digestHex = options.signatures === false ? null : main.string(TAG.PAYLOADDIGEST);
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
    const sink = extra.length === 0 ? IGNORE : (chunk: Uint8Array): void => {
      for (let i = 0; i < extra.length; i++) extra[i]!.update(chunk);
    };
    const finish = (): RpmReadResult => {
      // the payload's size is where the source ends minus where the main header ended
      const fileSize = src.position;
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
        fileSha256: this.fileHash ? toHex(this.fileHash.digest()) : '',
        fileSize,
        headerPayloadSize: H.length + fileSize - headerEnd,
        headerPayload,
      };
      return { format, pkg, header: H, signatureHeader, payloadDigest, computed };
    };
    return src.drainSync(sink) ? finish() : src.drain(sink).then(finish);
  }
}
