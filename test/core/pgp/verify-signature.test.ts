// One signature packet against data or an unfinalised hash, for each supported algorithm.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { afterAll, describe, expect, it } from 'vitest';
import { nodePlatform } from '../../../src/adapters/node/platform.js';
import type { HashAlgorithm } from '../../../src/core/platform.js';
import { Keyring } from '../../../src/core/pgp/keyring.js';
import { parseSignaturePacket } from '../../../src/core/pgp/packet.js';
import { verifySignature } from '../../../src/core/pgp/verify-signature.js';
import { announceSkip, findTool, skipReason } from '../../helpers/tools.js';
import { ctime, oldPacket, sub, v4Body } from './support.js';

const DATA = new TextEncoder().encode('main header bytes stand-in '.repeat(40));
const HASHES: Record<number, HashAlgorithm> = { 2: 'sha1', 8: 'sha256', 9: 'sha384', 10: 'sha512', 11: 'sha224' };

function hashOf(alg: HashAlgorithm, data: Uint8Array) {
  const h = nodePlatform.createHash(alg);
  h.update(data);
  return h;
}

async function signWith(key: openpgp.PrivateKey, data: Uint8Array, hash: number, date?: Date): Promise<Uint8Array> {
  const config = { preferredHashAlgorithm: hash } as openpgp.PartialConfig;
  const message = await openpgp.createMessage({ binary: data });
  return openpgp.sign({ message, signingKeys: key, detached: true, format: 'binary', config, date });
}

type GenOpts = Omit<Parameters<typeof openpgp.generateKey>[0], 'userIDs' | 'format'>;
type Case = [string, GenOpts, number, { legacy: 'ok' | 'unsupported'; algorithm: string }];
const CASES: Case[] = [
  ['RSA-2048 SHA-256', { type: 'rsa', rsaBits: 2048 }, 8, { legacy: 'ok', algorithm: 'RSA' }],
  ['RSA-2048 SHA-384', { type: 'rsa', rsaBits: 2048 }, 9, { legacy: 'ok', algorithm: 'RSA' }],
  ['ECDSA P-256 SHA-256', { type: 'ecc', curve: 'nistP256' }, 8, { legacy: 'unsupported', algorithm: 'ECDSA' }],
  ['ECDSA P-384 SHA-384', { type: 'ecc', curve: 'nistP384' }, 9, { legacy: 'unsupported', algorithm: 'ECDSA' }],
  ['ECDSA P-521 SHA-512', { type: 'ecc', curve: 'nistP521' }, 10, { legacy: 'unsupported', algorithm: 'ECDSA' }],
  ['EdDSA legacy SHA-512', { type: 'ecc', curve: 'ed25519Legacy' }, 10, { legacy: 'ok', algorithm: 'EdDSA' }],
  ['Ed25519 (v4 key, algo 27) SHA-256', { type: 'curve25519' }, 8, { legacy: 'ok', algorithm: 'Ed25519' }],
  ['Ed25519 v6 key SHA-512 (salted)', { type: 'curve25519', config: { v6Keys: true } as openpgp.PartialConfig }, 10, { legacy: 'unsupported', algorithm: 'Ed25519' }],
];

describe('verifySignature with openpgp-generated keys', () => {
  it.each(CASES)('%s', async (_name, opts, hash, want) => {
    const config = { ...opts.config, preferredHashAlgorithm: hash } as openpgp.PartialConfig;
    const { privateKey } = await openpgp.generateKey({ ...opts, config, userIDs: [{ email: 's@example.com' }], format: 'object' });
    const sig = await signWith(privateKey, DATA, hash);
    const kr = new Keyring();
    await kr.add(privateKey.toPublic().armor());
    const ok = await verifySignature(sig, { data: DATA }, kr);
    expect(ok).toMatchObject({ status: 'ok', algorithm: want.algorithm, hashAlgorithm: hash });
    expect(ok.signer?.primaryFingerprint).toBe(privateKey.getFingerprint());

    const legacy = await verifySignature(sig, { hash: hashOf(HASHES[hash]!, DATA) }, kr);
    expect(legacy.status).toBe(want.legacy);

    const tampered = DATA.slice();
    tampered[5] = (tampered[5] ?? 0) ^ 1;
    expect((await verifySignature(sig, { data: tampered }, kr)).status).toBe('bad');
    if (want.legacy === 'ok') expect((await verifySignature(sig, { hash: hashOf(HASHES[hash]!, tampered) }, kr)).status).toBe('bad');

    // Same digest prefix, wrong signature value: left16 passes, the key check must fail.
    const p = parseSignaturePacket(sig);
    const forged = { ...p, mpis: p.mpis.map((m) => m.map((b, i) => (i === m.length - 1 ? b ^ 1 : b))), raw: p.raw.map((b, i) => (i === 0 ? b ^ 1 : b)) };
    expect((await verifySignature(forged, { data: DATA }, kr)).status).toBe('bad');

    expect((await verifySignature(sig, { data: DATA }, new Keyring())).status).toBe('nokey');
  });

  it('tries every key sharing the issuer key ID and reports the one that verifies', async () => {
    const real = (await openpgp.generateKey({ type: 'rsa', rsaBits: 2048, userIDs: [{ email: 'a@example.com' }], format: 'object' })).privateKey;
    const decoy = (await openpgp.generateKey({ type: 'rsa', rsaBits: 2048, userIDs: [{ email: 'b@example.com' }], format: 'object' })).privateKey.toPublic();
    const id = real.getKeyID();
    decoy.keyPacket.getKeyID = () => id;
    const kr = new Keyring();
    await kr.add([decoy]);
    delete (decoy.keyPacket as { getKeyID?: unknown }).getKeyID;
    await kr.add(real.toPublic().armor());
    const p = parseSignaturePacket(await signWith(real, DATA, 8));
    // Look up by key ID only, as for v3 signatures and issuer-fingerprint-less v4 ones.
    const r = await verifySignature({ ...p, issuerFingerprint: null }, { data: DATA }, kr);
    expect(r.status).toBe('ok');
    expect(r.signer?.fingerprint).toBe(real.getFingerprint());
  });

  it('refuses an expired key as untrusted, and accepts it at a date inside its validity', async () => {
    const created = new Date(Date.now() - 10 * 86_400_000);
    const { privateKey } = await openpgp.generateKey({ type: 'ecc', curve: 'ed25519Legacy', userIDs: [{ email: 'e@example.com' }], keyExpirationTime: 86_400, date: created, format: 'object' });
    const signedAt = new Date(created.getTime() + 3_600_000);
    const sig = await signWith(privateKey, DATA, 8, signedAt);
    const kr = new Keyring();
    await kr.add(privateKey.toPublic().armor());
    const now = await verifySignature(sig, { data: DATA }, kr);
    expect(now.status).toBe('untrusted');
    expect(now.reason).toMatch(/expired/);
    expect((await verifySignature(sig, { data: DATA }, kr, { date: new Date(signedAt.getTime() + 1000) })).status).toBe('ok');
  });
});

