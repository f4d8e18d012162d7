/**
 * bench/edge-scale.ts `--runtime workerd`: a repo of `packages` packages in the Worker's local R2
 * (seeded once, edge-seed.ts in memory then miniflare-r2-seed.ts, and kept under `dir`), then the
 * real Worker (infra/cloudflare/wrangler.jsonc, src/adapters/cloudflare/worker.ts) in workerd
 * with every isolate's V8 heap capped at `heapMb`: two publishes through the API, each followed
 * by the regeneration its RepoChanged message starts in the Worker's `queue` handler, then
 * serving repomd.xml, every file it names and the seeded and published packages (each checked by
 * SHA-256). Phases measured by edge-measure.ts.
 *
 * The first regeneration after seeding (or after `cold`, which deletes the chunk cache and the
 * generation pointer first) is the cold build: every chunk made from the packages' fragments.
 * Later ones reuse the chunk cache and rebuild the one chunk a publish changed.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { currentGenerationKey, repoChunksPrefix } from '../../src/storage/keys.js';
import type { R2BucketLike } from '../../src/storage/r2-store.js';
import { connectInspector } from './edge-heap.js';
import { Meter } from './edge-measure.js';
import { freePort } from './edge-memory-util.js';
import { seedRepo, seedStore, type ServedPackage } from './edge-seed.js';
import { startEdgeWorker, wranglerEnv } from './edge-worker.js';
import { openLocalR2 } from './local-r2.js';
import { copyIntoLocalR2 } from './miniflare-r2-seed.js';
import { fetchVerified, publishRpm, repomdAt, repomdFiles } from './repo-check.js';
import { pidListeningOn, processName } from './rss.js';
import { synthPackage } from './synth-repo.js';

export const TENANT = 'bench';
export const REPO = 'big';

export interface ScaleOptions {
  root: string;
  /** Kept between runs: the seeded state and a marker naming what it holds. */
  dir: string;
  packages: number;
  /** Seeded packages whose blobs are stored and served. */
  gets: number;
  heapMb: number;
  /** Seconds between live samples during a regeneration (0: none). */
  liveEveryS: number;
  cold: boolean;
  say: (line: string) => void;
}

/** What the kept state holds beyond the seed: package numbers already published by earlier runs. */
export interface Marker {
  packages: number;
  served: ServedPackage[];
  seedSeconds: number;
  published: number;
}

/** Package numbers of published packages: 1,000,000 + k sorts among the seeded ones (bench-pkg-1000000 < bench-pkg-100001). */
export const PUBLISHED_BASE = 1_000_000;

export async function readMarker(file: string, packages: number): Promise<Marker | null> {
  if (!existsSync(file)) return null;
  const m = JSON.parse(await readFile(file, 'utf8')) as Marker;
  return m.packages === packages ? m : null;
}

/** Deletes every key under `prefix` (a page at a time). */
async function deletePrefix(r2: { bucket: R2BucketLike }, prefix: string): Promise<number> {
  let n = 0;
  for (;;) {
    const page = await r2.bucket.list({ prefix });
    if (page.objects.length === 0) return n;
    await r2.bucket.delete(page.objects.map((o) => o.key));
    n += page.objects.length;
  }
}

