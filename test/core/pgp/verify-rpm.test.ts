// Package-level verdicts: packages signed here (rpmsign), tampering, policy, and the third-party
// corpus when it is there.
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodePlatform } from '../../../src/adapters/node/platform.js';
import { toHex } from '../../../src/core/platform.js';
import type { RpmReadResult } from '../../../src/core/rpm/index.js';
import { Keyring } from '../../../src/core/pgp/keyring.js';
import { legacyHashAlgorithms, verifyRpm } from '../../../src/core/pgp/verify-rpm.js';
import { disposeSignedPackages, signedPackages, signedPackagesReason, type SignedPackages } from '../../helpers/signed-packages.js';
import { announceSkip, corpusSkipReason } from '../../helpers/tools.js';
import { corpus, corpusFile, keyringOf, manifest, readBytes, readFile } from './support.js';

const corpusReason = corpusSkipReason();
announceSkip('verifyRpm on the third-party corpus', corpusReason);
const signedReason = signedPackagesReason();
announceSkip('verifyRpm on packages signed here', signedReason);

describe.skipIf(corpusReason !== null)('verifyRpm on the third-party corpus', () => {
  const entries = corpus === null ? [] : manifest().filter((e) => e.nevra !== null);
  const allKeys = corpus === null ? [] : manifest().filter((e) => /\.(asc|pub)$/.test(e.file)).map((e) => corpusFile(e.file));

  it.each(entries.map((e) => [e.file, e] as const))('%s', async (_f, e) => {
    // The manifest names some key files the corpus does not ship (CVE-2021-3521-*, type-confusion);
    // use those present, or all corpus keys when none is.
    const present = (e.key_files ?? []).map(corpusFile).filter((f) => existsSync(f));
    const kr = await keyringOf(present.length > 0 ? present : allKeys);
    const v = await verifyRpm(await readFile(corpusFile(e.file)), kr);
    const sigs = e.signatures ?? [];
    if (/corrupted/.test(e.file)) {
      expect(v).toMatchObject({ ok: false, status: 'digest-mismatch' });
      expect(v.reason).toMatch(/^payload-sha256 \(tag 5092\)/);
      expect(v.digests.find((d) => d.name === 'payload-sha256')?.status).toBe('bad');
      // The header signature itself is fine: only the payload digest catches this.
      expect(v.signatures.find((s) => s.tag === 268)?.status).toBe('ok');
    } else if (sigs.length === 0) {
      expect(v).toMatchObject({ ok: false, status: 'unsigned' });
      expect(v.digests.every((d) => d.status !== 'bad')).toBe(true);
    } else if (/empty-signed-rsa/.test(e.file)) {
      expect(v).toMatchObject({ ok: false, status: 'nokey' });
    } else {
      expect(v).toMatchObject({ ok: true, status: 'ok' });
      const fprs = sigs.map((s) => s.fpr).filter((f) => f !== undefined);
      if (fprs.length > 0) expect(fprs).toContain(v.signer?.fingerprint);
      else expect(v.signer?.keyId).toBe(sigs[0]!.keyid);
      // Every signature present verifies (multiple-signature v6 package: Ed25519 and RSA).
      expect(v.signatures.map((s) => s.status)).toEqual(sigs.map(() => 'ok'));
    }
  });
});

let signed: SignedPackages;
const pkg = (name: keyof SignedPackages['file']): string => signed.file[name];
const exampleKeys = (): Promise<Keyring> => keyringOf([signed.keys.rsa.publicKeyFile, signed.keys.ed25519.publicKeyFile]);

/** Re-derives the header digests after editing H, so only the signature can notice. */
function withHeader(r: RpmReadResult, header: Uint8Array): RpmReadResult {
  const hex = (alg: 'sha1' | 'sha256'): string => {
    const h = nodePlatform.createHash(alg);
    h.update(header);
    return toHex(h.digest());
  };
  const headerSha1 = hex('sha1');
  const headerSha256 = hex('sha256');
  return { ...r, header, signatureHeader: { ...r.signatureHeader, headerSha1, headerSha256 }, computed: { ...r.computed, headerSha1, headerSha256 } };
}

