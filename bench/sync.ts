/**
 * berth sync vs dnf reposync from the same nginx-served repo, side by side in one run.
 *
 *   npm run bench:sync -- [N] [--change 0.01] [--pad BYTES] [--jobs 4] [--keep] [--berth-only | --skip-berth] [--mirror | --mirror-only]
 *
 * Upstream: N synthetic packages (bench/lib/synth-repo.ts; `--pad` adds incompressible payload
 * bytes to each), `createrepo_c --no-database`, repomd.xml signed (detached, armored) with a
 * throwaway gpg key, served by nginx on 127.0.0.1 from a temp prefix. Bytes transferred are
 * taken from nginx's access log ($bytes_sent: headers + body of every response), for both tools.
 *
 *   1. full sync: `berth sync --key K --jobs J URL DIR1` (dist/ build) and `dnf reposync
 *      --download-metadata --delete --norepopath -p DIR2` (repo_gpgcheck=1 with the same key,
 *      max_parallel_downloads=J, its own config, reposdir and cachedir).
 *   2. change: round(N × change) packages removed (evenly spread) and as many new ones added,
 *      `createrepo_c --update --no-database`, re-signed; then both tools again into the same dirs.
 *      "Changed bytes" = the new packages + every repodata file whose bytes changed (new
 *      checksum-named files, repomd.xml and its .asc).
 *
 *   3. Berth upstream (bench/lib/sync-berth.ts; `--berth-only` runs just this, `--skip-berth`
 *      skips it): N synthetic packages in an in-process Berth; berth sync fetching changed
 *      members by Range vs the same sync downloading whole files, after one publish and after
 *      round(N × change) packages replaced; bytes counted at the server's sockets.
 *
 *   4. Mirror of a Berth upstream (bench/lib/mirror-berth.ts; `--mirror` adds it, `--mirror-only`
 *      runs just this): a complete `berth mirror` fetching changed members by Range vs the same
 *      mirror downloading whole files, first run and after one publish; N real RPM files.
 *
 * Everything lives in a mkdtemp directory removed at the end (unless --keep).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { detachSign, disposeTestKeyring, testKeyring } from '../test/helpers/gpg.js';
import { nginxVersion, startNginx } from '../test/helpers/nginx.js';
import { hasGnuTime, measure, type Measurement } from './lib/measure.js';
import { benchBerthUpstream, printBerthRows } from './lib/sync-berth.js';
import { benchMirrorBerth, printMirrorRows } from './lib/mirror-berth.js';
import { synthPackage, synthRepo } from './lib/synth-repo.js';

const root = join(import.meta.dirname, '..');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    change: { type: 'string', default: '0.01' },
    pad: { type: 'string', default: '0' },
    jobs: { type: 'string', default: '4' },
    keep: { type: 'boolean', default: false },
    'berth-only': { type: 'boolean', default: false },
    'skip-berth': { type: 'boolean', default: false },
    mirror: { type: 'boolean', default: false },
    'mirror-only': { type: 'boolean', default: false },
  },
});
const n = Number(positionals[0] ?? 4000);
const padBytes = Number(values.pad);
const jobs = Number(values.jobs);
const changed = Math.max(1, Math.round(n * Number(values.change)));
const TIMEOUT = 20 * 60_000;

async function berthPart(): Promise<void> {
  console.log('');
  console.log(`Berth upstream: ${n} packages, berth sync by ranges (member map) vs whole files, ${changed} replaced in the last round; bytes = everything the server wrote`);
  const rows = await benchBerthUpstream(n, changed, jobs, (l) => console.error(l));
  printBerthRows(rows, (l) => console.log(l));
}

async function mirrorPart(): Promise<void> {
  console.log('');
  console.log(`Mirror of a Berth upstream: ${n} packages, a complete berth mirror by ranges (member map) vs whole files; bytes = everything the upstream wrote`);
  const rows = await benchMirrorBerth(n, (l) => console.error(l));
  printMirrorRows(rows, (l) => console.log(l));
}

if (values['mirror-only']) {
  await mirrorPart();
  process.exit(0);
}

if (values['berth-only']) {
  await berthPart();
  process.exit(0);
}

if (!hasGnuTime()) throw new Error('needs /usr/bin/time (Debian package "time")');
const need = (cmd: string, args: string[], pkg: string): void => {
  if (spawnSync(cmd, args, { stdio: 'ignore' }).status !== 0) throw new Error(`needs ${cmd} ${args[0] ?? ''} (Debian package "${pkg}")`);
};
need('createrepo_c', ['--version'], 'createrepo-c');
need('nginx', ['-v'], 'nginx');
need('gpg', ['--version'], 'gpg');
need('dnf', ['reposync', '--help'], 'dnf-plugins-core');
const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) throw new Error('npm run build failed');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');

interface Logged { status: number; bytes: number; method: string; path: string }
const LOG_FORMAT = '$status $bytes_sent "$request"';
function readLog(file: string): Logged[] {
  const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l !== '') : [];
  return lines.map((l) => {
    const m = /^(\d+) (\d+) "(\S+) (\S+)/.exec(l);
    if (!m) throw new Error(`unreadable access log line: ${l}`);
    return { status: Number(m[1]), bytes: Number(m[2]), method: m[3] as string, path: m[4] as string };
  });
}

interface Traffic { requests: number; bytes: number; rpmRequests: number; rpmBytes: number; otherRequests: number; otherBytes: number; non2xx: number }
function traffic(reqs: Logged[]): Traffic {
  const rpm = reqs.filter((r) => r.path.endsWith('.rpm'));
  const other = reqs.filter((r) => !r.path.endsWith('.rpm'));
  const sum = (xs: Logged[]): number => xs.reduce((a, r) => a + r.bytes, 0);
  return {
    requests: reqs.length, bytes: sum(reqs), rpmRequests: rpm.length, rpmBytes: sum(rpm), otherRequests: other.length, otherBytes: sum(other),
    non2xx: reqs.filter((r) => r.status < 200 || r.status > 299).length,
  };
}

async function sizes(dir: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const name of await readdir(dir)) out.set(name, (await stat(join(dir, name))).size);
  return out;
}

async function countRpms(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true });
  return entries.filter((e) => e.endsWith('.rpm')).length;
}

const work = await mkdtemp(join(tmpdir(), 'berth-bench-sync-'));
const up = join(work, 'upstream');
const dir1 = join(work, 'berth');
const dir2 = join(work, 'dnf');
const keys = await testKeyring();
const mib = (b: number): string => (b / 1024 / 1024).toFixed(2);

try {
  const t = performance.now();
  await synthRepo(up, n, { padBytes });
  const cr = spawnSync('createrepo_c', ['--no-database', '-q', up], { stdio: 'inherit' });
  if (cr.status !== 0) throw new Error('createrepo_c failed');
  await detachSign(join(up, 'repodata', 'repomd.xml'), 'rsa');
  const repoBytes = [...(await sizes(join(up, 'Packages'))).values()].reduce((a, b) => a + b, 0);
  const mdBytes = [...(await sizes(join(up, 'repodata'))).values()].reduce((a, b) => a + b, 0);
  console.error(`upstream: ${n} packages, ${mib(repoBytes)} MiB + ${mib(mdBytes)} MiB repodata, made in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  const nginx = await startNginx({ prefix: join(work, 'nginx'), root: up, logFormat: LOG_FORMAT, workers: 'auto', stock: true });
  const dnfBase = join(work, 'dnf-conf');
  const reposd = join(dnfBase, 'repos.d');
  const cache = join(dnfBase, 'cache');
  await mkdir(reposd, { recursive: true });
  await mkdir(cache, { recursive: true });
  const conf = join(dnfBase, 'dnf.conf');
  await writeFile(conf, ['[main]', `reposdir=${reposd}`, `cachedir=${cache}`, `logdir=${join(dnfBase, 'log')}`, `persistdir=${join(dnfBase, 'persist')}`,
    'keepcache=False', `max_parallel_downloads=${jobs}`, ''].join('\n'));
  await writeFile(join(reposd, 'bench.repo'), ['[bench]', 'name=bench', `baseurl=${nginx.url}/`, 'enabled=1', 'gpgcheck=0', 'repo_gpgcheck=1',
    `gpgkey=file://${keys.rsa.publicKeyFile}`, 'metadata_expire=0', ''].join('\n'));

  const runBerth = (): Measurement => measure(process.execPath, [cli, 'sync', nginx.url, dir1, '--key', keys.rsa.publicKeyFile, '--jobs', String(jobs), '--json'], { timeoutMs: TIMEOUT });
  const runDnf = (): Measurement => measure('dnf', [
    '--config', conf, `--setopt=reposdir=${reposd}`, `--setopt=cachedir=${cache}`, '--releasever', '1', '-y', '-q',
    'reposync', '--repoid', 'bench', '--download-metadata', '--delete', '--norepopath', '-p', dir2,
  ], { timeoutMs: TIMEOUT, env: { ...process.env, LC_ALL: 'C.UTF-8' } });

  const timed = (label: string, fn: () => Measurement): { m: Measurement; tr: Traffic; log: Logged[] } => {
    const before = readLog(nginx.accessLog).length;
    const m = fn();
    const log = readLog(nginx.accessLog).slice(before);
    const tr = traffic(log);
    console.error(`  ${label}: ${m.seconds.toFixed(2)} s, ${tr.requests} requests, ${tr.bytes} bytes${tr.non2xx ? ` (${tr.non2xx} non-2xx)` : ''}`);
    return { m, tr, log };
  };

  try {
    console.log(`node ${process.version}, ${nginxVersion()}, dnf ${spawnSync('dnf', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0]}, ` +
      `createrepo_c ${spawnSync('createrepo_c', ['--version'], { encoding: 'utf8' }).stdout.trim()}, ${cpus().length}× ${cpus()[0]?.model ?? '?'}`);
    console.log(`${n} packages (mean ${(repoBytes / n / 1024).toFixed(1)} KiB, ${mib(repoBytes)} MiB) + ${mib(mdBytes)} MiB repodata; jobs ${jobs}; loopback nginx; bytes = Σ $bytes_sent`);

    // 1. full sync
    const b1 = timed('berth sync (full)', runBerth);
    const d1 = timed('dnf reposync (full)', runDnf);
    for (const [name, d] of [['berth', dir1], ['dnf', dir2]] as const) {
      const c = await countRpms(d);
      if (c !== n) throw new Error(`${name} has ${c} packages in ${d}, expected ${n}`);
    }

    // 2. change round(N × change) packages: remove evenly spread ones, add as many new ones
    const mdBefore = await sizes(join(up, 'repodata'));
    const step = n / changed;
    let addedBytes = 0;
    for (let k = 0; k < changed; k++) {
      const gone = synthPackage(Math.min(n, Math.round((k + 1) * step))).name;
      await rm(join(up, 'Packages', `${gone}.x86_64.rpm`));
      const p = synthPackage(n + 1 + k, { padBytes });
      await writeFile(join(up, 'Packages', `${p.name}.x86_64.rpm`), p.bytes);
      addedBytes += p.bytes.length;
    }
    const up2 = spawnSync('createrepo_c', ['--update', '--no-database', '-q', up], { stdio: 'inherit' });
    if (up2.status !== 0) throw new Error('createrepo_c --update failed');
    await detachSign(join(up, 'repodata', 'repomd.xml'), 'rsa');
    const mdAfter = await sizes(join(up, 'repodata'));
    const changedMd = [...mdAfter].filter(([f, s]) => f.startsWith('repomd.xml') || mdBefore.get(f) !== s || !mdBefore.has(f));
    const changedMdBytes = changedMd.reduce((a, [, s]) => a + s, 0);
    console.error(`  changed: ${changed} packages (${addedBytes} bytes) + ${changedMd.map(([f]) => f.replace(/^[0-9a-f]{64}-/, '')).join(', ')} (${changedMdBytes} bytes)`);

    const b2 = timed('berth sync (incremental)', runBerth);
    const d2 = timed('dnf reposync (incremental)', runDnf);
    for (const [name, d] of [['berth', dir1], ['dnf', dir2]] as const) {
      const c = await countRpms(d);
      if (c !== n) throw new Error(`${name} has ${c} packages in ${d} after the change, expected ${n}`);
    }
    const b3 = timed('berth sync (unchanged)', runBerth);

    const pct = (x: number, y: number): string => `${(x / y).toFixed(2)}×`;
    console.log('');
    console.log('| run | tool | wall s | requests (.rpm / other) | bytes (.rpm / other) | peak RSS MiB |');
    console.log('|---|---|---:|---:|---:|---:|');
    const row = (run: string, tool: string, r: { m: Measurement; tr: Traffic }): void => {
      const tr = r.tr;
      console.log(`| ${run} | ${tool} | ${r.m.seconds.toFixed(2)} | ${tr.requests} (${tr.rpmRequests} / ${tr.otherRequests}) | ${tr.bytes} (${tr.rpmBytes} / ${tr.otherBytes}) | ${(r.m.maxRssKiB / 1024).toFixed(0)} |`);
    };
    row('full', 'berth sync', b1);
    row('full', 'dnf reposync', d1);
    row(`${changed} replaced`, 'berth sync', b2);
    row(`${changed} replaced`, 'dnf reposync', d2);
    row('unchanged', 'berth sync', b3);
    console.log('');
    console.log(`full sync, berth / dnf: wall ${pct(b1.m.seconds, d1.m.seconds)}, bytes ${pct(b1.tr.bytes, d1.tr.bytes)}, requests ${pct(b1.tr.requests, d1.tr.requests)}`);
    console.log(`full sync bytes / repo bytes (packages + repodata ${repoBytes + mdBytes}): berth ${pct(b1.tr.bytes, repoBytes + mdBytes)}, dnf ${pct(d1.tr.bytes, repoBytes + mdBytes)}`);
    console.log(`incremental: changed packages ${addedBytes} bytes, changed metadata ${changedMdBytes} bytes (${changedMd.length} files)`);
    for (const [tool, r] of [['berth sync', b2], ['dnf reposync', d2]] as const) {
      console.log(`  ${tool}: ${r.tr.bytes} bytes in ${r.m.seconds.toFixed(2)} s = ${pct(r.tr.bytes, addedBytes)} changed package bytes, ` +
        `${pct(r.tr.bytes, addedBytes + changedMdBytes)} changed package+metadata bytes`);
    }
    console.log(`incremental, berth / dnf: wall ${pct(b2.m.seconds, d2.m.seconds)}, bytes ${pct(b2.tr.bytes, d2.tr.bytes)}`);
    const summary = JSON.parse(b2.m.stdout) as { bytes: number; requests: number };
    console.error(`  berth's own count (bodies only): ${summary.bytes} bytes, ${summary.requests} requests`);
    if (values.keep) {
      await writeFile(join(work, 'requests.json'), JSON.stringify({ berthFull: b1.log, dnfFull: d1.log, berthIncr: b2.log, dnfIncr: d2.log }, null, 1));
    }
  } finally {
    await nginx.stop();
  }
} finally {
  await disposeTestKeyring();
  if (values.keep) console.error(`kept ${work}`);
  else await rm(work, { recursive: true, force: true });
}
if (!values['skip-berth']) await berthPart();
if (values.mirror) await mirrorPart();