describe('verifySignature refuses packets rpm refuses', () => {
  const kr = new Keyring();
  const fpr = sub(33, [4, ...new Array<number>(20).fill(1)]);
  it.each([
    ['no hashed creation time', v4Body({ hashed: fpr, unhashed: ctime() }), /creation-time/],
    ['signature type 0x01 (text)', v4Body({ sigType: 1, hashed: [...ctime(), ...fpr] }), /type 0x1/],
    ['no issuer', v4Body({ hashed: ctime() }), /no issuer/],
    ['unknown version', [1, 2, 3], /version 1/],
  ])('%s → malformed', async (_n, body, why) => {
    const r = await verifySignature(oldPacket(body), { data: DATA }, kr);
    expect(r.status).toBe('malformed');
    expect(r.reason).toMatch(why);
  });
});

const gpg = findTool('gpg');
const gpgReason = skipReason({ tools: ['gpg'] });
announceSkip('verifySignature on gpg signatures', gpgReason);
describe.skipIf(gpgReason !== null)('verifySignature on gpg signatures: DSA, SHA-224, SHA-1', () => {
  const home = mkdtempSync(join(tmpdir(), 'bpgp-'));
  const run = (args: string[]): string => execFileSync(gpg as string, ['--homedir', home, '--batch', '--no-tty', '--quiet', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], { encoding: 'utf8' });
  afterAll(() => {
    const gpgconf = findTool('gpgconf');
    if (gpgconf) execFileSync(gpgconf, ['--homedir', home, '--kill', 'all']);
    rmSync(home, { recursive: true, force: true });
  });
  const file = join(home, 'data.bin');
  writeFileSync(file, DATA);

  async function signed(algo: string, digest: string): Promise<{ sig: Uint8Array; kr: Keyring }> {
    const uid = `${algo}-${digest}@test`;
    run(['--quick-gen-key', uid, algo, 'sign', 'never']);
    const out = join(home, `${uid}.sig`);
    run(['--local-user', uid, '--digest-algo', digest, '--detach-sign', '--output', out, file]);
    const kr = new Keyring();
    await kr.add(run(['--armor', '--export', uid]));
    return { sig: new Uint8Array(readFileSync(out)), kr };
  }

  it.each([
    ['dsa2048', 'SHA256', 'sha256'],
    ['dsa2048', 'SHA512', 'sha512'],
    ['dsa3072', 'SHA384', 'sha384'],
    ['rsa2048', 'SHA224', 'sha224'],
  ] as const)('%s with %s verifies over data and over an unfinalised hash', async (algo, digest, alg) => {
    const { sig, kr } = await signed(algo, digest);
    expect((await verifySignature(sig, { data: DATA }, kr)).status).toBe('ok');
    expect((await verifySignature(sig, { hash: hashOf(alg, DATA) }, kr)).status).toBe('ok');
    expect((await verifySignature(sig, { data: DATA.subarray(1) }, kr)).status).toBe('bad');
  });

  it('refuses a SHA-1 signature as weak unless the policy allows it', async () => {
    const { sig, kr } = await signed('rsa2048', 'SHA1');
    const weak = await verifySignature(sig, { data: DATA }, kr);
    expect(weak.status).toBe('weak-algorithm');
    expect(weak.signer).not.toBeNull();
    expect((await verifySignature(sig, { data: DATA }, kr, { allowWeakHashes: true })).status).toBe('ok');
    expect((await verifySignature(sig, { hash: hashOf('sha1', DATA) }, kr, { allowWeakHashes: true })).status).toBe('ok');
  });
});
