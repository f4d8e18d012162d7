/**
 * dnf through Berth vs the same repo behind nginx, side by side in one run.
 *
 *   npm run bench:dnf -- [N ...] [--runs 3] [--workers 1] [--seed-only]
 *
 * For each N (default 4000 and 50000): a public repo (allow-unsigned) of N synthetic packages
 * (bench/lib/synth-repo.ts) written straight into an fs store as publish leaves them (blobs,
 * fragments, index segments in one commit: publishing 50,000 through the API would take an hour
 * here), plus one real, installable package (`berth-bench-1`, made by rpmbuild) published through
 * the API. A `berth serve` child (`--workers`) builds the metadata. Every file dnf can fetch —
 * repomd.xml, its .asc and .key, every file repomd.xml names, the real package — is copied out
 * of Berth into an nginx docroot at the same paths (nginx: `worker_processes auto`, sendfile,
 * access log on; Berth logs every request too).
 *
 * Timed, alternating nginx and Berth `--runs` times (medians reported), each with a fresh cache
 * directory and installroot (no metadata cached):
 *   - `dnf makecache`: repomd.xml, primary, filelists, other downloaded and loaded;
 *   - `dnf install -y berth-bench-1`: metadata, depsolve, download, install into the installroot.
 * gpgcheck and repo_gpgcheck are off for both (the packages are unsigned; repo signatures are
 * not what is compared). The store is kept under bench/.work/dnf-N and reused by later runs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { nodePlatform } from '../src/adapters/node/platform.js';
import { readRpm } from '../src/core/rpm/index.js';
import { packagePlacement, type IndexEntry } from '../src/repo/index-entry.js';
import { updateIndex } from '../src/repo/index-store.js';
import { fragmentFile, packageRecord, writeFragmentFile } from '../src/repo/package-fragments.js';
import { createRepo } from '../src/repo/repos.js';
import { createTenant } from '../src/repo/tenants.js';
import { createFsBlobStore } from '../src/storage/fs-store.js';
import { packageBlobKey } from '../src/storage/keys.js';
import { nginxVersion, startNginx } from '../test/helpers/nginx.js';
import { buildMany } from '../test/helpers/rpmbuild.js';
import { startBerth } from './lib/berth-server.js';
import { synthPackage } from './lib/synth-repo.js';

const root = join(import.meta.dirname, '..');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: 'string', default: '3' },
    workers: { type: 'string', default: '1' },
    'seed-only': { type: 'boolean', default: false },
  },
});
const sizes = positionals.length > 0 ? positionals.map(Number) : [4000, 50000];
const RUNS = Number(values.runs);
const TENANT = 'bench';
const REPO = 'dnf';
const ADMIN = 'dnf-bench-operator-token-0123456789';
const REAL = 'berth-bench-1';

for (const [cmd, pkg] of [['dnf', 'dnf'], ['nginx', 'nginx'], ['rpmbuild', 'rpm']] as const) {
  if (spawnSync(cmd, ['--version']).error !== undefined) throw new Error(`needs ${cmd} (Debian package "${pkg}")`);
}

/** Writes N synthetic packages into `data` as publish would (once: kept and reused). */
async function seed(data: string, n: number): Promise<void> {
  const marker = join(data, '..', 'seeded');
  if (existsSync(marker)) return;
  const t = performance.now();
  await rm(data, { recursive: true, force: true });
  const store = createFsBlobStore(data);
  const now = new Date();
  await createTenant(store, TENANT, now);
  await createRepo(store, { tenant: TENANT, name: REPO, public: true, allowUnsigned: true }, now);
  const addedAt = Math.floor(now.getTime() / 1000);
  const entries = new Array<IndexEntry>(n);
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < n) {
      const k = next++;
      const { bytes } = synthPackage(k + 1);
      const result = await readRpm((async function* () { yield bytes; })(), nodePlatform);
      const { filename, location } = packagePlacement(result.pkg);
      const frag = fragmentFile(packageRecord(result, addedAt, location));
      if ('excluded' in frag) throw new Error(`synthetic package ${k + 1} is unrepresentable`);
      await store.put(packageBlobKey(TENANT, result.computed.fileSha256), bytes, { contentType: 'application/x-rpm' });
      await writeFragmentFile(store, TENANT, REPO, frag);
      const p = result.pkg;
      entries[k] = {
        sha256: result.computed.fileSha256, name: p.name, epoch: p.epoch ?? 0, version: p.version, release: p.release, arch: p.arch,
        filename, location, size: bytes.length, addedAt, signer: null,
      };
      if (k % 10_000 === 0) console.error(`  seeding: ${k} of ${n}`);
    }
  }));
  await updateIndex(store, TENANT, REPO, () => now, (cur) => ({ next: { ...cur, packages: entries }, result: null }));
  await writeFile(marker, `${n}\n`);
  console.error(`  seeded ${n} packages in ${((performance.now() - t) / 1000).toFixed(0)} s`);
}

