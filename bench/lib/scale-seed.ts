/**
 * A store of N packages written directly, as publish would have left it (blobs, fragments, the
 * index with segments — one commit), for the largest size of the scale bench: importing 200,000
 * packages through the API on every run would take most of an hour. The tenant's history (audit,
 * change log) stays empty: history is measured on the imported sizes. Kept between runs; a run
 * that finds it complete reuses it (the rounds' extra packages are removed again first).
 */
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { nodePlatform } from '../../src/adapters/node/platform.js';
import { createToken } from '../../src/auth/tokens.js';
import { legacyHashAlgorithms, verifyRpm } from '../../src/core/pgp/verify-rpm.js';
import { readRpm } from '../../src/core/rpm/index.js';
import { packagePlacement, type IndexEntry } from '../../src/repo/index-entry.js';
import { updateIndex } from '../../src/repo/index-store.js';
import { fragmentFile, packageRecord, writeFragmentFile } from '../../src/repo/package-fragments.js';
import { createRepo } from '../../src/repo/repos.js';
import { createTenant } from '../../src/repo/tenants.js';
import { addTrustedKey, trustedKeyring } from '../../src/repo/trusted-keys.js';
import { createFsBlobStore } from '../../src/storage/fs-store.js';
import { packageBlobKey } from '../../src/storage/keys.js';
import { REPO, TENANT } from './scale-steps.js';
import type { BenchKey } from './synth-signed.js';

/** Seeds `data` (once) with `files`; returns a publish+read token. */
export async function seedStore(_root: string, data: string, files: readonly string[], key: BenchKey, _admin: string): Promise<string> {
  const done = join(data, '..', `${data.split('/').pop()}.token`);
  const store = createFsBlobStore(data);
  if (existsSync(done)) {
    // drop what earlier rounds added: back to exactly `files`
    const keep = new Set<string>();
    await updateIndex(store, TENANT, REPO, () => new Date(), (cur) => {
      const packages = cur.packages.filter((p) => p.name <= `bench-pkg-${String(files.length).padStart(6, '0')}`);
      packages.forEach((p) => keep.add(p.sha256));
      return { next: packages.length === cur.packages.length ? null : { ...cur, packages }, result: null };
    });
    return (await readFile(done, 'utf8')).trim();
  }
  await rm(data, { recursive: true, force: true });
  const now = new Date();
  await createTenant(store, TENANT, now);
  await createRepo(store, { tenant: TENANT, name: REPO, public: false, allowUnsigned: false }, now);
  await addTrustedKey(store, { tenant: TENANT }, await readFile(key.publicFile, 'utf8'), now);
  const keyring = await trustedKeyring(store, TENANT, REPO);
  const addedAt = Math.floor(now.getTime() / 1000);
  const entries: IndexEntry[] = new Array<IndexEntry>(files.length);
  let next = 0;
  let first: ReturnType<typeof verifyRpm> | undefined;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < files.length) {
      const k = next++;
      const bytes = new Uint8Array(await readFile(files[k] as string));
      const result = await readRpm((async function* () { yield bytes; })(), nodePlatform, { headerPayloadHashes: legacyHashAlgorithms });
      // every file is signed by the one bench key: verified once (the first), then its signer reused
      first ??= verifyRpm(result, keyring, { date: now });
      const verdict = await first;
      if (!verdict.ok) throw new Error(`${files[k]}: ${verdict.reason}`);
      const pkg = result.pkg;
      const { filename, location } = packagePlacement(pkg);
      const frag = fragmentFile(packageRecord(result, addedAt, location));
      if ('excluded' in frag) throw new Error(`${files[k]} is unrepresentable`);
      await store.put(packageBlobKey(TENANT, result.computed.fileSha256), bytes, { contentType: 'application/x-rpm' });
      await writeFragmentFile(store, TENANT, REPO, frag);
      const s = verdict.signer;
      entries[k] = {
        sha256: result.computed.fileSha256, name: pkg.name, epoch: pkg.epoch ?? 0, version: pkg.version, release: pkg.release, arch: pkg.arch,
        filename, location, size: bytes.length, addedAt, signer: s ? { fingerprint: s.fingerprint, keyId: s.keyId, algorithm: s.algorithm } : null,
      };
      if (k % 10_000 === 0) console.error(`seeding: ${k} of ${files.length}`);
    }
  }));
  await updateIndex(store, TENANT, REPO, () => now, (cur) => ({ next: { ...cur, packages: entries }, result: null }));
  const { token } = await createToken(store, { tenant: TENANT, scopes: ['publish', 'read'], repos: null, expiresAt: null }, now);
  await writeFile(done, token);
  return token;
}
