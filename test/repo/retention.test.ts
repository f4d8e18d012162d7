// Retention (docs/service.md, Retention): the newest N of each name and arch, an age limit that
// spares the newest, applied after each publish to the names it touched only (counted in
// segment reads), a whole-repo run and a dry run that changes nothing, all audited.
import { describe, expect, it } from 'vitest';
import { nodePlatform } from '../../src/adapters/node/platform.js';
import { readAudit } from '../../src/repo/audit.js';
import type { IndexEntry } from '../../src/repo/index-entry.js';
import { namePrefix } from '../../src/repo/index-range.js';
import { addPackage, initIndex, readHead, readIndex } from '../../src/repo/index-store.js';
import { applyRetention, expired, writeRetention } from '../../src/repo/retention.js';
import { storeTenancy } from '../../src/repo/tenancy-bindings.js';
import type { BlobStore } from '../../src/storage/blob-store.js';
import { createMemoryBlobStore } from '../../src/storage/memory-store.js';
import { makeWorld, memoryLogger, publish, syntheticRpm } from './support.js';

const DAY = 86400;

function entry(name: string, version: string, opts: Partial<IndexEntry> = {}): IndexEntry {
  const arch = opts.arch ?? 'noarch';
  const filename = `${name}-${version}-1.${arch}.rpm`;
  const sha = Buffer.from(`${name}/${version}/${arch}`).toString('hex').padEnd(64, '7').slice(0, 64);
  return {
    sha256: sha, name, epoch: 0, version, release: '1', arch, filename, location: `Packages/${name[0]}/${filename}`,
    size: 1, addedAt: 1_000_000, signer: null, ...opts,
  };
}

const names = (es: readonly IndexEntry[]): string[] => es.map((e) => `${e.name}-${e.epoch ? `${e.epoch}:` : ''}${e.version}.${e.arch}`).sort();

describe('retention rules (pure)', () => {
  it('keeps the newest N of each name and arch, in rpm version order', () => {
    const es = ['1.9', '1.10', '1.2', '2.0~rc1', '2.0'].map((v) => entry('foo', v));
    // rpm order: 1.2 < 1.9 < 1.10 < 2.0~rc1 < 2.0
    expect(names(expired(es, { keepNewest: 2, maxAgeSeconds: null }, 2_000_000))).toEqual(['foo-1.2.noarch', 'foo-1.9.noarch', 'foo-1.10.noarch'].sort());
    const arches = [entry('foo', '1', { arch: 'x86_64' }), entry('foo', '2', { arch: 'x86_64' }), entry('foo', '1', { arch: 'aarch64' })];
    expect(names(expired(arches, { keepNewest: 1, maxAgeSeconds: null }, 2_000_000))).toEqual(['foo-1.x86_64']);
    // an epoch outranks any version
    const epochs = [entry('bar', '9.0'), entry('bar', '1.0', { epoch: 1, filename: 'bar-1.0-1.noarch.rpm' })];
    expect(names(expired(epochs, { keepNewest: 1, maxAgeSeconds: null }, 2_000_000))).toEqual(['bar-9.0.noarch']);
  });

  it('drops versions older than the age limit except the newest, and combines both rules', () => {
    const now = 100 * DAY;
    const es = [entry('foo', '1', { addedAt: 10 * DAY }), entry('foo', '2', { addedAt: 50 * DAY }), entry('foo', '3', { addedAt: 95 * DAY }), entry('old', '1', { addedAt: 1 })];
    expect(names(expired(es, { keepNewest: null, maxAgeSeconds: 30 * DAY }, now))).toEqual(['foo-1.noarch', 'foo-2.noarch']);
    // the newest stays however old it is
    expect(expired([entry('old', '1', { addedAt: 1 })], { keepNewest: null, maxAgeSeconds: DAY }, now)).toEqual([]);
    // either rule removes: keep 2 drops 1, age drops 2
    expect(names(expired(es, { keepNewest: 2, maxAgeSeconds: 60 * DAY }, now))).toEqual(['foo-1.noarch']);
    expect(names(expired(es, { keepNewest: 2, maxAgeSeconds: 40 * DAY }, now))).toEqual(['foo-1.noarch', 'foo-2.noarch']);
    expect(expired(es, { keepNewest: null, maxAgeSeconds: null }, now)).toEqual([]);
  });

  it('names the file-name run of a name as Berth places it', () => {
    expect(namePrefix('foo')).toBe('foo-');
    expect(namePrefix('g++')).toBe('g++-');
    expect(namePrefix('we ird')).toBe('we_ird-');
  });
});