interface Dnf {
  /** Wall seconds of `dnf ARGS` with a fresh cache and installroot. */
  timed(args: string[]): number;
}

function dnfFor(base: string, baseurl: string): Dnf {
  const conf = join(base, 'dnf.conf');
  const reposd = join(base, 'repos.d');
  const cache = join(base, 'cache');
  const installroot = join(base, 'root');
  return {
    timed(args) {
      spawnSync('rm', ['-rf', cache, installroot, reposd]);
      spawnSync('mkdir', ['-p', cache, installroot, reposd]);
      spawnSync('sh', ['-c', `cat > ${conf} <<'EOF'
[main]
gpgcheck=0
repo_gpgcheck=0
skip_if_unavailable=False
install_weak_deps=False
keepcache=False
reposdir=${reposd}
cachedir=${cache}
logdir=${join(base, 'log')}
EOF
cat > ${join(reposd, 'bench.repo')} <<'EOF'
[bench]
name=bench
baseurl=${baseurl}
enabled=1
gpgcheck=0
repo_gpgcheck=0
metadata_expire=0
EOF`]);
      const t = performance.now();
      const r = spawnSync('dnf', [
        '--config', conf, '--installroot', installroot, '--releasever', '1', `--setopt=reposdir=${reposd}`, `--setopt=cachedir=${cache}`,
        '--disablerepo=*', '--enablerepo=bench', '-y', ...args,
      ], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C.UTF-8', HOME: '/root' }, timeout: 20 * 60_000 });
      const s = (performance.now() - t) / 1000;
      if (r.status !== 0) throw new Error(`dnf ${args.join(' ')} against ${baseurl} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
      return s;
    },
  };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const load = (): string => loadavg().map((l) => l.toFixed(1)).join(' ');

console.log(`node ${process.version}, ${nginxVersion()}, dnf ${spawnSync('dnf', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0]}, ${cpus().length}× ${cpus()[0]?.model ?? '?'}`);
const rows: string[] = [];
for (const n of sizes) {
  const dir = join(root, 'bench', '.work', `dnf-${n}`);
  const data = join(dir, 'data');
  await mkdir(dir, { recursive: true });
  await seed(data, n);
  if (values['seed-only']) continue;
  const work = await mkdtemp(join(tmpdir(), 'berth-bench-dnf-'));
  const berth = await startBerth(root, { data, adminToken: ADMIN, logFile: join(work, 'berth.log'), workers: values.workers });
  try {
    // the real package (once per store); then wait for the metadata that lists it
    let revision = 0;
    const listed = (await berth.api('GET', `/api/v1/repos/${TENANT}/${REPO}/packages?name=${REAL}`)) as { packages: { location: string }[]; revision: number };
    if (listed.packages.length === 0) {
      const built = await buildMany(1, join(work, 'rpms'));
      const r = (await berth.api('PUT', `/api/v1/repos/${TENANT}/${REPO}/packages`, new Uint8Array(await readFile(built[0] as string)))) as { revision: number };
      revision = r.revision;
    } else {
      revision = listed.revision;
    }
    const base = `${berth.url}/${TENANT}/${REPO}`;
    let repomd = '';
    const t = performance.now();
    for (let i = 0; ; i++) {
      const res = await fetch(`${base}/repodata/repomd.xml`);
      repomd = res.ok ? await res.text() : '';
      if (Number(/<revision>(\d+)<\/revision>/.exec(repomd)?.[1]) >= revision) break;
      if (i > 12_000) throw new Error('the metadata never appeared');
      await new Promise((r) => setTimeout(r, 100));
    }
    console.error(`  ${n}: metadata ready after ${((performance.now() - t) / 1000).toFixed(0)} s`);
    const real = ((await berth.api('GET', `/api/v1/repos/${TENANT}/${REPO}/packages?name=${REAL}`)) as { packages: { location: string }[] }).packages[0]?.location;
    if (!real) throw new Error(`${REAL} is not listed`);
    const files = ['repodata/repomd.xml', 'repodata/repomd.xml.asc', 'repodata/repomd.xml.key',
      ...[...repomd.matchAll(/<location href="([^"]+)"/g)].map((m) => m[1] as string), real];
    const docroot = join(work, 'www');
    let bytes = 0;
    for (const f of files) {
      const res = await fetch(`${base}/${f}`);
      if (!res.ok) throw new Error(`GET ${f}: ${res.status}`);
      const body = new Uint8Array(await res.arrayBuffer());
      bytes += body.length;
      await mkdir(dirname(join(docroot, TENANT, REPO, f)), { recursive: true });
      await writeFile(join(docroot, TENANT, REPO, f), body);
    }
    console.error(`  ${n}: ${files.length} files, ${(bytes / 1e6).toFixed(1)} MB copied to nginx`);
    const nginx = await startNginx({ prefix: join(work, 'nginx'), root: docroot, workers: 'auto', stock: true });
    try {
      const clients = { nginx: dnfFor(join(work, 'dnf-nginx'), `${nginx.url}/${TENANT}/${REPO}`), berth: dnfFor(join(work, 'dnf-berth'), base) };
      const times: Record<string, Record<'nginx' | 'berth', number[]>> = { makecache: { nginx: [], berth: [] }, install: { nginx: [], berth: [] } };
      const before = load();
      for (let run = 0; run < RUNS; run++) {
        const order = run % 2 === 0 ? (['nginx', 'berth'] as const) : (['berth', 'nginx'] as const);
        for (const who of order) {
          times['makecache']![who].push(clients[who].timed(['makecache']));
          times['install']![who].push(clients[who].timed(['install', REAL]));
        }
      }
      const after = load();
      for (const what of ['makecache', 'install'] as const) {
        const a = median(times[what]!.nginx);
        const b = median(times[what]!.berth);
        const runs = (xs: number[]): string => xs.map((x) => x.toFixed(2)).join(', ');
        rows.push(`| ${n + 1} | dnf ${what === 'install' ? `install ${REAL}` : 'makecache'} | ${a.toFixed(2)} (${runs(times[what]!.nginx)}) | ` +
          `${b.toFixed(2)} (${runs(times[what]!.berth)}) | ${(b / a).toFixed(2)}× | ${before} → ${after} |`);
      }
    } finally {
      await nginx.stop();
    }
  } finally {
    await berth.stop();
    await rm(work, { recursive: true, force: true });
  }
}
console.log(`median of ${RUNS} runs each, alternating; fresh cache and installroot every time; berth serve --workers ${values.workers}`);
console.log('| packages | command | nginx s (runs) | berth s (runs) | ratio | load average before → after |');
console.log('|---:|---|---:|---:|---:|---|');
for (const r of rows) console.log(r);
