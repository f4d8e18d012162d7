/**
 * Scale: what a publish costs as a repo and its tenant's history grow (docs/benchmarks.md, Scale).
 *
 *   npm run bench:scale -- [--sizes 4000,50000] [--seeded 200000] [--history] [--rounds 5]
 *                          [--jobs 4] [--no-createrepo] [--keep] [--cpu-prof] [--heap-mb 128] [--gets 500]
 *                          [--store fs|azurite] [--push 2000]
 *
 * For each of `--sizes`: N signed packages (bench/lib/synth-signed.ts: synthetic, Ed25519 header
 * signature, made once under bench/.work/scale/pkgs) are imported into a fresh `berth serve` (fs
 * store, private repo, signatures required, the key trusted) through the real API and CLI:
 * `berth push --jobs 4`. Timed: the push (first upload to last answer) and until repomd.xml shows
 * the last revision. With `--history`, the push stops after 10, 1,000 and 20,000 packages (those
 * up to N) and 20 sequential single publishes are timed to their 201 each time: publish latency
 * against the tenant's history, in the same tenant. Then, on that repo, `--rounds` single
 * publishes are timed to 201 and to visible (repomd.xml names their revision). The server's peak
 * RSS (VmHWM) covers the whole import and the rounds.
 *
 * `--seeded N`: the same rounds on a store of N packages written directly (bench/lib/scale-seed.ts:
 * blobs, fragments, index segments as publish writes them; tenant history empty), for sizes an
 * import through the API would take too long to reach on every run; the import sizes are where
 * history is measured.
 *
 * `--store azurite` (seeded sizes only): the same rounds with `berth serve` on the Azure Blob store
 * against an Azurite it starts, filled from the seeded store (bench/lib/scale-azurite.ts says what
 * is copied).
 *
 * `--push N` (seeded sizes): after the rounds, N more packages through `berth push --jobs 4` into
 * the same repo, timed until visible: a bulk import into a repo of that size.
 *
 * Every server runs with bench/lib/memory-sampler.mjs preloaded: what its memory was made of at
 * its peak (V8 heap spaces, ArrayBuffers, native) is printed as a table of its own.
 *
 * `--heap-mb M`: after a seeded size's rounds (server stopped), one more publish, its regeneration
 * and serving (repomd.xml, the three files, `--gets` packages) run in one Node process whose V8
 * heap is capped at M MB, as an isolate's is (bench/lib/scale-heap-child.ts): peaks of the used
 * heap and of ArrayBuffers.
 *
 * Beside each: createrepo_c --update on the same N+1 files in the same run (metadata for N made
 * untimed first), unless `--no-createrepo`.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startBerth } from './lib/berth-server.js';
import { hasGnuTime } from './lib/measure.js';
import { MEMORY_HEADER, memoryProbe } from './lib/memory-peak.js';
import { pidListeningOn } from './lib/rss.js';
import { acks, createrepoUpdate, median, p90, publishOne, push, REPO, setUp, TENANT, waitVisible } from './lib/scale-steps.js';
import { seedStore } from './lib/scale-seed.js';
import { azuriteFromSeeded } from './lib/scale-azurite.js';
import { benchKey, signedPackages } from './lib/synth-signed.js';

const root = join(import.meta.dirname, '..');
const work = join(root, 'bench', '.work', 'scale');
const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '4000,50000' },
    seeded: { type: 'string', default: '' },
    history: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '5' },
    jobs: { type: 'string', default: '4' },
    'no-createrepo': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    'heap-mb': { type: 'string', default: '0' },
    gets: { type: 'string', default: '500' },
    store: { type: 'string', default: 'fs' },
    push: { type: 'string', default: '0' },
  },
});
const nodeArgs = values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', join(work, 'profiles')] : [];
const list = (s: string): number[] => s.split(',').filter(Boolean).map(Number);
const ADMIN = 'scale-bench-operator-token-0123456789';
const ROUNDS = Number(values.rounds);
const PROBE = 20;
/** Package numbers of probes and rounds: far from the imported ones. */
const EXTRA = 900_000;

if (!values['no-createrepo'] && (!hasGnuTime() || spawnSync('createrepo_c', ['--version']).status !== 0)) {
  throw new Error('needs createrepo_c and GNU time (or --no-createrepo)');
}
const vmHwmMiB = (pid: number): number => {
  const m = /VmHWM:\s+(\d+)/.exec(spawnSync('cat', [`/proc/${pid}/status`], { encoding: 'utf8' }).stdout);
  return m ? Number(m[1]) / 1024 : NaN;
};
const s = (ms: number): string => (ms / 1000).toFixed(3);
/** CPU seconds (user + system) a process has used: under load, what the work cost, unlike wall time. */
const cpuSeconds = (pid: number): number => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(f[11]) + Number(f[12])) / 100;
};
/** The 1-minute load average (2 CPUs: above 2, everything here waits for a CPU). */
const load = (): string => loadavg()[0]!.toFixed(1);

