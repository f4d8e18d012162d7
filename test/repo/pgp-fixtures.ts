/** Small OpenPGP keys for trusted-key tests, made with openpgp (fast curve25519 keys). */
import * as openpgp from 'openpgp';

export interface TestPgpKey {
  publicArmored: string;
  privateArmored: string;
  /** Uppercase hex. */
  fingerprint: string;
  privateKey: openpgp.PrivateKey;
}

async function make(name: string, options: { date?: Date; keyExpirationTime?: number } = {}): Promise<TestPgpKey> {
  const { privateKey, publicKey } = await openpgp.generateKey({
    type: 'ecc', // default curve: Ed25519 (legacy EdDSA) primary, what gpg makes by default
    userIDs: [{ name, email: `${name.toLowerCase().replace(/\W+/g, '.')}@example.test` }],
    format: 'object',
    ...options,
  });
  return {
    publicArmored: publicKey.armor(),
    privateArmored: privateKey.armor(),
    fingerprint: publicKey.getFingerprint().toUpperCase(),
    privateKey,
  };
}

export function publisherKey(name = 'Publisher'): Promise<TestPgpKey> {
  return make(name);
}

/** A key that expired a day before `now`. */
export function expiredKey(now: Date): Promise<TestPgpKey> {
  return make('Expired', { date: new Date(now.getTime() - 10 * 86400_000), keyExpirationTime: 86400 });
}

export async function revokedKey(): Promise<TestPgpKey> {
  const k = await make('Revoked');
  const { publicKey } = await openpgp.revokeKey({ key: k.privateKey, format: 'object' });
  return { ...k, publicArmored: publicKey.armor() };
}
