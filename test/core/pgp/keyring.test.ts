// Keyring: indexing by fingerprint and key ID, and refusing keys that must not be trusted.
import * as openpgp from 'openpgp';
import { describe, expect, it } from 'vitest';
import { Keyring } from '../../../src/core/pgp/keyring.js';
import { announceSkip, corpusSkipReason } from '../../helpers/tools.js';
import { corpusFile, keyringOf } from './support.js';

const corpusReason = corpusSkipReason();
announceSkip('Keyring on third-party corpus keys', corpusReason);

const DAY = 86_400_000;

type GenOpts = Omit<Parameters<typeof openpgp.generateKey>[0], 'userIDs' | 'format'>;

async function gen(opts: GenOpts = {}): Promise<openpgp.PrivateKey> {
  const { privateKey } = await openpgp.generateKey({
    type: 'ecc', curve: 'ed25519Legacy', ...opts, userIDs: [{ name: 'Test', email: 't@example.com' }], format: 'object',
  });
  return privateKey;
}

describe('Keyring', () => {
  it('indexes primary keys and subkeys by lowercase fingerprint and key ID; only signing keys are usable', async () => {
    const key = await gen({ subkeys: [{}, { sign: true }] });
    const kr = new Keyring();
    const added = await kr.add(key.toPublic().armor());
    const [enc, signer] = key.subkeys;
    expect(added.map((i) => i.fingerprint)).toEqual([key.getFingerprint()]);
    expect(kr.fingerprints()).toEqual([key.getFingerprint()]);
    expect(kr.keys().map((k) => [k.fingerprint, k.subkey])).toEqual([
      [key.getFingerprint(), false], [enc!.getFingerprint(), true], [signer!.getFingerprint(), true]]);
    const meta = kr.keys()[2]!;
    expect(meta).toMatchObject({ primaryFingerprint: key.getFingerprint(), algorithm: 'EdDSA-Ed25519', pubkeyAlgorithm: 22, version: 4, userIds: ['Test <t@example.com>'], expires: null });
    expect(meta.fingerprint).toMatch(/^[0-9a-f]{40}$/);

    const bySub = await kr.lookup({ fingerprint: signer!.getFingerprint().toUpperCase() });
    expect(bySub.usable.map((k) => k.info.fingerprint)).toEqual([signer!.getFingerprint()]);
    expect(bySub.usable[0]!.material.kind).toBe('ed25519');
    const byId = await kr.lookup({ keyId: signer!.getKeyID().toHex() });
    expect(byId.usable).toHaveLength(1);
    expect((await kr.lookup({ fingerprint: key.getFingerprint() })).usable).toHaveLength(1);
    const encLookup = await kr.lookup({ fingerprint: enc!.getFingerprint() });
    expect(encLookup.usable).toHaveLength(0);
    expect(encLookup.refused[0]).toMatchObject({ reason: 'not-signing' });
    expect(await kr.lookup({ fingerprint: '00'.repeat(20) })).toEqual({ usable: [], refused: [] });
  });

  it('accepts binary keys and merges a key added twice', async () => {
    const key = await gen();
    const kr = new Keyring();
    await kr.add(key.toPublic().write());
    await kr.add(key.toPublic().write());
    expect(kr.fingerprints()).toHaveLength(1);
    expect(kr.keys()).toHaveLength(2);
  });

  it('refuses an expired key after its expiry and accepts it before', async () => {
    const created = new Date(Date.now() - 10 * DAY);
    const key = await gen({ keyExpirationTime: 86_400, date: created });
    const kr = new Keyring();
    await kr.add(key.toPublic().armor());
    const fpr = key.getFingerprint();
    expect(kr.keys()[0]!.expires?.getTime()).toBe(Math.floor(created.getTime() / 1000) * 1000 + DAY);
    const now = await kr.lookup({ fingerprint: fpr });
    expect(now.usable).toHaveLength(0);
    expect(now.refused[0]).toMatchObject({ reason: 'expired' });
    const then = await kr.lookup({ fingerprint: fpr }, new Date(created.getTime() + DAY / 2));
    expect(then.usable).toHaveLength(1);
  });

  it('refuses a revoked key, also when the revocation arrives after the key', async () => {
    const { privateKey, revocationCertificate } = await openpgp.generateKey({ type: 'rsa', rsaBits: 2048, userIDs: [{ email: 'r@example.com' }], format: 'object' });
    const kr = new Keyring();
    await kr.add(privateKey.toPublic().armor());
    expect((await kr.lookup({ fingerprint: privateKey.getFingerprint() })).usable).toHaveLength(1);
    const { publicKey: revoked } = await openpgp.revokeKey({ key: privateKey.toPublic(), revocationCertificate, format: 'armored' });
    await kr.add(revoked);
    const after = await kr.lookup({ fingerprint: privateKey.getFingerprint() });
    expect(after.usable).toHaveLength(0);
    expect(after.refused[0]).toMatchObject({ reason: 'revoked' });
  });

  it('refuses a revoked signing subkey but keeps the primary', async () => {
    const key = await gen({ subkeys: [{ sign: true }] });
    const revokedSub = await key.subkeys[0]!.revoke(key.keyPacket as openpgp.SecretKeyPacket);
    key.subkeys[0] = revokedSub;
    const kr = new Keyring();
    await kr.add(key.toPublic().write());
    const sub = await kr.lookup({ fingerprint: revokedSub.getFingerprint() });
    expect(sub.refused[0]).toMatchObject({ reason: 'revoked' });
    expect((await kr.lookup({ fingerprint: key.getFingerprint() })).usable).toHaveLength(1);
  });

  it('refuses a subkey bound by another primary key (CVE-2021-3521: unbound subkey)', async () => {
    const victim = await gen();
    const attacker = await gen({ subkeys: [{ sign: true }] });
    const stolen = attacker.toPublic().subkeys[0]!;
    const list = new openpgp.PacketList<openpgp.AnyPacket>();
    list.push(stolen.keyPacket, ...stolen.bindingSignatures);
    const spliced = new Uint8Array([...victim.toPublic().write(), ...list.write()]);
    const kr = new Keyring();
    await kr.add(spliced);
    const listed = kr.keys().find((k) => k.fingerprint === stolen.getFingerprint());
    expect(listed?.primaryFingerprint).toBe(victim.getFingerprint());
    const r = await kr.lookup({ fingerprint: stolen.getFingerprint() });
    expect(r.usable).toHaveLength(0);
    expect(r.refused[0]).toMatchObject({ reason: 'unbound' });
  });

  it('keeps keys that share a 64-bit key ID apart and returns both as candidates', async () => {
    const a = (await gen()).toPublic();
    const b = (await gen()).toPublic();
    // A real collision cannot be generated; make b report a's key ID as a colliding key would.
    const id = a.getKeyID();
    // Only the keyring's index sees the collision; openpgp's own checks then use the real ID.
    b.keyPacket.getKeyID = () => id;
    const kr = new Keyring();
    await kr.add([a, b]);
    delete (b.keyPacket as { getKeyID?: unknown }).getKeyID;
    expect(b.getKeyID().equals(id)).toBe(false);
    const r = await kr.lookup({ keyId: id.toHex() });
    expect(r.usable.map((k) => k.info.fingerprint).sort()).toEqual([a.getFingerprint(), b.getFingerprint()].sort());
    expect((await kr.lookup({ fingerprint: b.getFingerprint() })).usable).toHaveLength(1);
  });

  it('throws pgp.bad-key on input that is not a key', async () => {
    await expect(new Keyring().add('not a key')).rejects.toMatchObject({ code: 'pgp.bad-key' });
  });
});

