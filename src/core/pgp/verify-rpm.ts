/**
 * Package-level verdict from a read RPM, mirroring `rpmkeys --checksig` with
 * `_pkgverify_level signature` (what dnf runs): every present checkable digest must match, at
 * least one header signature (268/267/278) must verify with a trusted key, and any BAD
 * signature rejects. Stricter than rpm 4.18 on weak hashes: MD5/SHA-1 signatures and an
 * MD5-only payload are refused unless the policy allows them.
 */
import type { HashAlgorithm } from '../platform.js';
import type { RpmReadResult, SignatureHeaderInfo } from '../rpm/read-result.js';
import { parseSignaturePacket } from './packet.js';
import { hashInfo } from './hash.js';
import type { Keyring } from './keyring.js';
import { verifySignature, type SignatureCheck } from './verify-signature.js';

export type VerificationStatus =
  | 'ok' | 'unsigned' | 'nokey' | 'bad-signature' | 'digest-mismatch' | 'weak-algorithm' | 'untrusted' | 'unsupported';

export type DigestName = 'header-sha256' | 'header-sha1' | 'header-sha3-256' | 'payload-sha256' | 'md5' | 'size';

export interface DigestResult {
  name: DigestName;
  /** Signature-header tag (main-header 5092 for the payload digest). */
  tag: number;
  /** `unchecked`: present but not computable here (SHA3-256, non-SHA-256 payload digests). */
  status: 'ok' | 'bad' | 'absent' | 'unchecked';
  expected?: string;
  actual?: string;
}

export interface SignatureResult extends SignatureCheck {
  tag: number;
  scope: 'header' | 'legacy';
}

export interface Verification {
  /** The decision: accept the package. */
  ok: boolean;
  /** The most significant finding (digest mismatch > bad signature > other signature problems). */
  status: VerificationStatus;
  signer?: { fingerprint: string; keyId: string; algorithm: string; hash: string };
  digests: DigestResult[];
  signatures: SignatureResult[];
  reason: string;
}

export interface VerifyPolicy {
  /** False when the repository opted out of signing: digests are still checked, BAD signatures still reject. */
  requireSignature?: boolean;
  /** Accept MD5/SHA-1 signatures and MD5-only payload protection (default false). */
  allowWeakHashes?: boolean;
  /** Date at which keys must be valid (default now). */
  date?: Date;
}

/** Hash algorithms the reader must run over H ‖ P for the legacy (1002/1005) signatures present. */
export function legacyHashAlgorithms(sig: SignatureHeaderInfo): HashAlgorithm[] {
  const out = new Set<HashAlgorithm>();
  for (const s of sig.signatures) {
    if (s.scope !== 'legacy') continue;
    try {
      const alg = hashInfo(parseSignaturePacket(s.packet).hashAlgorithm)?.platform;
      if (alg) out.add(alg);
    } catch {
      // A malformed packet is reported by verifyRpm; it needs no hash.
    }
  }
  return [...out];
}

function compare(name: DigestName, tag: number, expected: string | number | null, actual: string | number, checkable = true): DigestResult {
  if (expected === null) return { name, tag, status: 'absent' };
  const e = String(expected).toLowerCase();
  if (!checkable) return { name, tag, status: 'unchecked', expected: e };
  const a = String(actual);
  return { name, tag, status: e === a ? 'ok' : 'bad', expected: e, actual: a };
}

function checkDigests(r: RpmReadResult): DigestResult[] {
  const s = r.signatureHeader;
  const c = r.computed;
  const pd = r.payloadDigest;
  return [
    // Payload first: when several are bad, the payload is what the reason should name.
    compare('payload-sha256', 5092, pd?.hex ?? null, c.payloadSha256, pd?.algorithm === 8),
    compare('header-sha256', 273, s.headerSha256, c.headerSha256),
    compare('header-sha1', 269, s.headerSha1, c.headerSha1),
    compare('header-sha3-256', 279, s.headerSha3_256, '', false),
    compare('md5', 1004, s.md5, c.md5),
    // Tag 1000 or 270 (the reader merges them); reported as 1000.
    compare('size', 1000, s.size, c.headerPayloadSize),
  ];
}

