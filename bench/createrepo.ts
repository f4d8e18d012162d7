/**
 * berth createrepo vs createrepo_c on the same directories, side by side in one run.
 *
 *   npm run bench:createrepo -- [N ...] [--sets synth,real,rpmbuild] [--runs R] [--workers W,...]
 *                               [--memory] [--startup R] [--update]
 *
 * Package sets (made once, cached under bench/.work/):
 *   synth     N synthetic packages of ~3 KiB (bench/lib/synth-repo.ts): reading headers and
 *             writing XML dominate.
 *   real      N synthetic packages with 100 KB-5 MB payloads (log-uniform, ~1.25 MB mean):
 *             hashing the packages dominates.
 *   rpmbuild  N packages made by rpmbuild (bench/lib/rpmbuild-repo.ts): headers with everything
 *             rpmbuild writes.
 * Builds the CLI once (`npm run build`: dist/src and the bundled CLI in dist/cli), then, for every
 * set and N, runs R rounds, each timing `createrepo_c --no-database -q DIR` and then
 * `node bin/berth.js createrepo -q --workers W DIR` (the `berth` command as installed, through
 * its launcher) for every W given (default: the CLI's default), and prints one row per W: median
 * wall time, median CPU time (user + system, all threads), median peak RSS (GNU time), the wall
 * ratio berth / createrepo_c and the load average before and after the row. `--runs 0` only makes
 * the package sets. `--memory` adds, per set and N, the peak of process.memoryUsage() of an
 * in-process run (main thread: V8 heap, external and ArrayBuffers). `--startup R` first times
 * both tools R times on an empty directory: what starting costs. `--update` runs each tool a
 * second time after each of its runs, with `--update` over the metadata it just wrote (nothing
 * changed: every package reused), and prints those rows too (set `synth --update`, …).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { hasGnuTime, measure, median, type Measurement } from './lib/measure.js';
import { rpmbuildRepo } from './lib/rpmbuild-repo.js';
import { synthRepo } from './lib/synth-repo.js';

const root = join(import.meta.dirname, '..');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: 'string', default: '3' },
    workers: { type: 'string' },
    sets: { type: 'string', default: 'synth' },
    memory: { type: 'boolean', default: false },
    startup: { type: 'string', default: '0' },
    update: { type: 'boolean', default: false },
  },
});
const sizes = positionals.length ? positionals.map(Number) : [4000];
const runs = Number(values.runs);
const variants: (string | null)[] = values.workers ? values.workers.split(',') : [null];
const sets = values.sets.split(',');
for (const s of sets) if (!['synth', 'real', 'rpmbuild'].includes(s)) throw new Error(`unknown set '${s}' (synth, real, rpmbuild)`);

if (!hasGnuTime()) throw new Error('needs /usr/bin/time (Debian package "time")');
if (spawnSync('createrepo_c', ['--version']).status !== 0) throw new Error('needs createrepo_c (Debian package "createrepo-c")');
if (sets.includes('rpmbuild') && spawnSync('rpmbuild', ['--version']).status !== 0) throw new Error('needs rpmbuild (Debian package "rpm")');
const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) throw new Error('npm run build failed');
const cli = join(root, 'bin', 'berth.js');
// the launcher runs the bundle only while it is fresh: make sure that is what is measured
const fresh = spawnSync(process.execPath, ['--input-type=module', '-e', `import { freshBundle } from ${JSON.stringify(new URL('../bin/cli-bundle.js', import.meta.url).href)}; process.exit(freshBundle(${JSON.stringify(root)}) === null ? 1 : 0);`]);
if (fresh.status !== 0) throw new Error('the bundled CLI (dist/cli) is missing or stale after npm run build');

/** Payload of package i of the real-size set: 100 KB × 50^u, u spread evenly over [0, 1). */
const realPayload = (i: number): number => Math.round(100_000 * 50 ** ((i * 0.6180339887) % 1));

async function packageSet(set: string, n: number): Promise<string> {
  const dir = join(root, 'bench', '.work', `${set}-${n}`);
  const done = join(dir, '.complete');
  if (existsSync(done)) return dir;
  await rm(dir, { recursive: true, force: true });
  console.error(`making ${n} ${set} packages in ${dir} …`);
  if (set === 'synth') await synthRepo(dir, n);
  else if (set === 'real') await synthRepo(dir, n, (i) => ({ payloadBytes: realPayload(i) }));
  else await rpmbuildRepo(dir, n);
  writeFileSync(done, '');
  return dir;
}

/**
 * Runs the built createrepo in this process (with the CLI's V8 settings) and prints the peak of
 * process.memoryUsage() sampled every 5 ms: RSS, and of the main thread's isolate the V8 heap
 * (committed and used), external memory and ArrayBuffers. Reader threads' heaps are in RSS only.
 */
const MEMORY_RUN = `
const { tuneV8ForCreaterepo } = await import(${JSON.stringify(new URL('../dist/src/cli/createrepo/v8-flags.js', import.meta.url).href)});
tuneV8ForCreaterepo();
const { createrepo } = await import(${JSON.stringify(new URL('../dist/src/cli/createrepo/run.js', import.meta.url).href)});
const { nodePlatform } = await import(${JSON.stringify(new URL('../dist/src/adapters/node/platform.js', import.meta.url).href)});
const [dir, w] = process.argv.slice(2);
// no --workers: the CLI's default for this job ('auto'), not one thread per CPU
const workers = w === '' ? 'auto' : Number(w);
let peak = process.memoryUsage();
const sample = () => { const m = process.memoryUsage(); if (m.rss > peak.rss) peak = m; };
const timer = setInterval(sample, 5);
await createrepo(dir, nodePlatform, { codec: 'gz', changelogLimit: 10, update: false, workers });
clearInterval(timer);
sample();
const mib = (x) => (x / 1048576).toFixed(1);
console.log(\`peak RSS \${mib(peak.rss)} MiB = V8 heap \${mib(peak.heapTotal)} (used \${mib(peak.heapUsed)}) + external \${mib(peak.external)} (ArrayBuffers \${mib(peak.arrayBuffers)}) + the rest \${mib(peak.rss - peak.heapTotal - peak.external)} (node, code, reader threads, zlib)\`);
`;