describe.skipIf(corpusReason !== null)('Keyring on third-party corpus keys', () => {
  it('finds the v6 signing subkeys and refuses the certify-only v6 primaries', async () => {
    const kr = await keyringOf([
      corpusFile('rpm-rs/tests/assets/signing_keys/v6/rpm-testkey-v6-ed25519.asc'),
      corpusFile('rpm-rs/tests/assets/signing_keys/v6/rpm-testkey-v6-rsa4k.asc'),
    ]);
    const ed = await kr.lookup({ fingerprint: '715619ae2365d909eb991ff97a509cd76a0bac92f0e17c1c2525812852cedfc5' });
    expect(ed.usable[0]?.info).toMatchObject({ version: 6, algorithm: 'Ed25519', subkey: true });
    const primary = await kr.lookup({ fingerprint: 'ee11adb4fb08151e04ced70b413e0ace80950f1e78e7ecc6fdb8f64041dd35af' });
    expect(primary.refused[0]).toMatchObject({ reason: 'not-signing' });
    const rsa = await kr.lookup({ keyId: '12e1f31e46105918' });
    expect(rsa.usable[0]?.info.algorithm).toBe('RSA-4096');
  });

  it('reads the ECDSA P-256 key material', async () => {
    const kr = await keyringOf([corpusFile('rpm-rs/tests/assets/signing_keys/v4/rpm-testkey-v4-ecdsa-nistp256.asc')]);
    const r = await kr.lookup({ fingerprint: '560f3edd5d483fcf2e206993105c3db6d139a931' });
    expect(r.usable[0]?.material).toMatchObject({ kind: 'ecdsa', curve: 'P-256' });
  });
});
