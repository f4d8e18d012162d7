/**
 * What `readRpm` returns besides the package model: the signature header's digests and
 * signatures, the main header bytes (what header signatures sign), and the digests computed
 * while streaming. The verifier (src/core/pgp) decides from these; the reader never judges.
 */
import type { Hash, HashAlgorithm } from '../platform.js';
import type { RpmPackage } from '../model.js';

/** One OpenPGP signature packet found in the signature header. */
export interface SignatureBlob {
  /** 268 RSAHEADER, 267 DSAHEADER, 278 OPENPGP (one blob per array entry, base64-decoded), 1002 PGP, 1005 GPG. */
  tag: number;
  /** `header`: signs H (main header). `legacy`: signs H ‖ P (header + payload). */
  scope: 'header' | 'legacy';
  /** The raw packet bytes (old- or new-format OpenPGP packet). */
  packet: Uint8Array;
}

export interface SignatureHeaderInfo {
  /** Tag 269, lowercase hex SHA-1 of H. */
  headerSha1: string | null;
  /** Tag 273, lowercase hex SHA-256 of H. */
  headerSha256: string | null;
  /** Tag 279 (rpm 6), lowercase hex SHA3-256 of H (not checked: no native SHA3 in WebCrypto). */
  headerSha3_256: string | null;
  /** Tag 1004, lowercase hex MD5 of H ‖ P. */
  md5: string | null;
  /** Tag 1000 / 270: len(H) + len(P). */
  size: number | null;
  signatures: SignatureBlob[];
}

export interface ComputedDigests {
  headerSha1: string;
  headerSha256: string;
  /** SHA-256 of the payload as stored (compressed) — compare with PAYLOADDIGEST 5092. */
  payloadSha256: string;
  /** MD5 of H ‖ P — compare with sig tag 1004. */
  md5: string;
  /** SHA-256 of the whole file: the repodata pkgid. */
  fileSha256: string;
  fileSize: number;
  /** len(H) + len(P) — compare with sig tag 1000/270. */
  headerPayloadSize: number;
  /**
   * Unfinalised hashes of H ‖ P for each algorithm requested through
   * `ReadOptions.headerPayloadHashes` (legacy signatures append their trailer, then digest).
   */
  headerPayload: Partial<Record<HashAlgorithm, Hash>>;
}

export interface RpmReadResult {
  /** 3 (no immutable region), 4, or 6 (RPMFORMAT tag / lead major 4). */
  format: 3 | 4 | 6;
  pkg: RpmPackage;
  /** Main header bytes H, [headerStart, headerEnd) of the file. */
  header: Uint8Array;
  signatureHeader: SignatureHeaderInfo;
  /** PAYLOADDIGEST (5092) first entry and its algorithm (5093, default 8 = SHA-256), or null. */
  payloadDigest: { hex: string; algorithm: number } | null;
  computed: ComputedDigests;
}

export interface ReadOptions {
  /** Largest main header accepted, in bytes (default 64 MiB; rpm's own cap is 256 MiB). */
  maxHeaderBytes?: number;
  /** Largest signature header accepted, in bytes (default 16 MiB; rpm allows 64 MiB). */
  maxSignatureHeaderBytes?: number;
  /**
   * Called once the signature header is parsed; returns the hash algorithms to run over
   * H ‖ P (for legacy 1002/1005 signatures). Default: none.
   */
  headerPayloadHashes?: (sig: SignatureHeaderInfo) => HashAlgorithm[];
  /**
   * `verify` (default): compute every digest the verifier checks. `file`: only the whole-file
   * SHA-256 and size (what repodata needs); the other digest fields are then "" — which never
   * matches, so passing such a result to the verifier fails closed. `none`: no digest at all,
   * `fileSha256` "" too (for a caller that hashes the file's bytes itself); `platform` is then
   * not used unless `headerPayloadHashes` asks for a hash.
   */
  digests?: 'verify' | 'file' | 'none';
  /**
   * The source reuses one buffer for every chunk it yields (a chunk is valid only until the
   * next is pulled): the reader then copies what it must keep. Default false.
   */
  transientChunks?: boolean;
  /**
   * Read only the first (newest) this many changelog entries into `pkg.changelog`, for a caller
   * that writes no more (createrepo's `--changelog-limit`). Default, or negative: all of them.
   */
  changelogLimit?: number;
  /**
   * The caller does not use `header`: the signature and main header may then be parsed where
   * the source holds them instead of from a copy, and `header` is valid only until the source reuses that
   * memory (with `transientChunks`, its next chunk: for a file read in one chunk, the next
   * file). Everything else in the result is a copy either way. Default false.
   */
  transientHeader?: boolean;
  /**
   * Default true. false: the caller verifies nothing, so `signatureHeader` is empty (no
   * signatures, no digests) and `payloadDigest` null, unless `headerPayloadHashes` asks for the
   * signature header; the signature header is parsed and checked either way (a package refused
   * with them is refused without them).
   */
  signatures?: boolean;
}