async function checkSignatures(r: RpmReadResult, keyring: Keyring, policy: VerifyPolicy): Promise<SignatureResult[]> {
  const opts = { date: policy.date, allowWeakHashes: policy.allowWeakHashes };
  const used = new Set<HashAlgorithm>();
  const out: SignatureResult[] = [];
  for (const blob of r.signatureHeader.signatures) {
    let check: SignatureCheck;
    if (blob.scope === 'header') {
      check = await verifySignature(blob.packet, { data: r.header }, keyring, opts);
    } else {
      let alg: HashAlgorithm | null = null;
      try {
        alg = hashInfo(parseSignaturePacket(blob.packet).hashAlgorithm)?.platform ?? null;
      } catch {
        // verifySignature below reports the parse error.
      }
      const hash = alg && !used.has(alg) ? r.computed.headerPayload[alg] : undefined;
      if (alg && hash) used.add(alg);
      check = await verifySignature(blob.packet, hash ? { hash } : { data: new Uint8Array(0) }, keyring, opts);
      if (!hash && check.status !== 'malformed') {
        // Without the H ‖ P hash the "data" above was a placeholder: never trust that result.
        check = { ...check, status: 'unsupported', signer: null, reason: `H‖P ${alg ?? 'hash'} was not computed by the reader (or already consumed)` };
      }
    }
    out.push({ ...check, tag: blob.tag, scope: blob.scope });
  }
  return out;
}

const SIG_PRIORITY: SignatureCheck['status'][] = ['untrusted', 'weak-algorithm', 'unsupported', 'nokey'];

function describe(s: SignatureResult): string {
  // fingerprints and key IDs in messages are upper-case hex, as the API shows them
  const who = (s.issuerFingerprint ?? s.issuerKeyId ?? '?').toUpperCase();
  return `tag ${s.tag} ${s.algorithm}/${s.hash} (${who}): ${s.status}: ${s.reason}`;
}

export async function verifyRpm(result: RpmReadResult, keyring: Keyring, policy: VerifyPolicy = {}): Promise<Verification> {
  const requireSignature = policy.requireSignature ?? true;
  const digests = checkDigests(result);
  const signatures = await checkSignatures(result, keyring, policy);
  const verdict = (ok: boolean, status: VerificationStatus, reason: string): Verification => {
    const v: Verification = { ok, status, digests, signatures, reason };
    const good = signatures.find((s) => s.scope === 'header' && s.status === 'ok');
    if (good?.signer) v.signer = { fingerprint: good.signer.fingerprint, keyId: good.signer.keyId, algorithm: good.algorithm, hash: good.hash };
    return v;
  };

  const badDigests = digests.filter((d) => d.status === 'bad');
  if (badDigests.length > 0) {
    return verdict(false, 'digest-mismatch', badDigests.map((d) => `${d.name} (tag ${d.tag}) mismatch: expected ${d.expected}, got ${d.actual}`).join('; '));
  }
  const bad = signatures.filter((s) => s.status === 'bad' || s.status === 'malformed');
  if (bad.length > 0) return verdict(false, 'bad-signature', bad.map(describe).join('; '));

  const headerSigs = signatures.filter((s) => s.scope === 'header');
  const headerOk = headerSigs.find((s) => s.status === 'ok');
  let sigProblem: { status: VerificationStatus; reason: string } | null = null;
  if (!headerOk) {
    if (signatures.length === 0) sigProblem = { status: 'unsigned', reason: 'package has no signature' };
    else if (headerSigs.length === 0) sigProblem = { status: 'unsigned', reason: 'no header signature (268/267/278); legacy signatures alone are not accepted' };
    else {
      const worst = SIG_PRIORITY.find((p) => headerSigs.some((s) => s.status === p)) ?? 'nokey';
      sigProblem = { status: worst as VerificationStatus, reason: headerSigs.map(describe).join('; ') };
    }
  }
  if (!requireSignature) {
    const reason = sigProblem ? `${sigProblem.reason} (accepted: signatures not required)` : `digests OK; ${describe(headerOk as SignatureResult)}`;
    return verdict(true, sigProblem?.status ?? 'ok', reason);
  }
  if (sigProblem) return verdict(false, sigProblem.status, sigProblem.reason);

  // The header signature covers H, which holds PAYLOADDIGEST; without it something else must cover P.
  const payload = digests.find((d) => d.name === 'payload-sha256');
  if (payload?.status !== 'ok') {
    const legacyOk = signatures.find((s) => s.scope === 'legacy' && s.status === 'ok');
    const md5 = digests.find((d) => d.name === 'md5');
    if (!legacyOk && !(md5?.status === 'ok' && policy.allowWeakHashes)) {
      const what = md5?.status === 'ok' ? 'only MD5 (tag 1004) covers the payload' : 'nothing covers the payload';
      return verdict(false, 'weak-algorithm', `no payload SHA-256 (5092) and no verified legacy signature: ${what}`);
    }
  }
  return verdict(true, 'ok', `digests OK; ${describe(headerOk as SignatureResult)}`);
}

