/**
 * Serving throughput: berth serve (fs store) vs nginx on the same files, side by side in one run.
 *
 *   npm run bench:serve -- [--packages N] [--duration 5s] [--rounds 3] [--connections 16] [--threads 2]
 *                          [--warmup 2s] [--workers 1,auto] [--cpu-prof DIR] [--keep]
 *                          [--big-mb 5] [--files repomd.xml,primary.xml.gz,package,package-big]
 *                          [--concurrency 8] [--data DIR]
 *
 * Publishes N synthetic packages (default 5,000: a ~515 KB primary.xml.gz) plus one ~11 KB and
 * one ~5 MB package into a public and a private repo (allow-unsigned) through the API of a
 * `berth serve` child process (`--concurrency` PUTs at a time), waits for the metadata,
 * copies repomd.xml, primary.xml.gz and both packages out of Berth into an nginx docroot
 * (same paths), then runs `wrk -tT -cC -dD --latency` on loopback against each, printing req/s,
 * p99 and the ratio Berth / nginx. Each row measures nginx and its server back to back, `--rounds`
 * times in alternating order, and reports medians: on a shared machine the load changes within
 * seconds, so only ratios taken moments apart mean much. A bare node:http server answering the same files from memory
 * is measured too, as the ceiling for a Node server on the machine. The private repo is read with Basic auth (a read token as
 * the password, as dnf sends it); nginx serves the same files without auth in both rows.
 * `--data DIR` keeps Berth's data directory there and reuses it on the next run (publishing
 * 5,000 packages twice takes minutes on a busy machine).
 * `--workers` lists the `berth serve --workers` settings to measure, each as its own server on
 * the same data directory (nginx runs `worker_processes auto`; `auto` is Berth's equivalent).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { nginxVersion, startNginx } from '../test/helpers/nginx.js';
import { startBareNode } from './lib/bare-node.js';
import { startBerth, type BerthChild } from './lib/berth-server.js';
import { synthPackage } from './lib/synth-repo.js';
import { hasWrk, wrk, type WrkOptions, type WrkResult } from './lib/wrk.js';

const root = join(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    packages: { type: 'string', default: '5000' },
    'big-mb': { type: 'string', default: '5' },
    files: { type: 'string', default: 'repomd.xml,primary.xml.gz,package,package-big' },
    concurrency: { type: 'string', default: '8' },
    duration: { type: 'string', default: '5s' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '2s' },
    connections: { type: 'string', default: '16' },
    threads: { type: 'string', default: '2' },
    workers: { type: 'string', default: '1,auto' },
    'cpu-prof': { type: 'string' },
    keep: { type: 'boolean', default: false },
    data: { type: 'string' },
  },
});
if (!hasWrk()) throw new Error('needs wrk (Debian package "wrk")');
const opts: WrkOptions = { threads: Number(values.threads), connections: Number(values.connections), duration: values.duration };
const TENANT = 'bench';
const work = await mkdtemp(join(tmpdir(), 'berth-bench-serve-'));
const adminToken = `bench-operator-${randomBytes(16).toString('hex')}`;
const prof = values['cpu-prof'];
const workerSettings = values.workers.split(',').map((w) => w.trim()).filter((w) => w !== '');
const startOne = (workers: string, i: number): Promise<BerthChild> => startBerth(root, {
  data: values.data ?? join(work, 'data'),
  adminToken,
  logFile: join(work, `berth-${i}.log`),
  workers,
  ...(prof ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${prof}`] } : {}),
});
const berth = await startOne(workerSettings[0] ?? '1', 0);
const others: BerthChild[] = [];

async function publishAll(b: BerthChild, repo: string, pkgs: (() => Uint8Array)[]): Promise<number> {
  let revision = 0;
  let next = 0;
  await Promise.all(Array.from({ length: Number(values.concurrency) }, async () => {
    while (next < pkgs.length) {
      const bytes = (pkgs[next++] as () => Uint8Array)();
      for (let attempt = 1; ; attempt++) {
        try {
          const r = (await b.api('PUT', `/api/v1/repos/${TENANT}/${repo}/packages`, bytes)) as { revision: number };
          revision = Math.max(revision, r.revision);
          break;
        } catch (err) {
          // a busy machine: 503 busy, or a keep-alive socket closed under us; a retry of a publish
          // that did land answers 200 (the same package again)
          if (attempt >= 5) throw err;
          await new Promise((r) => setTimeout(r, 500 * attempt));
        }
      }
    }
  }));
  return revision;
}

async function waitForRevision(url: string, revision: number, headers: Record<string, string>): Promise<string> {
  for (let i = 0; i < 600; i++) {
    const res = await fetch(url, { headers });
    const text = await res.text();
    if (res.ok && Number(/<revision>(\d+)<\/revision>/.exec(text)?.[1]) >= revision) return text;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`metadata for revision ${revision} never appeared at ${url}`);
}

async function copyOut(url: string, headers: Record<string, string>, dest: string): Promise<number> {
  const res = await fetch(url, { headers });
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  await mkdir(dirname(dest), { recursive: true });
  await writeFile(dest, bytes);
  return bytes.length;
}

try {
  // With --data, a data directory seeded by an earlier run (same --packages and --big-mb) is reused.
  const seeded = values.data !== undefined && existsSync(join(values.data, 'seeded'));
  if (!seeded) {
    await berth.api('POST', '/api/v1/tenants', { name: TENANT });
    await berth.api('POST', `/api/v1/tenants/${TENANT}/repos`, { name: 'pub', public: true, allowUnsigned: true });
    await berth.api('POST', `/api/v1/tenants/${TENANT}/repos`, { name: 'priv', public: false, allowUnsigned: true });
  }
  const { token } = (await berth.api('POST', `/api/v1/tenants/${TENANT}/tokens`, { scopes: ['read'], repos: ['priv'] })) as { token: string };
  const privAuth = { authorization: `Basic ${Buffer.from(`dnf:${token}`).toString('base64')}` };

  const n = Number(values.packages);
  const small = synthPackage(n + 1, { padBytes: 8 * 1024 });
  const big = synthPackage(n + 2, { padBytes: Number(values['big-mb']) * 1024 * 1024 });
  const pkgs = [...Array.from({ length: n }, (_, i) => () => synthPackage(i + 1).bytes), () => small.bytes, () => big.bytes];
  const docroot = join(work, 'www');
  const wanted = new Set(values.files.split(',').map((f) => f.trim()));
  // Per repo: primary.xml.gz differs between repos (`<time file>` is per repo).
  const paths: Record<string, Record<string, string>> = {};
  for (const repo of ['pub', 'priv']) {
    const headers = repo === 'priv' ? privAuth : {};
    const t = performance.now();
    const revision = seeded ? 0 : await publishAll(berth, repo, pkgs);
    const base = `${berth.url}/${TENANT}/${repo}`;
    const repomd = await waitForRevision(`${base}/repodata/repomd.xml`, revision, headers);
    console.error(`  ${repo}: ${pkgs.length} packages published and visible in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const primary = /<data type="primary">[\s\S]*?<location href="([^"]+)"/.exec(repomd)?.[1];
    if (!primary) throw new Error('no primary in repomd.xml');
    const located = async (name: string): Promise<string> => {
      const listing = (await berth.api('GET', `/api/v1/repos/${TENANT}/${repo}/packages?name=${name}`)) as { packages: { name: string; location: string }[] };
      const loc = listing.packages.find((p) => p.name === name)?.location;
      if (!loc) throw new Error(`package ${name} is not listed`);
      return loc;
    };
    const all: Record<string, string> = {
      'repomd.xml': 'repodata/repomd.xml', 'primary.xml.gz': primary, package: await located(small.name), 'package-big': await located(big.name),
    };
    paths[repo] = Object.fromEntries(Object.entries(all).filter(([k]) => wanted.has(k)));
    for (const p of Object.values(paths[repo])) {
      const size = await copyOut(`${base}/${p}`, headers, join(docroot, TENANT, repo, p));
      if (repo === 'pub') console.error(`  ${p}: ${size} bytes`);
    }
  }

  if (values.data !== undefined) await writeFile(join(values.data, 'seeded'), `${n}\n`);

  // More servers on the same data directory, for the other --workers settings.
  for (const [i, w] of workerSettings.slice(1).entries()) others.push(await startOne(w, i + 1));
  const servers = [berth, ...others].map((b, i) => ({ b, label: workerSettings.length > 1 ? `, workers ${workerSettings[i]}` : '' }));
  const nginx = await startNginx({ prefix: join(work, 'nginx'), root: docroot, workers: 'auto', stock: true });
  const bare = await startBareNode(docroot);
  console.log(`node ${process.version}, ${nginxVersion()}, ${cpus().length}× ${cpus()[0]?.model ?? '?'}, ${n + 1} packages`);
  const rounds = Number(values.rounds);
  console.log(`wrk -t${opts.threads} -c${opts.connections} -d${opts.duration} --latency, loopback; per row ${rounds} rounds of nginx and the row's server ` +
    `back to back (order alternating, after a ${values.warmup} warm-up of each); medians, and the median of the per-round ratios`);
  console.log(`load average at start: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log('| file | nginx req/s | nginx p99 ms | berth req/s | berth p99 ms | ratio (rounds) |');
  console.log('|---|---:|---:|---:|---:|---:|');
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  /** nginx and `url` back to back, `rounds` times: under load, only ratios taken moments apart mean much. */
  const paired = (label: string, nUrl: string, url: string, headers: Record<string, string>): void => {
    wrk(nUrl, { ...opts, duration: values.warmup });
    wrk(url, { ...opts, duration: values.warmup, headers });
    const pairs: [WrkResult, WrkResult][] = [];
    for (let r = 0; r < rounds; r++) {
      if (r % 2 === 0) {
        const a = wrk(nUrl, opts);
        pairs.push([a, wrk(url, { ...opts, headers })]);
      } else {
        const b = wrk(url, { ...opts, headers });
        pairs.push([wrk(nUrl, opts), b]);
      }
    }
    const errors = pairs.reduce((e, [a, b]) => e + a.errors + b.errors, 0);
    const ratios = pairs.map(([a, b]) => b.rps / a.rps);
    const m = (f: (p: [WrkResult, WrkResult]) => number): string => median(pairs.map(f)).toFixed(0);
    const mp = (f: (p: [WrkResult, WrkResult]) => number): string => median(pairs.map(f)).toFixed(2);
    console.log(`| ${label} | ${m(([a]) => a.rps)} | ${mp(([a]) => a.p99ms)} | ${m(([, b]) => b.rps)} | ${mp(([, b]) => b.p99ms)} | ` +
      `${median(ratios).toFixed(2)}× (${ratios.map((x) => x.toFixed(2)).join(', ')})${errors > 0 ? ` (errors: ${errors})` : ''} |`);
  };
  try {
    for (const label of Object.keys(paths['pub'] ?? {})) {
      const nUrl = `${nginx.url}/${TENANT}/pub/${paths['pub']?.[label]}`;
      // The ceiling for Node here: bare node:http from memory (the berth columns hold it in this row).
      paired(`${label} (bare node:http from memory)`, nUrl, `${bare.url}/${TENANT}/pub/${paths['pub']?.[label]}`, {});
      for (const { b, label: w } of servers) {
        for (const repo of ['pub', 'priv']) {
          const headers = repo === 'priv' ? privAuth : {};
          paired(`${label} (${repo === 'pub' ? 'public' : 'private, Basic'}${w})`, nUrl, `${b.url}/${TENANT}/${repo}/${paths[repo]?.[label]}`, headers);
        }
      }
    }
  } finally {
    await nginx.stop();
    await bare.stop();
  }
} finally {
  for (const o of others) await o.stop();
  await berth.stop();
  if (values.keep) console.error(`kept ${work}`);
  else await rm(work, { recursive: true, force: true });
}