if (!['fs', 'azurite'].includes(values.store) || (values.store === 'azurite' && list(values.sizes).length > 0)) {
  throw new Error("--store is fs or azurite; azurite runs the seeded sizes only (--sizes '')");
}
const key = await benchKey(work);
/** Table rows, printed at the end and to stderr as each is measured (a long run may be cut short). */
const rows: string[] = [];
const heap: string[] = [];
const done = (to: string[], row: string): void => {
  to.push(row);
  console.error(row);
};
const history: string[] = [];
const memory: string[] = [];
let extra = EXTRA;

async function rounds(url: string, token: string): Promise<{ ack: number[]; visible: number[] }> {
  const ack: number[] = [];
  const visible: number[] = [];
  // one untimed round first: the server's caches warm, as in steady operation
  await publishOne(url, token, extra++, key);
  for (let r = 0; r < ROUNDS; r++) {
    const x = await publishOne(url, token, extra++, key);
    ack.push(x.ack);
    visible.push(x.visible);
  }
  return { ack, visible };
}

/** createrepo_c --update adding one package to the same N (its own row, beside berth's). */
async function createrepo(n: number, files: string[]): Promise<void> {
  if (values['no-createrepo']) return;
  const [more] = await signedPackages(join(work, 'pkgs'), EXTRA - 1, EXTRA, key);
  const c = await createrepoUpdate(join(work, `cr-${n}`), files, more as string);
  done(rows, `| ${n.toLocaleString('en')} | createrepo_c --update (load ${load()}) | – | – | ${c.seconds.toFixed(2)} | ${(c.rssKiB / 1024).toFixed(0)} |`);
}