export async function runWorkerdScale(o: ScaleOptions): Promise<{ meter: Meter; marker: Marker; lines: string[] }> {
  const { say } = o;
  await mkdir(o.dir, { recursive: true });
  const persist = join(o.dir, 'state');
  const markerFile = join(o.dir, 'seeded.json');
  const env = await wranglerEnv(o.dir);
  // getPlatformProxy runs in this process: offline, no telemetry, config kept in `dir`
  for (const k of ['WRANGLER_SEND_METRICS', 'CLOUDFLARE_CF_FETCH_ENABLED', 'XDG_CONFIG_HOME'] as const) process.env[k] = env[k];
  const lines: string[] = [];
  const seed = async (): Promise<Marker> => {
    await rm(persist, { recursive: true, force: true });
    say(`seeding ${o.packages} packages in memory, then into workerd's local R2 (${persist})`);
    const mem = seedStore();
    const s = await seedRepo(mem.store, { tenant: TENANT, repo: REPO, packages: o.packages, served: o.gets, say });
    const c = await copyIntoLocalR2(o.root, persist, mem.store, mem.keys, say);
    const m: Marker = { packages: o.packages, served: s.served, seedSeconds: s.seconds + c.seconds, published: 0 };
    await writeFile(markerFile, JSON.stringify(m));
    lines.push(`seeded ${o.packages} packages (fragments, index; ${o.gets} blobs): ${s.seconds.toFixed(0)} s in memory, ${c.seconds.toFixed(0)} s into local R2 (${c.objects} objects, ${(c.bytes / 1e6).toFixed(0)} MB, checked through the binding)`);
    return m;
  };
  const kept = await readMarker(markerFile, o.packages);
  const marker: Marker = kept ?? await seed();
  if (kept && o.cold) {
    const r2 = await openLocalR2(o.root, persist);
    try {
      const n = await deletePrefix(r2, repoChunksPrefix(TENANT, REPO));
      await r2.bucket.delete([currentGenerationKey(TENANT, REPO)]);
      say(`--cold: ${n} chunk-cache entries and the generation pointer deleted`);
    } finally {
      await r2.dispose();
    }
  }
  const adminToken = `bench-operator-${randomBytes(16).toString('hex')}`;
  const logFile = join(o.dir, 'worker.log');
  const inspectorPort = await freePort();
  const flags = o.heapMb > 0 ? { MINIFLARE_WORKERD_V8_FLAGS: `--max-heap-size=${o.heapMb}` } : {};
  const worker = await startEdgeWorker(o.root, { persist, adminToken, logFile, env: { ...env, ...flags }, inspectorPort, logLevel: 'log' });
  const insp = await connectInspector(inspectorPort);
  const meter = new Meter(say);
  try {
    const pid = pidListeningOn(Number(new URL(worker.direct).port));
    if (processName(pid) !== 'workerd') throw new Error(`pid ${pid} is ${processName(pid)}, not workerd`);
    say(`Worker up: ${worker.direct}, workerd ${pid}, V8 flags ${flags.MINIFLARE_WORKERD_V8_FLAGS ?? '(none)'}`);
    const generated = async (revision: number): Promise<string> => {
      const log = await readFile(logFile, 'utf8');
      const line = log.split('\n').find((l) => l.includes('"repodata generated"') && l.includes(`"revision":${revision},`));
      const m = line && /"packages":(\d+).*"chunks":(\d+),"reused":(\d+),"built":(\d+)/.exec(line);
      const done = log.split('\n').find((l) => l.includes('"msg":"regeneration"') && l.includes(`"revision":${revision},`));
      const calls = done && /"r2Calls":(\d+)/.exec(done)?.[1];
      return `${m ? `${m[1]} packages, chunks ${m[2]}, entries reused ${m[3]}, chunks built ${m[4]}` : 'no "repodata generated" line'}; R2 calls (subrequests) ${calls ?? '?'}`;
    };
    const published: ServedPackage[] = [];
    let repomd = '';
    for (const which of ['first', 'second']) {
      const k = PUBLISHED_BASE + ++marker.published;
      await writeFile(markerFile, JSON.stringify(marker));
      const pkg = synthPackage(k);
      await meter.measure(`${which} publish (1 package, bench-pkg-${k}) → 201 → the queue handler's regeneration → repomd.xml names it`, pid, insp, async () => {
        const t = Date.now();
        const p = await publishRpm(worker.direct, adminToken, `${TENANT}/${REPO}`, pkg.bytes);
        const ack = (Date.now() - t) / 1000;
        repomd = await repomdAt(worker.direct, `${TENANT}/${REPO}`, p.revision);
        published.push({ location: p.location, sha256: p.sha256, size: p.size });
        return `201 after ${ack.toFixed(2)} s, visible after ${((Date.now() - t) / 1000).toFixed(1)} s; revision ${p.revision}: ${await generated(p.revision)}`;
      }, o.liveEveryS > 0 ? { everyMs: o.liveEveryS * 1000 } : null);
    }
    const files = repomdFiles(repomd);
    const packages = [...marker.served, ...published];
    await meter.measure(`serve repomd.xml, its ${files.length} files and ${packages.length} packages (sha256 checked)`, pid, insp, async () => {
      let bytes = 0;
      for (const f of files) bytes += await fetchVerified(`${worker.direct}/${TENANT}/${REPO}/${f.href}`, f.checksum, f.size);
      for (const p of packages) bytes += await fetchVerified(`${worker.direct}/${TENANT}/${REPO}/${p.location}`, p.sha256, p.size);
      const size = (t: string): string => ((files.find((f) => f.type === t)?.size ?? 0) / 1e6).toFixed(1);
      return `${(bytes / 1e6).toFixed(1)} MB; primary ${size('primary')} MB, filelists ${size('filelists')} MB, other ${size('other')} MB (gz)`;
    });
  } finally {
    insp.close();
    await worker.stop();
  }
  return { meter, marker, lines };
}
