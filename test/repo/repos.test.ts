import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepo, getRepo, listRepos, metadataPublicKeyArmored, metadataSigningKey, signDetached } from '../../src/repo/repos.js';
import { createTenant } from '../../src/repo/tenants.js';
import type { BlobStore } from '../../src/storage/blob-store.js';
import { metadataKeyKey, repoConfigKey, repoFragmentKey } from '../../src/storage/keys.js';
import { createMemoryBlobStore } from '../../src/storage/memory-store.js';
import { announceSkip, skipReason } from '../helpers/tools.js';

const NOW = new Date('2026-06-01T12:00:00Z');

async function text(store: BlobStore, key: string): Promise<string | null> {
  const obj = await store.get(key);
  return obj ? new Response(obj.body).text() : null;
}

describe('repos', () => {
  let store: BlobStore;
  beforeAll(async () => {
    store = createMemoryBlobStore();
    await createTenant(store, 'acme', NOW);
    await createTenant(store, 'other', NOW);
  });

  it('creates a repo with its own RSA-3072 signing key (primary only, no subkey)', async () => {
    const started = performance.now();
    const repo = await createRepo(store, { tenant: 'acme', name: 'stable', public: true, allowUnsigned: false }, NOW);
    const ms = performance.now() - started;
    console.info(`[bench] createRepo with RSA-3072 key generation: ${ms.toFixed(0)} ms`);
    expect(repo).toMatchObject({ tenant: 'acme', name: 'stable', public: true, allowUnsigned: false, createdAt: NOW.toISOString() });
    expect(repo.metadataKey.algorithm).toBe('RSA-3072');
    const key = await metadataSigningKey(store, 'acme', 'stable');
    expect(key.getFingerprint().toUpperCase()).toBe(repo.metadataKey.fingerprint);
    expect(key.getKeys()).toHaveLength(1);
    expect(key.keyPacket.version).toBe(4);
    expect(await getRepo(store, 'acme', 'stable')).toEqual(repo);
    // The config never holds key material.
    expect(await text(store, repoConfigKey('acme', 'stable'))).not.toMatch(/PGP/);
  });

  it('serves only the public half', async () => {
    const armored = await metadataPublicKeyArmored(store, 'acme', 'stable');
    expect(armored).toMatch(/^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
    expect(armored).not.toMatch(/PRIVATE/);
    const pub = await openpgp.readKey({ armoredKey: armored as string });
    expect(pub.isPrivate()).toBe(false);
    expect(await metadataPublicKeyArmored(store, 'acme', 'nope')).toBeNull();
    expect(await text(store, metadataKeyKey('acme', 'stable'))).toMatch(/PRIVATE KEY BLOCK/);
  });

  it('signs detached, armored, with SHA-256, verifiable by the public key', async () => {
    const data = new TextEncoder().encode('<repomd>hello</repomd>\n');
    const sig = await signDetached(store, 'acme', 'stable', data);
    expect(sig).toMatch(/^-----BEGIN PGP SIGNATURE-----/);
    const signature = await openpgp.readSignature({ armoredSignature: sig });
    const packet = signature.packets[0] as unknown as { hashAlgorithm: number };
    expect(packet.hashAlgorithm).toBe(openpgp.enums.hash.sha256);
    const pub = await openpgp.readKey({ armoredKey: (await metadataPublicKeyArmored(store, 'acme', 'stable')) as string });
    const ok = await openpgp.verify({ message: await openpgp.createMessage({ binary: data }), signature, verificationKeys: pub });
    await expect(ok.signatures[0]?.verified).resolves.toBe(true);
    const tampered = await openpgp.verify({
      message: await openpgp.createMessage({ binary: new TextEncoder().encode('<repomd>hellO</repomd>\n') }),
      signature, verificationKeys: pub,
    });
    await expect(tampered.signatures[0]?.verified).rejects.toThrow();
    // A string is signed as its UTF-8 bytes (what repomd.xml is on the wire).
    const fromString = await signDetached(store, 'acme', 'stable', '<repomd>hello</repomd>\n');
    const again = await openpgp.verify({
      message: await openpgp.createMessage({ binary: data }),
      signature: await openpgp.readSignature({ armoredSignature: fromString }), verificationKeys: pub,
    });
    await expect(again.signatures[0]?.verified).resolves.toBe(true);
  });

  it('refuses duplicates (409) and missing tenants (404)', async () => {
    await expect(createRepo(store, { tenant: 'acme', name: 'stable', public: false, allowUnsigned: true }, NOW))
      .rejects.toMatchObject({ kind: 'conflict', code: 'repo_exists' });
    await expect(createRepo(store, { tenant: 'ghost', name: 'stable', public: false, allowUnsigned: false }, NOW))
      .rejects.toMatchObject({ kind: 'not_found', code: 'not_found' });
    expect((await getRepo(store, 'acme', 'stable'))?.public).toBe(true);
  });

  it('racing creators end with one config naming the stored key', async () => {
    const results = await Promise.allSettled([1, 2, 3].map(() =>
      createRepo(store, { tenant: 'acme', name: 'race', public: false, allowUnsigned: false }, NOW)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const config = await getRepo(store, 'acme', 'race');
    const key = await metadataSigningKey(store, 'acme', 'race');
    expect(key.getFingerprint().toUpperCase()).toBe(config?.metadataKey.fingerprint);
  });

  it('lists a tenant’s repos by name, ignoring other files under r/', async () => {
    await createRepo(store, { tenant: 'other', name: 'solo', public: false, allowUnsigned: false }, NOW);
    await store.put(repoFragmentKey('acme', 'stable', 'a'.repeat(64)), new Uint8Array([1]));
    expect((await listRepos(store, 'acme')).map((r) => r.name)).toEqual(['race', 'stable']);
    expect((await listRepos(store, 'other')).map((r) => r.name)).toEqual(['solo']);
  });

  it('lists from the registry, never walking r/; a tenant from before the registry is walked once', async () => {
    const lists: string[] = [];
    const seen: BlobStore = { ...store, get: (k, o) => store.get(k, o), head: (k) => store.head(k), put: (k, b, o) => store.put(k, b, o), delete: (k, o) => store.delete(k, o), list: (p, o) => (lists.push(p), store.list(p, o)) };
    expect((await listRepos(seen, 'acme')).map((r) => r.name)).toEqual(['race', 'stable']);
    expect(lists).toEqual(['t/acme/repos/']);
    // as a store written before the registry: configs only
    for (const k of ['t/acme/repos.json', 't/acme/repos/race.json', 't/acme/repos/stable.json']) await store.delete(k);
    lists.length = 0;
    expect((await listRepos(seen, 'acme')).map((r) => r.name)).toEqual(['race', 'stable']);
    expect(lists).toEqual(['t/acme/r/', 't/acme/repos/']);
    lists.length = 0;
    expect((await listRepos(seen, 'acme')).map((r) => r.name)).toEqual(['race', 'stable']);
    expect(lists).toEqual(['t/acme/repos/']);
  });

  it('parses the signing key once per process, and again only when the key blob changes', async () => {
    const gets: string[] = [];
    const seen: BlobStore = { ...store, get: (k, o) => (gets.push(k), store.get(k, o)), head: (k) => store.head(k), put: (k, b, o) => store.put(k, b, o), delete: (k, o) => store.delete(k, o), list: (p, o) => store.list(p, o) };
    for (let i = 0; i < 3; i++) await signDetached(seen, 'acme', 'stable', `<repomd>${i}</repomd>`);
    expect(gets.filter((k) => k.endsWith('metadata-key.asc'))).toHaveLength(1);
    const armored = await new Response((await store.get(metadataKeyKey('acme', 'stable')))!.body).text();
    await store.put(metadataKeyKey('acme', 'stable'), new TextEncoder().encode(armored)); // rewritten: new ETag
    await signDetached(seen, 'acme', 'stable', '<repomd>again</repomd>');
    expect(gets.filter((k) => k.endsWith('metadata-key.asc'))).toHaveLength(2);
  });

  it('each repo has a different key', async () => {
    const a = await getRepo(store, 'acme', 'stable');
    const b = await getRepo(store, 'other', 'solo');
    expect(a?.metadataKey.fingerprint).not.toBe(b?.metadataKey.fingerprint);
  });
});

const gpgSkip = skipReason({ tools: ['gpg'] });
announceSkip('repomd signature accepted by gpg', gpgSkip);

describe.skipIf(gpgSkip !== null)('repomd signature accepted by gpg', () => {
  let home: string;
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'berth-gpg-'));
  });
  afterAll(() => {
    try {
      execFileSync('gpgconf', ['--homedir', home, '--kill', 'all'], { stdio: 'ignore' });
    } catch {
      // no agent was started
    }
    rmSync(home, { recursive: true, force: true });
  });

  it('gpg --verify accepts the detached signature with the served key', async () => {
    const store = createMemoryBlobStore();
    await createTenant(store, 'acme', NOW);
    await createRepo(store, { tenant: 'acme', name: 'el9', public: false, allowUnsigned: false }, NOW);
    const data = '<?xml version="1.0" encoding="UTF-8"?>\n<repomd/>\n';
    writeFileSync(join(home, 'repomd.xml'), data);
    writeFileSync(join(home, 'repomd.xml.asc'), await signDetached(store, 'acme', 'el9', data));
    writeFileSync(join(home, 'repomd.xml.key'), (await metadataPublicKeyArmored(store, 'acme', 'el9')) as string);
    const gpg = (args: string[]) => execFileSync('gpg', ['--homedir', home, '--batch', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    gpg(['--import', join(home, 'repomd.xml.key')]);
    expect(() => gpg(['--verify', join(home, 'repomd.xml.asc'), join(home, 'repomd.xml')])).not.toThrow();
    writeFileSync(join(home, 'repomd.xml'), data.replace('repomd', 'repomD'));
    expect(() => gpg(['--verify', join(home, 'repomd.xml.asc'), join(home, 'repomd.xml')])).toThrow();
  });
});
