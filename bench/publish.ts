/**
 * One publish into an N-package repo until the served repomd.xml shows it, vs createrepo_c
 * --update on the same N+1 files, in one run.
 *
 *   npm run bench:publish -- [N ...]
 *
 * Berth: an FsBlobStore under bench/.work/publish-N/store is seeded directly (tenant `bench`,
 * public repo `r` with allowUnsigned; package blobs, fragments and index.json written as the
 * publish path would, then one untimed regeneration fills the chunk cache). Seeding is kept
 * between runs; each run resets index.json to the seed. Then a child `berth serve` on that
 * store gets ONE more package over HTTP (PUT, signatures not required) and the clock stops
 * when GET repodata/repomd.xml shows the new revision. Peak RSS is the server's VmHWM.
 *
 * createrepo_c: the same N packages in bench/.work/publish-N/cr/Packages, metadata made
 * untimed with `createrepo_c --no-database`, then package N+1 is added and
 * `createrepo_c --update --no-database` is timed under GNU time.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { nodePlatform } from '../src/adapters/node/platform.js';
import { readRpm } from '../src/core/rpm/index.js';
import type { Logger } from '../src/core/logger.js';
import type { RepoIndex } from '../src/repo/index-store.js';
import { fragmentFile, packageRecord, writeFragmentFile } from '../src/repo/package-fragments.js';
import { regenerate } from '../src/repo/regenerate.js';
import { createRepo } from '../src/repo/repos.js';
import { storeTenancy } from '../src/repo/tenancy-bindings.js';
import { createTenant } from '../src/repo/tenants.js';
import { createFsBlobStore } from '../src/storage/fs-store.js';
import type { BlobStore } from '../src/storage/blob-store.js';
import { indexKey, packageBlobKey } from '../src/storage/keys.js';
import { freePort } from '../test/helpers/net.js';
import { hasGnuTime, measure } from './lib/measure.js';
import { synthPackage, synthRepo } from './lib/synth-repo.js';
import { packagePlacement, type IndexEntry } from '../src/repo/index-entry.js';

const root = join(import.meta.dirname, '..');
const sizes = process.argv.slice(2).filter((a) => /^\d+$/.test(a)).map(Number);
if (sizes.length === 0) sizes.push(4000);
const TENANT = 'bench';
const REPO = 'r';
const ADMIN = 'bench-admin-token-0123456789';
const quiet: Logger = { info: () => undefined, warn: () => undefined, error: (m, f) => console.error(m, f) };

if (!hasGnuTime()) throw new Error('needs /usr/bin/time (Debian package "time")');
if (spawnSync('createrepo_c', ['--version']).status !== 0) throw new Error('needs createrepo_c (Debian package "createrepo-c")');

async function pool<T>(items: readonly T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: size }, async () => {
    while (next < items.length) await fn(items[next++] as T);
  }));
}

/** Index entry + fragment + blob of synthetic package i, as publishPackage stores them. */
async function seedPackage(store: BlobStore, i: number, addedAt: number): Promise<IndexEntry> {
  const { bytes } = synthPackage(i);
  const result = await readRpm((async function* () { yield bytes; })(), nodePlatform);
  const pkg = result.pkg;
  const { filename, location } = packagePlacement(pkg);
  const frag = fragmentFile(packageRecord(result, addedAt, location));
  if ('excluded' in frag) throw new Error(`synthetic package ${i} is unrepresentable`);
  await store.put(packageBlobKey(TENANT, result.computed.fileSha256), bytes, { contentType: 'application/x-rpm' });
  await writeFragmentFile(store, TENANT, REPO, frag);
  return {
    sha256: result.computed.fileSha256, name: pkg.name, epoch: pkg.epoch ?? 0, version: pkg.version, release: pkg.release,
    arch: pkg.arch, filename, location, size: bytes.length, addedAt, signer: null,
  };
}

