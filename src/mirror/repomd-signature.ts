/**
 * Checks upstream's detached repomd.xml signature (armored or binary, as librepo accepts both)
 * against the configured upstream key(s): one valid signature by one of them suffices, as
 * with gpgme during a key rotation.
 */
import * as openpgp from 'openpgp';
import { MirrorError } from './errors.js';

export async function readUpstreamKeys(armored: string): Promise<openpgp.Key[]> {
  try {
    return await openpgp.readKeys({ armoredKeys: armored });
  } catch (e) {
    throw new MirrorError('invalid_key', `the upstream key is not an armored OpenPGP public key: ${(e as Error).message}`);
  }
}

/** Fingerprints (uppercase) of the configured key(s), for the API. */
export async function keyFingerprints(armored: string): Promise<string[]> {
  return (await readUpstreamKeys(armored)).map((k) => k.getFingerprint().toUpperCase());
}

export async function verifyRepomdSignature(repomd: Uint8Array, asc: Uint8Array, armoredKeys: string, date: Date): Promise<string> {
  const keys = await readUpstreamKeys(armoredKeys);
  let signature: openpgp.Signature;
  try {
    const text = new TextDecoder().decode(asc);
    signature = text.includes('-----BEGIN PGP SIGNATURE-----')
      ? await openpgp.readSignature({ armoredSignature: text })
      : await openpgp.readSignature({ binarySignature: asc });
  } catch (e) {
    throw new MirrorError('repomd_bad_signature', `upstream repomd.xml.asc is not an OpenPGP signature: ${(e as Error).message}`);
  }
  const message = await openpgp.createMessage({ binary: repomd });
  const result = await openpgp.verify({ message, signature, verificationKeys: keys, date, format: 'binary' });
  const reasons: string[] = [];
  for (const s of result.signatures) {
    try {
      await s.verified;
      const key = keys.find((k) => k.getKeys(s.keyID).length > 0);
      return (key?.getFingerprint() ?? s.keyID.toHex()).toUpperCase();
    } catch (e) {
      reasons.push(`${s.keyID.toHex().toUpperCase()}: ${(e as Error).message}`);
    }
  }
  throw new MirrorError('repomd_bad_signature',
    `upstream repomd.xml signature does not verify with the configured upstream key: ${reasons.join('; ') || 'no signature'}`);
}
