/**
 * A public allow-unsigned repo of N synthetic packages written straight into any BlobStore (an R2
 * bucket binding through Miniflare, Azurite, a memory store), as N publishes would have left it
 * for a regeneration: tenant and repo records, one fragment file per package, the index (head,
 * list, segments) in one commit. Package blobs are written only for the packages to be served
 * (`served`, spread evenly over the set; built and parsed for real): a regeneration reads
 * fragments, never blobs, when the fragment matches the index entry, so the other packages are
 * records made from a parsed template (synthRecord), 100 times faster than building each RPM. No generation is written, so the first regeneration is the
 * cold build (every chunk made from fragments). The tenant's history (audit, change log) stays
 * empty.
 *
 * Used by bench/edge-scale.ts (200,000 packages in workerd's R2 and in Azurite) and by
 * test/cloudflare/worker-scale.test.ts (2,000 in workerd's R2).
 */
import { createHash } from 'node:crypto';
import { nodePlatform } from '../../src/adapters/node/platform.js';
import type { RpmPackage } from '../../src/core/model.js';
import { readRpm } from '../../src/core/rpm/index.js';
import { packagePlacement, type IndexEntry } from '../../src/repo/index-entry.js';
import { updateIndex } from '../../src/repo/index-store.js';
import { fragmentFile, writeFragmentFile } from '../../src/repo/package-fragments.js';
import { createRepo } from '../../src/repo/repos.js';
import { createTenant } from '../../src/repo/tenants.js';
import type { BlobStore } from '../../src/storage/blob-store.js';
import { createMemoryBlobStore } from '../../src/storage/memory-store.js';
import { packageBlobKey } from '../../src/storage/keys.js';
import { synthPackage } from './synth-repo.js';

export interface SeedOptions {
  tenant: string;
  repo: string;
  /** Packages: synthetic packages 1..n (bench/lib/synth-repo.ts). */
  packages: number;
  /** How many of them get their blob stored, to be served (every n/served-th). */
  served: number;
  /** Store calls in flight (default 32). */
  lanes?: number;
  /** Progress lines. */
  say?: (line: string) => void;
}

/**
 * A memory store that remembers which keys were written (listing a memory store sorts all of its
 * keys per page: too slow to enumerate 200,000 objects).
 */
export interface SeedStore {
  store: BlobStore;
  /** Keys written and not deleted since, in the order first written. */
  keys: Set<string>;
}

export function seedStore(): SeedStore {
  const inner = createMemoryBlobStore();
  const keys = new Set<string>();
  const store: BlobStore = new Proxy(inner, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      if (prop === 'put') {
        return async (key: string, ...rest: unknown[]) => {
          const r = await (v as (...a: unknown[]) => Promise<unknown>).call(target, key, ...rest);
          keys.add(key);
          return r;
        };
      }
      if (prop === 'copy') {
        return async (source: string, destination: string, ...rest: unknown[]) => {
          const r = await (v as (...a: unknown[]) => Promise<unknown>).call(target, source, destination, ...rest);
          keys.add(destination);
          return r;
        };
      }
      if (prop === 'delete') {
        return async (key: string, ...rest: unknown[]) => {
          const r = await (v as (...a: unknown[]) => Promise<boolean>).call(target, key, ...rest);
          keys.delete(key);
          return r;
        };
      }
      return (v as (...a: unknown[]) => unknown).bind(target);
    },
  });
  return { store, keys };
}

export interface ServedPackage {
  location: string;
  sha256: string;
  size: number;
}

export interface Seeded {
  packages: number;
  served: ServedPackage[];
  seconds: number;
}

/** Package numbers whose blobs are stored: `served` of 1..n, evenly spread, first and last included. */
function servedNumbers(n: number, served: number): Set<number> {
  const out = new Set<number>();
  const k = Math.min(n, Math.max(0, served));
  for (let j = 0; j < k; j++) out.add(1 + Math.round((j * (n - 1)) / Math.max(1, k - 1)));
  return out;
}

