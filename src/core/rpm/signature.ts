/** The signature header's digests and OpenPGP packets (formats.md §2.1), uninterpreted. */
import { toHex } from '../platform.js';
import type { SignatureBlob, SignatureHeaderInfo } from './read-result.js';
import type { Header } from './header.js';
import { decodeBase64 } from './base64.js';
import { fail } from './errors.js';
import { SIG } from './tags.js';

const HEADER_SCOPE = [SIG.RSAHEADER, SIG.DSAHEADER] as const;
const LEGACY_SCOPE = [SIG.PGP, SIG.GPG] as const;

/** What a read for a caller that verifies nothing reports (shared; never modified). */
const NO_SIGNATURE_INFO: SignatureHeaderInfo = Object.freeze({
  headerSha1: null,
  headerSha256: null,
  headerSha3_256: null,
  md5: null,
  size: null,
  signatures: Object.freeze([]) as unknown as SignatureBlob[],
});

/**
 * For a caller that verifies nothing: the checks `signatureInfo` makes (a package it refuses is
 * refused here too), without copying the signatures or decoding the digests.
 */
export function checkSignatureHeader(sig: Header): SignatureHeaderInfo {
  const openpgp = sig.has(SIG.OPENPGP) ? sig.stringArray(SIG.OPENPGP) : null;
  for (let i = 0; openpgp !== null && i < openpgp.length; i++) decodeBase64(openpgp[i]!, 'signature tag 278');
  checkMd5(sig.binLength(SIG.MD5));
  return NO_SIGNATURE_INFO;
}

function checkMd5(length: number | null): void {
  if (length !== null && length !== 16) fail('rpm.signature.md5', `signature tag 1004 holds ${length} bytes, expected 16`);
}

export function signatureInfo(sig: Header): SignatureHeaderInfo {
  const signatures: SignatureBlob[] = [];
  for (let t = 0; t < HEADER_SCOPE.length; t++) {
    const tag = HEADER_SCOPE[t]!;
    const packet = sig.bin(tag);
    if (packet !== null) signatures.push({ tag, scope: 'header', packet });
  }
  const openpgp = sig.stringArray(SIG.OPENPGP);
  for (let i = 0; openpgp !== null && i < openpgp.length; i++) {
    const text = openpgp[i]!;
    signatures.push({ tag: SIG.OPENPGP, scope: 'header', packet: decodeBase64(text, 'signature tag 278') });
  }
  for (let t = 0; t < LEGACY_SCOPE.length; t++) {
    const tag = LEGACY_SCOPE[t]!;
    const packet = sig.bin(tag);
    if (packet !== null) signatures.push({ tag, scope: 'legacy', packet });
  }
  const md5 = sig.bin(SIG.MD5);
  checkMd5(md5 === null ? null : md5.length);
  return {
    headerSha1: hexString(sig, SIG.SHA1),
    headerSha256: hexString(sig, SIG.SHA256),
    headerSha3_256: hexString(sig, SIG.SHA3_256),
    md5: md5 === null ? null : toHex(md5),
    size: sig.number(SIG.LONGSIZE) ?? sig.number(SIG.SIZE),
    signatures,
  };
}

/** Digest strings compared against our lowercase hex, so normalise case here. */
function hexString(sig: Header, tag: number): string | null {
  const s = sig.string(tag);
  return s === null ? null : s.toLowerCase();
}
