/**
 * The Worker in workerd vs `berth serve` (fs store), same files, side by side in one run.
 *
 *   npm run bench:edge -- [--packages N] [--duration 10s] [--warmup 2s] [--connections 16]
 *                         [--threads 2] [--big-mb 300] [--rate 30M] [--keep]
 *
 * 1. A `--big-mb` MB file of random (incompressible) bytes, named `<its sha256>-filelists.xml.gz`,
 *    is written into the Worker's local R2 (`wrangler r2 object put --local`) and into the Node
 *    server's fs store at the same key (tenant `bench`, repo `pub`). Both servers answer any
 *    checksum-named object under repodata/ (content addressed), so no generation has to list it.
 * 2. The Worker (infra/cloudflare/wrangler.jsonc, unstable_startWorker, local R2/queue/Cache API)
 *    and a `berth serve` child each get the same tenant, a public and a private allow-unsigned
 *    repo, a read token and the same N + 1 synthetic packages through their API; the Worker's
 *    queue consumer regenerates.
 * 3. `wrk -tT -cC -dD --latency` on loopback after a warm-up, per URL: repomd.xml and the ~11 KB
 *    package, public and private (Basic auth with the read token, as dnf sends it), on Node, on
 *    the Worker's own workerd entry and through wrangler's dev proxy. Ratio = Worker / Node.
 * 4. The big file downloaded with `curl --limit-rate` (a slow reader) from each server while the
 *    serving process's VmRSS is sampled every 200 ms: the Worker twice (edge-cache MISS, whose
 *    cache fill runs alongside in waitUntil, then HIT), Node once. Fails when the Worker's growth
 *    reaches 64 MiB (the isolate limit is 128 MB). The bytes are checked against the sha256.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { createFsBlobStore } from '../src/storage/fs-store.js';
import { repodataKey } from '../src/storage/keys.js';
import { startBerth } from './lib/berth-server.js';
import { apiAt, slowDownload as fetchSlowly, writeRandom } from './lib/edge-memory-util.js';
import { seedLocalR2, startEdgeWorker, wranglerEnv } from './lib/edge-worker.js';
import { pidListeningOn, processName, rssKiB, sampleRss } from './lib/rss.js';
import { synthPackage } from './lib/synth-repo.js';
import { hasWrk, wrk, type WrkOptions, type WrkResult } from './lib/wrk.js';

const root = join(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    packages: { type: 'string', default: '50' },
    duration: { type: 'string', default: '10s' },
    warmup: { type: 'string', default: '2s' },
    connections: { type: 'string', default: '16' },
    threads: { type: 'string', default: '2' },
    'big-mb': { type: 'string', default: '300' },
    rate: { type: 'string', default: '30M' },
    keep: { type: 'boolean', default: false },
  },
});
if (!hasWrk()) throw new Error('needs wrk (Debian package "wrk")');
const opts: WrkOptions = { threads: Number(values.threads), connections: Number(values.connections), duration: values.duration };
const TENANT = 'bench';
const work = await mkdtemp(join(tmpdir(), 'berth-bench-edge-'));
const adminToken = `bench-operator-${randomBytes(16).toString('hex')}`;
const env = await wranglerEnv(work);
const persist = join(work, 'r2');
const t0 = Date.now();
const elapsed = (): string => `${((Date.now() - t0) / 1000).toFixed(0)} s`;



/** Tenant, repos pub/priv, a read token, the packages; waits for the metadata. Returns the Basic header. */
async function setUp(base: string, pkgs: Uint8Array[], smallName: string): Promise<{ auth: Record<string, string>; pkgPath: string }> {
  const api = apiAt(base, adminToken);
  await api('POST', '/api/v1/tenants', { name: TENANT });
  await api('POST', `/api/v1/tenants/${TENANT}/repos`, { name: 'pub', public: true, allowUnsigned: true });
  await api('POST', `/api/v1/tenants/${TENANT}/repos`, { name: 'priv', public: false, allowUnsigned: true });
  const { token } = (await api('POST', `/api/v1/tenants/${TENANT}/tokens`, { scopes: ['read'], repos: ['priv'] })) as { token: string };
  const auth = { authorization: `Basic ${Buffer.from(`dnf:${token}`).toString('base64')}` };
  let pkgPath = '';
  for (const repo of ['pub', 'priv']) {
    let revision = 0;
    for (const bytes of pkgs) {
      const r = (await api('PUT', `/api/v1/repos/${TENANT}/${repo}/packages`, bytes)) as { revision: number };
      revision = Math.max(revision, r.revision);
    }
    const headers = repo === 'priv' ? auth : {};
    for (let i = 0; ; i++) {
      const res = await fetch(`${base}/${TENANT}/${repo}/repodata/repomd.xml`, { headers });
      const text = await res.text();
      if (res.ok && Number(/<revision>(\d+)<\/revision>/.exec(text)?.[1]) >= revision) break;
      if (i > 1200) throw new Error(`${base}: metadata for ${repo} revision ${revision} never appeared`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const listing = (await api('GET', `/api/v1/repos/${TENANT}/${repo}/packages`)) as { packages: { name: string; location: string }[] };
    const loc = listing.packages.find((p) => p.name === smallName)?.location;
    if (!loc) throw new Error('the ~11 KB package is not listed');
    pkgPath = loc;
  }
  return { auth, pkgPath };
}

interface Download { bytes: number; sha256: string; seconds: number; cache: string; baseKiB: number; peakKiB: number; afterKiB: number; samples: number }

/** curl --limit-rate of `url` while sampling `pid`'s VmRSS; 1 s of baseline first, 2 s of tail after. */
async function slowDownload(url: string, pid: number, headersFile: string, extra: string[]): Promise<Download> {
  const base = sampleRss(pid);
  await new Promise((r) => setTimeout(r, 1000));
  const baseKiB = base.stop().maxKiB;
  const sampler = sampleRss(pid);
  const d = await fetchSlowly(url, headersFile, values.rate, extra);
  await new Promise((r) => setTimeout(r, 2000));
  const s = sampler.stop();
  return { ...d, baseKiB, peakKiB: s.maxKiB, afterKiB: s.lastKiB, samples: s.samples };
}

const mib = (kib: number): string => (kib / 1024).toFixed(1);

const node = await startBerth(root, { data: join(work, 'data'), adminToken, logFile: join(work, 'berth.log') });
let worker: Awaited<ReturnType<typeof startEdgeWorker>> | undefined;
try {
  // 1. The big metadata file, into both stores at the same key.
  const bigBytes = Number(values['big-mb']) * 1_000_000;
  const bigFile = join(work, 'big.bin');
  const bigSha = await writeRandom(bigFile, bigBytes);
  const bigName = `${bigSha}-filelists.xml.gz`;
  const bigKey = repodataKey(TENANT, 'pub', bigName);
  await createFsBlobStore(join(work, 'data')).put(bigKey, Readable.toWeb(createReadStream(bigFile)) as ReadableStream<Uint8Array>);
  seedLocalR2(root, env, persist, 'berth', bigKey, bigFile);
  console.error(`[${elapsed()}] ${bigBytes} random bytes seeded into local R2 and the fs store as ${bigName}`);

  // 2. Same repos, same packages, through each server's API.
  worker = await startEdgeWorker(root, { persist, adminToken, logFile: join(work, 'worker.log'), env });
  console.error(`[${elapsed()}] Worker up: proxy ${worker.url}, workerd entry ${worker.direct}`);
  const n = Number(values.packages);
  const small = synthPackage(n + 1, { padBytes: 8 * 1024 });
  const pkgs = [...Array.from({ length: n }, (_, i) => synthPackage(i + 1).bytes), small.bytes];
  const [onNode, onWorker] = await Promise.all([setUp(node.url, pkgs, small.name), setUp(worker.direct, pkgs, small.name)]);
  if (onNode.pkgPath !== onWorker.pkgPath) throw new Error(`package locations differ: ${onNode.pkgPath} vs ${onWorker.pkgPath}`);
  console.error(`[${elapsed()}] ${n + 1} packages published to pub and priv on both; metadata generated`);

  const workerPid = pidListeningOn(Number(new URL(worker.direct).port));
  const nodePid = pidListeningOn(Number(new URL(node.url).port));
  if (processName(workerPid) !== 'workerd') throw new Error(`pid ${workerPid} is ${processName(workerPid)}, not workerd`);

  // 3. Throughput.
  console.log(`node ${process.version}, ${cpus().length}× ${cpus()[0]?.model ?? '?'}, ${n + 1} packages, wrangler ${(JSON.parse(await readFile(join(root, 'node_modules', 'wrangler', 'package.json'), 'utf8')) as { version: string }).version}`);
  console.log(`wrk -t${opts.threads} -c${opts.connections} -d${opts.duration} --latency (after a ${values.warmup} warm-up per URL), loopback`);
  console.log('| file | node req/s | node p99 ms | worker req/s | worker p99 ms | ratio worker/node | edge cache |');
  console.log('|---|---:|---:|---:|---:|---:|---|');
  const measure = async (url: string, headers: Record<string, string>): Promise<{ r: WrkResult; cache: string }> => {
    wrk(url, { ...opts, duration: values.warmup, headers });
    const cache = (await fetch(url, { headers }).then(async (res) => { await res.arrayBuffer(); return res.headers.get('x-berth-edge-cache'); })) ?? '-';
    return { r: wrk(url, { ...opts, headers }), cache };
  };
  const files = { 'repomd.xml': 'repodata/repomd.xml', [`package ${(small.bytes.length / 1024).toFixed(1)} KB`]: onNode.pkgPath };
  for (const [label, path] of Object.entries(files)) {
    for (const repo of ['pub', 'priv']) {
      const headers = repo === 'priv' ? onNode.auth : {};
      const nd = await measure(`${node.url}/${TENANT}/${repo}/${path}`, headers);
      const wHeaders = repo === 'priv' ? onWorker.auth : {};
      for (const [via, base] of [['workerd entry', worker.direct], ['via wrangler dev proxy', worker.url]] as const) {
        const wk = await measure(`${base}/${TENANT}/${repo}/${path}`, wHeaders);
        const bad = nd.r.errors + wk.r.errors > 0 ? ` (errors: node ${nd.r.errors}, worker ${wk.r.errors})` : '';
        console.log(`| ${label} (${repo === 'pub' ? 'public' : 'private, Basic'}; worker ${via}) | ${nd.r.rps.toFixed(0)} | ${nd.r.p99ms.toFixed(2)} | ${wk.r.rps.toFixed(0)} | ${wk.r.p99ms.toFixed(2)} | ${(wk.r.rps / nd.r.rps).toFixed(2)}×${bad} | ${wk.cache} |`);
      }
    }
  }

  // 4. Memory while a slow reader downloads the big file.
  console.log(`\n${bigBytes / 1e6} MB random bytes as repodata/${bigName.slice(0, 12)}…-filelists.xml.gz, curl --limit-rate ${values.rate}, VmRSS every 200 ms`);
  console.log('| server | process | edge cache | seconds | RSS before MiB | peak MiB | growth MiB | after MiB |');
  console.log('|---|---|---|---:|---:|---:|---:|---:|');
  const wUrl = `${worker.direct}/${TENANT}/pub/repodata/${bigName}`;
  // Range bytes=0- (206, whole body) bypasses the edge cache: R2 → client only, no cache fill.
  const rows: [string, string, number, string[]][] = [
    ['Worker, Range bytes=0- (cache bypass)', wUrl, workerPid, ['-H', 'Range: bytes=0-']],
    ['Worker, 1st GET (miss; cache fill in waitUntil)', wUrl, workerPid, []],
    ['Worker, 2nd GET (from the edge cache)', wUrl, workerPid, []],
    ['berth serve', `${node.url}/${TENANT}/pub/repodata/${bigName}`, nodePid, []],
  ];
  let worst = 0;
  for (const [label, url, pid, extra] of rows) {
    const d = await slowDownload(url, pid, join(work, 'headers.txt'), extra);
    if (d.bytes !== bigBytes || d.sha256 !== bigSha) throw new Error(`${label}: got ${d.bytes} bytes, sha256 ${d.sha256}`);
    const growth = d.peakKiB - d.baseKiB;
    if (pid === workerPid) worst = Math.max(worst, growth);
    console.log(`| ${label} | ${pid === workerPid ? 'workerd' : 'node'} ${pid} | ${d.cache} | ${d.seconds.toFixed(1)} | ${mib(d.baseKiB)} | ${mib(d.peakKiB)} | ${mib(growth)} | ${mib(d.afterKiB)} |`);
  }
  console.log(`workerd now ${mib(rssKiB(workerPid))} MiB; node now ${mib(rssKiB(nodePid))} MiB`);
  if (worst >= 64 * 1024) throw new Error(`the Worker's RSS grew by ${mib(worst)} MiB while serving a ${bigBytes / 1e6} MB file`);
} finally {
  await worker?.stop();
  await node.stop();
  if (values.keep) console.error(`kept ${work}`);
  else await rm(work, { recursive: true, force: true });
}