describe('retention applied on publish', () => {
  it('keeps exactly the newest N per name after 3N publishes (and leaves other names alone)', async () => {
    const N = 3;
    const w = await makeWorld([{ name: 'main', allowUnsigned: true }]);
    await writeRetention(w.store, 'acme', 'main', { keepNewest: N, maxAgeSeconds: null }, w.now.value);
    // `foo` and `foo-devel` share the file-name prefix `foo-`: each keeps its own N
    for (let i = 1; i <= 3 * N; i++) {
      expect((await publish(w, 'main', syntheticRpm('foo', `1.${i}`))).status).toBe(201);
      expect((await publish(w, 'main', syntheticRpm('foo-devel', `1.${i}`))).status).toBe(201);
      const pkgs = (await readIndex(w.store, 'acme', 'main')).index.packages;
      expect(pkgs.filter((p) => p.name === 'foo')).toHaveLength(Math.min(i, N));
    }
    expect((await publish(w, 'main', syntheticRpm('other', '1'))).status).toBe(201);
    const pkgs = (await readIndex(w.store, 'acme', 'main')).index.packages;
    const versions = (name: string): string[] => pkgs.filter((p) => p.name === name).map((p) => p.version).sort();
    expect(versions('foo')).toEqual(['1.7', '1.8', '1.9']);
    expect(versions('foo-devel')).toEqual(['1.7', '1.8', '1.9']);
    expect(versions('other')).toEqual(['1']);

    // every removal is in the audit log, attributed to the publish
    const entries = await readAudit(w.store, 'acme');
    const applied = entries.filter((e) => e.action === 'retention.apply');
    const removed = applied.flatMap((e) => (e.details['removed'] as { nevra: string }[]).map((r) => r.nevra));
    expect(removed.filter((n) => n.startsWith('foo-1.')).sort()).toEqual(['1', '2', '3', '4', '5', '6'].map((v) => `foo-1.${v}-1.noarch`));
    expect(applied.every((e) => e.details['trigger'] === 'publish' && e.actor === 'operator')).toBe(true);
  }, 60_000);

  it('a repo without a policy keeps everything', async () => {
    const w = await makeWorld([{ name: 'main', allowUnsigned: true }]);
    for (let i = 1; i <= 4; i++) await publish(w, 'main', syntheticRpm('foo', `${i}`));
    expect((await readIndex(w.store, 'acme', 'main')).index.packages).toHaveLength(4);
  });
});

/** A view of `inner` that counts reads of index segments (its own object cache: a cold process). */
function countingSegments(inner: BlobStore): { store: BlobStore; reads: () => number } {
  let n = 0;
  const store: BlobStore = {
    get: (k, o) => {
      if (k.includes('/index/segments/')) n++;
      return inner.get(k, o);
    },
    head: (k) => inner.head(k), put: (k, b, o) => inner.put(k, b, o), delete: (k, o) => inner.delete(k, o), list: (p, o) => inner.list(p, o),
  };
  return { store, reads: () => n };
}

