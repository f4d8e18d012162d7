import * as openpgp from 'openpgp';
import { beforeAll, describe, expect, it } from 'vitest';
import { addTrustedKey, listTrustedKeys, removeTrustedKey, trustedKeyring } from '../../src/repo/trusted-keys.js';
import { trustedKeyKey } from '../../src/storage/keys.js';
import { createMemoryBlobStore } from '../../src/storage/memory-store.js';
import { expiredKey, publisherKey, revokedKey, type TestPgpKey } from './pgp-fixtures.js';

const NOW = new Date();

describe('trusted keys', () => {
  let tenantKey: TestPgpKey;
  let repoKey: TestPgpKey;
  let otherRepoKey: TestPgpKey;
  beforeAll(async () => {
    [tenantKey, repoKey, otherRepoKey] = await Promise.all([publisherKey('Tenant'), publisherKey('Repo'), publisherKey('Other')]);
  });

  it('adds a valid public key and reports it', async () => {
    const store = createMemoryBlobStore();
    const info = await addTrustedKey(store, { tenant: 'acme' }, tenantKey.publicArmored, NOW);
    expect(info.fingerprint.toUpperCase()).toBe(tenantKey.fingerprint);
    expect(info.subkey).toBe(false);
    expect(info.userIds[0]).toContain('Tenant');
    const stored = await store.get(trustedKeyKey('acme', undefined, tenantKey.fingerprint));
    const text = await new Response(stored?.body).text();
    expect(text).toMatch(/PUBLIC KEY BLOCK/);
    expect((await listTrustedKeys(store, { tenant: 'acme' })).map((k) => k.fingerprint.toUpperCase())).toEqual([tenantKey.fingerprint]);
  });

  it('keyring of a repo = tenant keys + that repo’s keys, never another repo’s', async () => {
    const store = createMemoryBlobStore();
    await addTrustedKey(store, { tenant: 'acme' }, tenantKey.publicArmored, NOW);
    await addTrustedKey(store, { tenant: 'acme', repo: 'x' }, repoKey.publicArmored, NOW);
    await addTrustedKey(store, { tenant: 'acme', repo: 'y' }, otherRepoKey.publicArmored, NOW);
    await addTrustedKey(store, { tenant: 'beta' }, otherRepoKey.publicArmored, NOW);
    const ring = await trustedKeyring(store, 'acme', 'x');
    expect(ring.fingerprints().map((f) => f.toUpperCase()).sort()).toEqual([tenantKey.fingerprint, repoKey.fingerprint].sort());
    const y = await trustedKeyring(store, 'acme', 'y');
    expect(y.fingerprints().map((f) => f.toUpperCase()).sort()).toEqual([tenantKey.fingerprint, otherRepoKey.fingerprint].sort());
    const z = await trustedKeyring(store, 'acme', 'z');
    expect(z.fingerprints().map((f) => f.toUpperCase())).toEqual([tenantKey.fingerprint]);
    expect((await listTrustedKeys(store, { tenant: 'acme', repo: 'x' })).map((k) => k.fingerprint.toUpperCase())).toEqual([repoKey.fingerprint]);
    const usable = await ring.lookup({ fingerprint: repoKey.fingerprint }, NOW);
    expect(usable.usable.length + usable.refused.length).toBe(1);
  });

  it('removes keys by fingerprint in either case', async () => {
    const store = createMemoryBlobStore();
    await addTrustedKey(store, { tenant: 'acme', repo: 'x' }, repoKey.publicArmored, NOW);
    expect(await removeTrustedKey(store, { tenant: 'acme' }, repoKey.fingerprint)).toBe(false);
    expect(await removeTrustedKey(store, { tenant: 'acme', repo: 'x' }, repoKey.fingerprint.toLowerCase())).toBe(true);
    expect(await listTrustedKeys(store, { tenant: 'acme', repo: 'x' })).toEqual([]);
    expect(await removeTrustedKey(store, { tenant: 'acme', repo: 'x' }, repoKey.fingerprint)).toBe(false);
  });

  it('reuses a parsed keyring while the same key blobs are listed; a key added, replaced or removed makes a new one', async () => {
    const store = createMemoryBlobStore();
    const fprs = async (): Promise<string[]> => (await trustedKeyring(store, 'acme', 'x')).fingerprints().map((f) => f.toUpperCase()).sort();
    await addTrustedKey(store, { tenant: 'acme' }, tenantKey.publicArmored, NOW);
    const first = await trustedKeyring(store, 'acme', 'x');
    expect(await trustedKeyring(store, 'acme', 'x')).toBe(first);
    // another repo of the tenant gets a ring of its own
    expect(await trustedKeyring(store, 'acme', 'y')).not.toBe(first);

    await addTrustedKey(store, { tenant: 'acme', repo: 'x' }, repoKey.publicArmored, NOW);
    const second = await trustedKeyring(store, 'acme', 'x');
    expect(second).not.toBe(first);
    expect(await fprs()).toEqual([tenantKey.fingerprint, repoKey.fingerprint].sort());
    expect(await trustedKeyring(store, 'acme', 'x')).toBe(second);

    // the same key stored again (a new ETag): read again
    await addTrustedKey(store, { tenant: 'acme' }, tenantKey.publicArmored, NOW);
    const third = await trustedKeyring(store, 'acme', 'x');
    expect(third).not.toBe(second);

    // removed, on this store object or through another on the same data: gone at once
    expect(await removeTrustedKey(store, { tenant: 'acme', repo: 'x' }, repoKey.fingerprint)).toBe(true);
    expect(await fprs()).toEqual([tenantKey.fingerprint]);
    await store.delete(trustedKeyKey('acme', undefined, tenantKey.fingerprint));
    expect(await fprs()).toEqual([]);
  });

  it('tolerates a publisher clock a few minutes ahead, not days', async () => {
    const store = createMemoryBlobStore();
    const soon = await publisherKey('Skewed');
    const fiveMinutesEarlier = new Date(soon.privateKey.getCreationTime().getTime() - 5 * 60_000);
    await expect(addTrustedKey(store, { tenant: 'acme' }, soon.publicArmored, fiveMinutesEarlier)).resolves.toMatchObject({ subkey: false });
    const dayEarlier = new Date(soon.privateKey.getCreationTime().getTime() - 86400_000);
    await expect(addTrustedKey(store, { tenant: 'acme' }, soon.publicArmored, dayEarlier)).rejects.toMatchObject({ code: 'invalid_key' });
  });

  const refusals: [string, () => Promise<string>, string][] = [
    ['a secret key', async () => tenantKey.privateArmored, 'secret_key'],
    ['an expired key', async () => (await expiredKey(NOW)).publicArmored, 'expired'],
    ['a revoked key', async () => (await revokedKey()).publicArmored, 'revoked'],
    ['garbage', async () => 'not a key at all', 'unreadable'],
    ['two keys in one block', async () => {
      const a = await openpgp.readKey({ armoredKey: tenantKey.publicArmored });
      const b = await openpgp.readKey({ armoredKey: repoKey.publicArmored });
      return openpgp.armor(openpgp.enums.armor.publicKey, new Uint8Array([...a.write(), ...b.write()]));
    }, 'not_one_key'],
  ];
  for (const [what, make, reason] of refusals) {
    it(`refuses ${what} with 422 invalid_key (${reason}) and stores nothing`, async () => {
      const store = createMemoryBlobStore();
      const err = await addTrustedKey(store, { tenant: 'acme' }, await make(), NOW).catch((e: unknown) => e);
      expect(err).toMatchObject({ kind: 'unprocessable', code: 'invalid_key', details: { reason } });
      expect((await store.list('')).items).toEqual([]);
    });
  }
});