const load = (): string => loadavg()[0]!.toFixed(1);
const cpuModel = cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `node ${process.version}, createrepo_c ${spawnSync('createrepo_c', ['--version'], { encoding: 'utf8' }).stdout.trim()}, ` +
    `${cpus().length} × ${cpuModel}, median of ${runs}`,
);
console.log('| set | packages | berth --workers | createrepo_c s | berth s | ratio | paired ratio | createrepo_c CPU s | berth CPU s | createrepo_c RSS MiB | berth RSS MiB | load avg |');
console.log('|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|');

const fmt = (xs: Measurement[], f: (m: Measurement) => number, digits = 2): string => median(xs.map(f)).toFixed(digits);
/**
 * The median of the per-round ratios: each round runs both tools back to back, so a machine
 * whose speed drifts between minutes moves both sides of a pair alike, while the ratio of the two
 * medians can take the drift in.
 */
const paired = (cs: Measurement[], bs: Measurement[]): string => `${median(bs.map((m, i) => m.seconds / cs[i]!.seconds)).toFixed(2)}×`;
const startupRuns = Number(values.startup);
if (startupRuns > 0) {
  const empty = join(root, 'bench', '.work', 'empty');
  await rm(empty, { recursive: true, force: true });
  await mkdir(empty, { recursive: true });
  const before = load();
  const c: Measurement[] = [];
  const b: Measurement[] = [];
  for (let r = 0; r < startupRuns; r++) {
    c.push(measure('createrepo_c', ['--no-database', '-q', empty]));
    b.push(measure(process.execPath, [cli, 'createrepo', '-q', empty]));
  }
  const ratio = median(b.map((m) => m.seconds)) / median(c.map((m) => m.seconds));
  console.log(
    `| empty | 0 | default | ${fmt(c, (m) => m.seconds)} | ${fmt(b, (m) => m.seconds)} | ${ratio.toFixed(2)}× | ${paired(c, b)} | ${fmt(c, (m) => m.cpuSeconds)} | ` +
      `${fmt(b, (m) => m.cpuSeconds)} | ${fmt(c, (m) => m.maxRssKiB / 1024, 0)} | ${fmt(b, (m) => m.maxRssKiB / 1024, 0)} | ${before} → ${load()} |`,
  );
}
for (const set of sets) {
  for (const n of sizes) {
    const dir = await packageSet(set, n);
    if (runs === 0) continue;
    const before = load();
    const c: Measurement[] = [];
    const b = variants.map((): Measurement[] => []);
    // --update: the second run of each tool, over the metadata its first run wrote
    const cu: Measurement[] = [];
    const bu = variants.map((): Measurement[] => []);
    const update = values.update ? ['--update'] : [];
    for (let r = 0; r < runs; r++) {
      await rm(join(dir, 'repodata'), { recursive: true, force: true });
      c.push(measure('createrepo_c', ['--no-database', '-q', dir]));
      if (values.update) cu.push(measure('createrepo_c', ['--no-database', '-q', ...update, dir]));
      for (const [k, w] of variants.entries()) {
        await rm(join(dir, 'repodata'), { recursive: true, force: true });
        const args = [cli, 'createrepo', '-q', ...(w === null ? [] : ['--workers', w])];
        b[k]!.push(measure(process.execPath, [...args, dir]));
        if (values.update) bu[k]!.push(measure(process.execPath, [...args, ...update, dir]));
      }
    }
    const after = load();
    const row = (label: string, w: string | null, cs: Measurement[], bs: Measurement[]): void => {
      const ratio = median(bs.map((m) => m.seconds)) / median(cs.map((m) => m.seconds));
      console.log(
        `| ${label} | ${n} | ${w ?? 'default'} | ${fmt(cs, (m) => m.seconds)} | ${fmt(bs, (m) => m.seconds)} | ${ratio.toFixed(2)}× | ${paired(cs, bs)} | ` +
          `${fmt(cs, (m) => m.cpuSeconds)} | ${fmt(bs, (m) => m.cpuSeconds)} | ${fmt(cs, (m) => m.maxRssKiB / 1024, 0)} | ` +
          `${fmt(bs, (m) => m.maxRssKiB / 1024, 0)} | ${before} → ${after} |`,
      );
    };
    for (const [k, w] of variants.entries()) row(set, w, c, b[k]!);
    if (values.update) for (const [k, w] of variants.entries()) row(`${set} --update`, w, cu, bu[k]!);
    if (values.memory) {
      for (const w of variants) {
        await rm(join(dir, 'repodata'), { recursive: true, force: true });
        // a file, not --eval: reader threads inherit the process's flags, --input-type included
        const harness = join(root, 'bench', '.work', 'createrepo-memory.mjs');
        writeFileSync(harness, MEMORY_RUN);
        const m = spawnSync(process.execPath, [harness, dir, w ?? ''], { encoding: 'utf8' });
        if (m.status !== 0) throw new Error(`memory run failed: ${m.stderr}`);
        console.log(`|   | memory, --workers ${w ?? 'default'}: ${m.stdout.trim()} |`);
      }
    }
  }
}