describe.skipIf(signedReason !== null)('verifyRpm on packages signed here with rpmsign (test keys: RSA 3072, Ed25519)', () => {
  beforeAll(async () => {
    signed = await signedPackages();
  }, 120_000);
  afterAll(() => disposeSignedPackages());

  // gpg 2.2 signs with SHA-512 for RSA 3072 and SHA-256 for Ed25519 (rpm -qp --qf '%{RSAHEADER:pgpsig}' says so too)
  it.each([
    ['rsa-signed', 'rsa', 'RSA', 'SHA512'],
    ['ed25519-signed', 'ed25519', 'EdDSA', 'SHA256'],
    ['rsa-v3v4-signed', 'rsa', 'RSA', 'SHA512'],
  ] as const)('%s → ok by the %s key', async (name, key, algorithm, hash) => {
    const fpr = signed.keys[key].fingerprint;
    const v = await verifyRpm(await readFile(pkg(name)), await exampleKeys());
    expect(v).toMatchObject({ ok: true, status: 'ok', signer: { fingerprint: fpr, keyId: fpr.slice(24), algorithm, hash } });
    expect(v.digests.filter((d) => d.status === 'ok').map((d) => d.name).sort()).toEqual(['header-sha1', 'header-sha256', 'md5', 'payload-sha256', 'size']);
  });

  it('unsigned → unsigned', async () => {
    expect(await verifyRpm(await readFile(pkg('unsigned')), await exampleKeys())).toMatchObject({ ok: false, status: 'unsigned' });
  });

  it('verifies the legacy 1002 signature over H‖P, and rejects the package when it is bad', async () => {
    const r = await readFile(pkg('rsa-v3v4-signed'));
    const v = await verifyRpm(r, await exampleKeys());
    expect(v.signatures.map((s) => [s.tag, s.scope, s.status])).toEqual([[268, 'header', 'ok'], [1002, 'legacy', 'ok']]);
    // An H‖P hash over other bytes stands for a payload the legacy signature does not cover.
    const wrong = nodePlatform.createHash('sha512');
    wrong.update(new Uint8Array([1, 2, 3]));
    const v2 = await verifyRpm({ ...r, computed: { ...r.computed, headerPayload: { sha512: wrong } } }, await exampleKeys());
    expect(v2).toMatchObject({ ok: false, status: 'bad-signature' });
    expect(v2.reason).toMatch(/tag 1002/);
  });

  it('a flipped byte in H of the signed file fails (header digest or signature)', async () => {
    const bytes = new Uint8Array(readFileSync(pkg('rsa-signed')));
    const { headerStart, headerEnd } = (await readBytes(bytes)).pkg;
    const at = headerEnd - 40; // inside the main header's store
    expect(at).toBeGreaterThan(headerStart + 16);
    bytes[at] = (bytes[at] ?? 0) ^ 0x01;
    const v = await verifyRpm(await readBytes(bytes), await exampleKeys());
    expect(v.ok).toBe(false);
    expect(['digest-mismatch', 'bad-signature']).toContain(v.status);
    expect(v.digests.find((d) => d.name === 'header-sha256')?.status).toBe('bad');
  });

  it.each(['rsa-signed', 'ed25519-signed'] as const)('%s: a changed H with matching digests is a bad signature', async (name) => {
    const r = await readFile(pkg(name));
    const h = r.header.slice();
    h[h.length - 20] = (h[h.length - 20] ?? 0) ^ 0x40;
    const v = await verifyRpm(withHeader(r, h), await exampleKeys());
    expect(v).toMatchObject({ ok: false, status: 'bad-signature' });
  });

  it('nokey with an empty keyring; untrusted with a key that is not valid now', async () => {
    const r = await readFile(pkg('ed25519-signed'));
    expect(await verifyRpm(r, new Keyring())).toMatchObject({ ok: false, status: 'nokey' });
    const kr = await exampleKeys();
    const created = kr.keys().find((k) => k.fingerprint === signed.keys.ed25519.fingerprint)!.created;
    const v = await verifyRpm(r, kr, { date: new Date(created.getTime() - 86_400_000) });
    expect(v.status).toBe('untrusted');
  });

  it('without PAYLOADDIGEST an MD5-only payload is weak unless allowed or a legacy signature covers it', async () => {
    const signed = await readFile(pkg('rsa-signed'));
    const noPayloadDigest = { ...signed, payloadDigest: null };
    const v = await verifyRpm(noPayloadDigest, await exampleKeys());
    expect(v).toMatchObject({ ok: false, status: 'weak-algorithm' });
    expect(v.reason).toMatch(/only MD5/);
    expect(await verifyRpm(noPayloadDigest, await exampleKeys(), { allowWeakHashes: true })).toMatchObject({ ok: true, status: 'ok' });
    const v3v4 = await readFile(pkg('rsa-v3v4-signed'));
    expect(await verifyRpm({ ...v3v4, payloadDigest: null }, await exampleKeys())).toMatchObject({ ok: true, status: 'ok' });
  });

  it('digest mismatch wins over signature problems and names the digest', async () => {
    const r = await readFile(pkg('rsa-signed'));
    const v = await verifyRpm({ ...r, computed: { ...r.computed, md5: '00'.repeat(16) } }, new Keyring());
    expect(v).toMatchObject({ ok: false, status: 'digest-mismatch' });
    expect(v.reason).toMatch(/^md5 \(tag 1004\)/);
  });

  it('legacyHashAlgorithms lists the hashes of legacy signatures only', async () => {
    expect(legacyHashAlgorithms((await readFile(pkg('rsa-v3v4-signed'))).signatureHeader)).toEqual(['sha512']);
    expect(legacyHashAlgorithms((await readFile(pkg('rsa-signed'))).signatureHeader)).toEqual([]);
  });

  it('with signatures not required, an unsigned package passes on digests alone; a damaged payload does not', async () => {
    const v = await verifyRpm(await readFile(pkg('unsigned')), new Keyring(), { requireSignature: false });
    expect(v).toMatchObject({ ok: true, status: 'unsigned' });
    const damaged = new Uint8Array(readFileSync(pkg('rsa-signed')));
    damaged[damaged.length - 10]! ^= 0x01;
    const r = await verifyRpm(await readBytes(damaged), new Keyring(), { requireSignature: false });
    expect(r).toMatchObject({ ok: false, status: 'digest-mismatch' });
    expect(r.reason).toMatch(/^payload-sha256 \(tag 5092\)/);
    // the header signature is fine: only the payload digest catches it
    expect((await verifyRpm(await readBytes(damaged), await exampleKeys())).signatures.find((s) => s.tag === 268)?.status).toBe('ok');
  });
});