/** Synthetic package `i` as a parsed record, without building and parsing its RPM (~4 ms each). */
interface Synth { pkg: RpmPackage; sha256: string; size: number }
const TEMPLATE = 7;
let template: { json: string; size: number } | null = null;

async function parsed(bytes: Uint8Array): Promise<Synth> {
  const r = await readRpm((async function* () { yield bytes; })(), nodePlatform);
  return { pkg: r.pkg, sha256: r.computed.fileSha256, size: r.computed.fileSize };
}

const pad = (i: number): string => String(i).padStart(6, '0');

/**
 * Package `i`'s record made from a parsed template (synthetic package 7) by renaming: close to
 * synthPackage(i) (its name in files, provides and requires; its version, release and build
 * time; the template's sizes), with a SHA-256 of its own. No RPM exists for it: only packages whose blobs are
 * served are built for real.
 */
export async function synthRecord(i: number): Promise<Synth> {
  if (!template) {
    const t = synthPackage(TEMPLATE);
    const p = await parsed(t.bytes);
    template = { json: JSON.stringify(p.pkg), size: p.size };
  }
  const name = `bench-pkg-${pad(i)}`;
  const json = template.json
    .replaceAll(`bench-pkg-${pad(TEMPLATE)}`, name)
    .replaceAll(`bench-pkg-${pad(TEMPLATE - 1)}`, `bench-pkg-${pad(Math.max(0, i - 1))}`)
    .replaceAll(`bench-cap-${TEMPLATE}"`, `bench-cap-${i}"`)
    .replaceAll(`Number ${TEMPLATE}.`, `Number ${i}.`)
    .replaceAll(`package ${TEMPLATE} &`, `package ${i} &`);
  const pkg = JSON.parse(json) as RpmPackage;
  pkg.version = `${1 + (i % 7)}.${i % 13}.${i % 5}`;
  pkg.release = `${1 + (i % 3)}.el9`;
  pkg.buildTime = 1700000000 + i;
  return { pkg, sha256: createHash('sha256').update(`synthetic ${name}`).digest('hex'), size: template.size };
}

export async function seedRepo(store: BlobStore, o: SeedOptions): Promise<Seeded> {
  const t0 = performance.now();
  const now = new Date();
  await createTenant(store, o.tenant, now);
  await createRepo(store, { tenant: o.tenant, name: o.repo, public: true, allowUnsigned: true }, now);
  const addedAt = Math.floor(now.getTime() / 1000);
  const n = o.packages;
  const blobs = servedNumbers(n, o.served);
  const entries = new Array<IndexEntry>(n);
  const served: ServedPackage[] = [];
  let next = 0;
  let done = 0;
  await Promise.all(Array.from({ length: o.lanes ?? 32 }, async () => {
    while (next < n) {
      const k = next++;
      const real = blobs.has(k + 1) ? synthPackage(k + 1).bytes : null;
      const { pkg, sha256, size } = real ? await parsed(real) : await synthRecord(k + 1);
      const { filename, location } = packagePlacement(pkg);
      const frag = fragmentFile({ pkg, sha256, size, time: addedAt, location });
      if ('excluded' in frag) throw new Error(`synthetic package ${k + 1} is unrepresentable`);
      if (real) {
        await store.put(packageBlobKey(o.tenant, sha256), real, { contentType: 'application/x-rpm' });
        served.push({ location, sha256, size });
      }
      await writeFragmentFile(store, o.tenant, o.repo, frag);
      entries[k] = {
        sha256, name: pkg.name, epoch: pkg.epoch ?? 0, version: pkg.version, release: pkg.release, arch: pkg.arch,
        filename, location, size, addedAt, signer: null,
      };
      if (++done % 20_000 === 0) o.say?.(`seeding: ${done} of ${n} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    }
  }));
  await updateIndex(store, o.tenant, o.repo, () => now, (cur) => ({ next: { ...cur, packages: entries }, result: null }));
  served.sort((a, b) => (a.location < b.location ? -1 : 1));
  return { packages: n, served, seconds: (performance.now() - t0) / 1000 };
}