describe('retention cost and runs', () => {
  async function bigRepo(): Promise<BlobStore> {
    const store = createMemoryBlobStore();
    await initIndex(store, 'acme', 'main', { divisor: 1 << 30, max: 8 });
    const clock = (): Date => new Date(2_000_000_000);
    for (let i = 0; i < 400; i++) await addPackage(store, 'acme', 'main', entry(`pkg${String(i).padStart(3, '0')}`, '1'), clock);
    for (let v = 1; v <= 5; v++) await addPackage(store, 'acme', 'main', entry('pkg200', `${v}.5`), clock);
    return store;
  }

  it('after a publish, examines only the segments holding the touched name', async () => {
    const base = await bigRepo();
    const { head } = await readHead(base, 'acme', 'main');
    expect(head.count).toBe(405);
    const { store, reads } = countingSegments(base);
    const deps = { store, platform: nodePlatform, events: { send: async () => {} }, clock: () => new Date(2_000_000_000), logger: memoryLogger() };
    const r = await applyRetention(deps, storeTenancy, { tenant: 'acme', repo: 'main', actor: 'operator', trigger: 'publish', names: ['pkg200'], rules: { keepNewest: 2, maxAgeSeconds: null } });
    expect(names(r.removed)).toEqual(['pkg200-1.noarch', 'pkg200-1.5.noarch', 'pkg200-2.5.noarch', 'pkg200-3.5.noarch'].sort());
    // 6 versions of pkg200 over at most 2 segments of 8 to find, then the commit's own reads:
    // nothing like the 51 segments of the repo
    expect(reads()).toBeLessThanOrEqual(6);
    expect((await readHead(base, 'acme', 'main')).head.count).toBe(401);
  });

  it('a dry run over the whole repo lists what would go and changes nothing; a real run removes it once', async () => {
    const w = await makeWorld([{ name: 'main', allowUnsigned: true }]);
    for (const [n, v] of [['a', '1'], ['a', '2'], ['a', '3'], ['b', '1'], ['b', '2']] as const) await publish(w, 'main', syntheticRpm(n, v));
    const before = await readHead(w.store, 'acme', 'main');
    const rules = { keepNewest: 1, maxAgeSeconds: null };
    const dry = await applyRetention(w.deps, storeTenancy, { tenant: 'acme', repo: 'main', actor: 'operator', trigger: 'manual', dryRun: true, rules });
    expect(names(dry.removed)).toEqual(['a-1.noarch', 'a-2.noarch', 'b-1.noarch']);
    expect((await readHead(w.store, 'acme', 'main')).head.revision).toBe(before.head.revision);
    const real = await applyRetention(w.deps, storeTenancy, { tenant: 'acme', repo: 'main', actor: 'operator', trigger: 'manual', rules });
    expect(names(real.removed)).toEqual(names(dry.removed));
    expect(real.revision).toBe(before.head.revision + 1);
    const again = await applyRetention(w.deps, storeTenancy, { tenant: 'acme', repo: 'main', actor: 'operator', trigger: 'manual', rules });
    expect(again.removed).toEqual([]);
    expect(again.revision).toBe(real.revision);
  });

  it('the age rule follows the time packages entered the repo', async () => {
    const w = await makeWorld([{ name: 'main', allowUnsigned: true }]);
    const t0 = w.now.value.getTime();
    await publish(w, 'main', syntheticRpm('a', '1'));
    w.now.value = new Date(t0 + 10 * DAY * 1000);
    await publish(w, 'main', syntheticRpm('a', '2'));
    await writeRetention(w.store, 'acme', 'main', { keepNewest: null, maxAgeSeconds: 5 * DAY }, w.now.value);
    w.now.value = new Date(t0 + 12 * DAY * 1000);
    // a-1 is 12 days old, a-2 2 days: the next publish of `a` removes a-1 only
    await publish(w, 'main', syntheticRpm('a', '3'));
    const versions = (await readIndex(w.store, 'acme', 'main')).index.packages.map((p) => p.version).sort();
    expect(versions).toEqual(['2', '3']);
  });
});
