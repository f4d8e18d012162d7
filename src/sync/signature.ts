/**
 * repomd.xml authenticity: a detached OpenPGP signature (armored or binary, as librepo takes
 * either) over the exact repomd.xml bytes, checked with openpgp against the given key(s).
 */
import * as openpgp from 'openpgp';
import { SyncError } from './errors.js';

export interface TrustedKeys {
  keys: openpgp.PublicKey[];
  /** Uppercase primary fingerprints, for messages. */
  fingerprints: string[];
  armored: string;
}

export async function readTrustedKeys(bytes: Uint8Array, what: string): Promise<TrustedKeys> {
  const text = new TextDecoder().decode(bytes);
  let keys: openpgp.Key[];
  try {
    keys = text.includes('-----BEGIN PGP PUBLIC KEY BLOCK-----')
      ? await openpgp.readKeys({ armoredKeys: text })
      : await openpgp.readKeys({ binaryKeys: bytes });
  } catch (e) {
    throw new SyncError('sync.bad-key', `${what} is not an OpenPGP public key: ${(e as Error).message}`);
  }
  const pub = keys.map((k) => (k.isPrivate() ? k.toPublic() : (k as openpgp.PublicKey)));
  const armored = pub.map((k) => k.armor()).join('\n');
  return { keys: pub, fingerprints: pub.map((k) => k.getFingerprint().toUpperCase()), armored };
}

/** Resolves with the fingerprint of the key that made a valid signature; throws sync.bad-signature otherwise. */
export async function verifyDetached(data: Uint8Array, signature: Uint8Array, trusted: TrustedKeys): Promise<string> {
  let sig: openpgp.Signature;
  try {
    const text = new TextDecoder().decode(signature);
    sig = text.includes('-----BEGIN PGP SIGNATURE-----')
      ? await openpgp.readSignature({ armoredSignature: text })
      : await openpgp.readSignature({ binarySignature: signature });
  } catch (e) {
    throw new SyncError('sync.bad-signature', `repomd.xml.asc is not an OpenPGP signature: ${(e as Error).message}`);
  }
  const message = await openpgp.createMessage({ binary: data });
  const result = await openpgp.verify({ message, signature: sig, verificationKeys: trusted.keys, format: 'binary' });
  const reasons: string[] = [];
  for (const s of result.signatures) {
    try {
      await s.verified;
      const signer = trusted.keys.find((k) => k.getKeys(s.keyID).length > 0);
      return (signer?.getFingerprint() ?? s.keyID.toHex()).toUpperCase();
    } catch (e) {
      reasons.push((e as Error).message);
    }
  }
  throw new SyncError('sync.bad-signature',
    `repomd.xml signature does not verify with ${trusted.fingerprints.join(', ')}: ${reasons.join('; ') || 'no signature'}`);
}