async function seedStore(dir: string, n: number): Promise<void> {
  const storeDir = join(dir, 'store');
  const seedFile = join(dir, 'seed-index.json');
  const store = createFsBlobStore(storeDir);
  if (!existsSync(seedFile)) {
    const t = performance.now();
    await rm(storeDir, { recursive: true, force: true });
    const now = new Date();
    await createTenant(store, TENANT, now);
    await createRepo(store, { tenant: TENANT, name: REPO, public: true, allowUnsigned: true }, now);
    const addedAt = Math.floor(now.getTime() / 1000);
    const entries: IndexEntry[] = new Array(n);
    await pool(Array.from({ length: n }, (_, k) => k), 16, async (k) => {
      entries[k] = await seedPackage(store, k + 1, addedAt);
    });
    const index: RepoIndex = { revision: n, updatedAt: addedAt, packages: entries };
    await writeFile(seedFile, JSON.stringify(index));
    console.error(`seeded ${n} packages in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  // every run starts from the seed: the previous run's extra package is dropped from the index
  const seed = await readFile(seedFile);
  await store.put(indexKey(TENANT, REPO), new Uint8Array(seed), { contentType: 'application/json' });
  // generations newer than the seed would make the timed regeneration a no-op
  await rm(join(storeDir, 't', TENANT, 'r', REPO, 'current.json@blob'), { force: true });
  await rm(join(storeDir, 't', TENANT, 'r', REPO, 'generations'), { recursive: true, force: true });
  const t = performance.now();
  const r = await regenerate({ store, platform: nodePlatform, clock: () => new Date(), logger: quiet }, storeTenancy, TENANT, REPO);
  console.error(`initial regeneration: ${((performance.now() - t) / 1000).toFixed(2)} s`, r.chunks);
}

function peakRssKiB(pid: number): Promise<number> {
  return readFile(`/proc/${pid}/status`, 'utf8').then((s) => Number(/VmHWM:\s+(\d+)/.exec(s)?.[1] ?? NaN), () => NaN);
}

async function berthPublish(dir: string, n: number): Promise<{ ack: number; visible: number; rssKiB: number; log: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(root, 'bin', 'berth.js'), 'serve'], {
    env: { ...process.env, BERTH_DATA: join(dir, 'store'), BERTH_PORT: String(port), BERTH_ADMIN_TOKEN: ADMIN, BERTH_MIRROR_INTERVAL: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  const base = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      if (i > 600) throw new Error(`berth serve did not start:\n${log}`);
      if (await fetch(`${base}/healthz`).then((r) => r.ok, () => false)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const { bytes } = synthPackage(n + 1);
    const want = `<revision>${n + 1}</revision>`;
    const t0 = performance.now();
    const res = await fetch(`${base}/api/v1/repos/${TENANT}/${REPO}/packages`, {
      method: 'PUT', body: new Uint8Array(bytes), headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/x-rpm' },
    });
    const ack = performance.now() - t0;
    if (res.status !== 201) throw new Error(`publish answered ${res.status}: ${await res.text()}`);
    for (;;) {
      const text = await (await fetch(`${base}/${TENANT}/${REPO}/repodata/repomd.xml`)).text();
      if (text.includes(want)) break;
      if (performance.now() - t0 > 600_000) throw new Error('repomd.xml never showed the new revision');
      await new Promise((r) => setTimeout(r, 5));
    }
    const visible = performance.now() - t0;
    return { ack: ack / 1000, visible: visible / 1000, rssKiB: await peakRssKiB(child.pid as number), log };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

async function createrepoUpdate(dir: string, n: number): Promise<{ seconds: number; rssKiB: number }> {
  const cr = join(dir, 'cr');
  if (!existsSync(join(cr, 'Packages'))) await synthRepo(cr, n);
  const extra = join(cr, 'Packages', `${synthPackage(n + 1).name}.x86_64.rpm`);
  await unlink(extra).catch(() => undefined);
  await rm(join(cr, 'repodata'), { recursive: true, force: true });
  const prep = spawnSync('createrepo_c', ['--no-database', '-q', cr]);
  if (prep.status !== 0) throw new Error(`createrepo_c failed: ${prep.stderr}`);
  await writeFile(extra, synthPackage(n + 1).bytes);
  const m = measure('createrepo_c', ['--update', '--no-database', '-q', cr]);
  return { seconds: m.seconds, rssKiB: m.maxRssKiB };
}

console.log(`node ${process.version}, createrepo_c ${spawnSync('createrepo_c', ['--version'], { encoding: 'utf8' }).stdout.trim()}`);
const rows: string[] = [];
for (const n of sizes) {
  const dir = join(root, 'bench', '.work', `publish-${n}`);
  await seedStore(dir, n);
  const b = await berthPublish(dir, n);
  const c = await createrepoUpdate(dir, n);
  const gen = /"msg":"repodata generated"[^\n]*/.exec(b.log)?.[0] ?? '';
  console.error(`berth: ${gen}`);
  rows.push(
    `| ${n} | ${c.seconds.toFixed(2)} | ${b.ack.toFixed(2)} | ${b.visible.toFixed(2)} | ${(b.visible / c.seconds).toFixed(2)}× | ` +
      `${(c.rssKiB / 1024).toFixed(0)} | ${(b.rssKiB / 1024).toFixed(0)} |`,
  );
}
console.log('| packages | createrepo_c --update s | berth publish ack s | berth visible s | ratio visible / createrepo_c | createrepo_c RSS MiB | berth serve peak RSS MiB |');
console.log('|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) console.log(r);