/** bench/lib/scale-heap-child.ts on the stopped server's data root, heap capped at --heap-mb. */
async function cappedRun(n: number, data: string, token: string): Promise<string> {
  const [file] = await signedPackages(join(work, 'pkgs'), extra, extra + 1, key);
  extra++;
  const mb = values['heap-mb'];
  const r = spawnSync(process.execPath, [`--max-old-space-size=${mb}`, '--import', 'tsx', join(root, 'bench', 'lib', 'scale-heap-child.ts'), data, token, `${TENANT}/${REPO}`, file as string, values.gets], {
    cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`capped run (heap ${mb} MB) failed: ${r.status ?? r.signal}\n${r.stderr.slice(-4000)}`);
  const o = JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as { phases: Record<string, number>; peakMiB: { heap: number; buffers: number; sum: number } };
  const p = o.phases;
  return `| ${n.toLocaleString('en')} | ${mb} | ${p['publish']} | ${p['regenerate']} | ${p['serve metadata']} | ${p['serve packages']} | ${o.peakMiB.heap.toFixed(1)} | ${o.peakMiB.buffers.toFixed(1)} | ${o.peakMiB.sum.toFixed(1)} |`;
}

console.log(`node ${process.version}, createrepo_c ${spawnSync('createrepo_c', ['--version'], { encoding: 'utf8' }).stdout.trim()}`);
for (const n of list(values.sizes)) {
  const t0 = performance.now();
  const files = await signedPackages(join(work, 'pkgs'), 1, n + 1, key);
  console.error(`${n} signed packages ready (${s(performance.now() - t0)} s)`);
  const data = join(work, `import-${n}`);
  await rm(data, { recursive: true, force: true });
  const mem = memoryProbe(join(work, 'memory', `import-${n}`));
  const b = await startBerth(root, { data, adminToken: ADMIN, logFile: join(work, `import-${n}.log`), nodeArgs: [...nodeArgs, ...mem.nodeArgs], env: mem.env });
  const pid = pidListeningOn(Number(new URL(b.url).port));
  try {
    const token = await setUp(b, ADMIN, key);
    const cpu0 = cpuSeconds(pid);
    const load0 = load();
    const probes = values.history ? [10, 1000, 20_000].filter((x) => x <= n) : [];
    const stops = [...new Set([...probes, n])];
    let pushed = 0;
    let pushSeconds = 0;
    let revision = 0;
    let refused = 0;
    let clientCpu = 0;
    for (const stop of stops) {
      const r = await push(root, b.url, token, files.slice(pushed, stop), Number(values.jobs));
      pushSeconds += r.seconds;
      revision = Math.max(revision, r.revision);
      refused += r.refused;
      clientCpu += r.cpu;
      pushed = stop;
      if (!probes.includes(stop)) continue;
      const before = cpuSeconds(pid);
      const lat = await acks(b.url, token, extra, PROBE, key);
      const perPublish = ((cpuSeconds(pid) - before) * 1000) / PROBE;
      extra += PROBE;
      done(history, `| ${stop.toLocaleString('en')} | ${median(lat).toFixed(0)} | ${p90(lat).toFixed(0)} | ${Math.max(...lat).toFixed(0)} | ${perPublish.toFixed(0)} | ${load()} |`);
      console.error(`after ${stop}: median ${median(lat).toFixed(0)} ms`);
    }
    const wait = await waitVisible(b.url, token, revision);
    const cpu = cpuSeconds(pid) - cpu0;
    console.error(`import ${n}: push ${pushSeconds.toFixed(1)} s, visible ${(wait / 1000).toFixed(1)} s later, refused ${refused}`);
    const r = await rounds(b.url, token);
    done(rows, `| ${n.toLocaleString('en')} | import (API+CLI) | ${pushSeconds.toFixed(1)} s + ${s(wait)} s to visible; server CPU ${cpu.toFixed(0)} s (${((cpu * 1000) / n).toFixed(1)} ms/package), \`berth push\` CPU ${clientCpu.toFixed(0)} s (${((clientCpu * 1000) / n).toFixed(1)} ms/package); load ${load0}–${load()} | ${s(median(r.ack))} (max ${s(Math.max(...r.ack))}) | ${s(median(r.visible))} (max ${s(Math.max(...r.visible))}) | ${vmHwmMiB(pid).toFixed(0)} |`);
  } finally {
    await b.stop();
    if (!values.keep) await rm(data, { recursive: true, force: true });
  }
  const m = mem.row(pid, n, `import (push --jobs ${values.jobs}) + rounds`, load());
  if (m) done(memory, m);
  await createrepo(n, files);
}

for (const n of list(values.seeded)) {
  const data = join(work, `seeded-${n}`);
  const t0 = performance.now();
  const files = await signedPackages(join(work, 'pkgs'), 1, n + 1, key);
  const token = await seedStore(root, data, files, key, ADMIN);
  console.error(`seeded ${n} (${s(performance.now() - t0)} s)`);
  const az = values.store === 'azurite' ? await azuriteFromSeeded(data, Array.from({ length: ROUNDS + 1 }, (_, i) => extra + i), key, (l) => console.error(l), values['cpu-prof'] ? join(work, `azurite-calls-${n}.log`) : undefined) : null;
  const mem = memoryProbe(join(work, 'memory', `seeded-${n}`));
  const b = await startBerth(root, { data, adminToken: ADMIN, logFile: join(work, `seeded-${n}${az ? '-azurite' : ''}.log`), nodeArgs: [...nodeArgs, ...mem.nodeArgs], env: { ...mem.env, ...az?.env } });
  const pid = pidListeningOn(Number(new URL(b.url).port));
  let what = 'seeded: start + rounds';
  try {
    const first = performance.now();
    // the server regenerates at start (its metadata is behind the index): the cold build, untimed
    await waitVisible(b.url, token, 1);
    console.error(`initial regeneration ${s(performance.now() - first)} s`);
    const r = await rounds(b.url, token);
    console.error(`visible, each round: ${r.visible.map((x) => s(x)).join(' ')}`);
    done(rows, `| ${n.toLocaleString('en')} | seeded${az ? ', Azure Blob store on Azurite' : ''} | – (load ${load()}) | ${s(median(r.ack))} (max ${s(Math.max(...r.ack))}) | ${s(median(r.visible))} (max ${s(Math.max(...r.visible))}) | ${vmHwmMiB(pid).toFixed(0)} |`);
    const more = Number(values.push);
    if (more > 0) {
      const load0 = load();
      const batch = await signedPackages(join(work, 'pkgs'), extra, extra + more, key);
      extra += more;
      const p = await push(root, b.url, token, batch, Number(values.jobs));
      const wait = await waitVisible(b.url, token, p.revision);
      done(rows, `| ${n.toLocaleString('en')} | seeded, then push --jobs ${values.jobs} of ${more.toLocaleString('en')} | ${p.seconds.toFixed(1)} s + ${s(wait)} s to visible; ${p.refused} refused; load ${load0}–${load()} | – | – | ${vmHwmMiB(pid).toFixed(0)} |`);
      what = `seeded: start + rounds + push of ${more.toLocaleString('en')}`;
    }
  } finally {
    await b.stop();
    await az?.stop();
  }
  const m = mem.row(pid, n, what, load());
  if (m) done(memory, m);
  if (Number(values['heap-mb']) > 0) done(heap, await cappedRun(n, data, token));
  await createrepo(n, files);
}

console.log('| packages | what | import (push --jobs 4) | publish → 201 s, median | publish → visible s, median (createrepo_c: --update s) | peak RSS MiB (berth serve, createrepo_c) |');
console.log('|---:|---|---|---:|---:|---:|');
for (const r of rows) console.log(r);
if (history.length > 0) {
  console.log('\n| earlier publishes in the tenant | publish → 201 ms, median | p90 | max | server CPU ms per publish (incl. its regeneration) | load |');
  console.log('|---:|---:|---:|---:|---:|---:|');
  for (const h of history) console.log(h);
}
if (memory.length > 0) {
  console.log('\nMemory of `berth serve` at its highest sampled RSS (MiB; sampled every 10 ms, so VmHWM, the kernel\'s peak, can be higher):\n');
  for (const h of [...MEMORY_HEADER, ...memory]) console.log(h);
}
if (heap.length > 0) {
  console.log(`\n| packages | V8 heap cap MB | publish s | regenerate s | serve metadata s | serve ${values.gets} packages s | peak used heap MiB | peak ArrayBuffers MiB | peak heap + buffers MiB |`);
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const h of heap) console.log(h);
}
