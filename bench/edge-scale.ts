/**
 * A 200,000-package repo on the serverless runtimes: publish, regeneration and serving inside
 * workerd with the V8 heap capped at 128 MB, and in one Azure Functions queue-trigger invocation.
 *
 *   npm run bench:edge-scale -- --runtime workerd|functions [--packages 200000] [--gets 100]
 *                               [--v8-heap-mb 128] [--live-every 20] [--cold] [--reseed]
 *                               [--keep-azurite [--seed-only]] [--stop-azurite]
 *
 * - `--runtime workerd` (bench/lib/edge-scale-workerd.ts): the repo is seeded once into the
 *   Worker's local R2 through the binding (getPlatformProxy on the persisted state; fragments and
 *   index as N publishes leave them, blobs of the `--gets` packages served) and kept under
 *   bench/.work/edge-scale/workerd-<N>; later runs reuse it (`--reseed` starts over). The real
 *   Worker then runs in workerd with every isolate's V8 heap capped at `--v8-heap-mb`: two
 *   publishes through the API, each followed by the `queue` handler's regeneration, then serving
 *   repomd.xml, its files and the packages (SHA-256 checked). The first regeneration after
 *   seeding (or with `--cold`: chunk cache and generation pointer deleted first) is the cold
 *   build. Memory as bench:edge-memory measures it (bench/lib/edge-measure.ts): the user
 *   isolate's heap + ArrayBuffers over the inspector, sampled and, every `--live-every` s during
 *   a regeneration, live (heap snapshot); workerd's RSS and CPU seconds. Fails when the isolate
 *   reaches 128 MiB.
 * - `--runtime functions` (bench/lib/edge-scale-functions.ts): the repo made in memory with its
 *   first generation (regenerate() in this process), copied into Azurite (in memory, every run)
 *   without the fragments no later regeneration reads (Azurite takes a few hundred puts a second);
 *   the Functions app in a Node process of its own, the HTTP function for publishing and serving,
 *   the queue function invoked once per publish with its message. With `--cold`, no generation
 *   and every fragment: the first invocation is the cold build (practical at smaller
 *   `--packages`). Peaks of the worker process's V8 heap, ArrayBuffers and RSS per phase.
 *   `--v8-heap-mb` caps its old space when given explicitly (default: Node's own limit).
 *   With `--keep-azurite` (bench/lib/functions-azurite.ts), the blob service outlives the run and
 *   holds every fragment, seeded once through the BlobStore contract and reused by later runs
 *   (`--seed-only`: seed and stop there; `--stop-azurite`: stop it); with `--cold` the chunk cache
 *   and generation pointer are deleted first, so the first invocation is the cold build of the
 *   whole repo.
 *
 * Every figure is printed with the 1-minute load average (2 CPUs here).
 */
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { mkdir, rm } from 'node:fs/promises';
import { runFunctionsScale } from './lib/edge-scale-functions.js';
import { stopKeptAzurite } from './lib/functions-azurite.js';
import { runWorkerdScale } from './lib/edge-scale-workerd.js';

const root = join(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    runtime: { type: 'string', default: 'workerd' },
    packages: { type: 'string', default: '200000' },
    gets: { type: 'string', default: '100' },
    'v8-heap-mb': { type: 'string' },
    'live-every': { type: 'string', default: '20' },
    cold: { type: 'boolean', default: false },
    reseed: { type: 'boolean', default: false },
    'keep-azurite': { type: 'boolean', default: false },
    'seed-only': { type: 'boolean', default: false },
    'stop-azurite': { type: 'boolean', default: false },
  },
});
const t0 = Date.now();
const load = (): string => loadavg().map((x) => x.toFixed(1)).join(' ');
const say = (s: string): void => console.error(`[${((Date.now() - t0) / 1000).toFixed(0)} s, load ${loadavg()[0]!.toFixed(1)}] ${s}`);
const packages = Number(values.packages);
const gets = Number(values.gets);
const work = join(root, 'bench', '.work', 'edge-scale');

console.log(`node ${process.version}, ${cpus().length}× ${cpus()[0]?.model ?? '?'}; ${values.runtime}, ${packages} packages; load at start ${load()}`);
if (values.runtime === 'workerd') {
  const dir = join(work, `workerd-${packages}`);
  if (values.reseed) await rm(dir, { recursive: true, force: true });
  const r = await runWorkerdScale({
    root, dir, packages, gets, heapMb: Number(values['v8-heap-mb'] ?? '128'), liveEveryS: Number(values['live-every']), cold: values.cold, say,
  });
  for (const l of r.lines) console.log(l);
  console.log(`\nworkerd, V8 heap capped at ${values['v8-heap-mb'] ?? '128'} MB: VmRSS and CPU seconds of the whole process (Worker + Miniflare's R2/queue/cache simulators), the user isolate (V8 used heap + ArrayBuffer backing stores) sampled every 200 ms; base = max over 1 s before; load at end ${load()}`);
  for (const l of r.meter.table()) console.log(l);
  console.log(`\n${r.meter.verdict()}`);
} else if (values.runtime === 'functions' && values['stop-azurite']) {
  console.log(await stopKeptAzurite(join(work, `functions-${packages}-azurite`)) ? 'kept Azurite stopped' : 'no kept Azurite was running');
} else if (values.runtime === 'functions') {
  const dir = join(work, `functions-${packages}`);
  const keep = values['keep-azurite'] ? join(work, `functions-${packages}-azurite`) : null;
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const lines = await runFunctionsScale({ root, dir, packages, gets, heapMb: Number(values['v8-heap-mb'] ?? '0'), cold: values.cold, keep, seedOnly: values['seed-only'], say });
  for (const l of lines) console.log(l);
  console.log(`\nload at end ${load()}`);
} else {
  throw new Error(`--runtime is workerd or functions, not ${values.runtime}`);
}
