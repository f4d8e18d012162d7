/**
 * Memory of the Worker in workerd: regenerating a repo whose filelists.xml is hundreds of MB, and
 * serving a 300 MB metadata file from a store outside the workerd process.
 *
 *   npm run bench:edge-memory -- [--packages 330] [--files 7000] [--min-filelists-mb 300]
 *                                [--concurrency 4] [--big-mb 300] [--rate 30M] [--v8-heap-mb 128]
 *                                [--live-every 5] [--snapshot-dir DIR] [--skip-regen] [--skip-serve] [--keep]
 *
 * Two figures per phase, sampled every 200 ms:
 * - workerd VmRSS (/proc): the whole process, i.e. the Worker plus whatever Miniflare runs in it
 *   (R2, Cache and queue simulators are Durable Objects/services in the same process);
 * - the user Worker's isolate, from the DevTools protocol (`Runtime.getHeapUsage` through
 *   wrangler's inspector proxy): JS heap in use plus ArrayBuffer backing stores. This is the
 *   isolate alone; the 128 MB limit on Cloudflare is per isolate. Both include garbage not yet
 *   collected, so workerd runs with V8's `--max-heap-size=<--v8-heap-mb>` (default 128, 0 = V8's
 *   default): V8 then collects as an isolate near the limit would, and a live JS heap above the
 *   cap kills the run instead of passing. The cap applies to every isolate in the process
 *   (Miniflare's simulators are isolates too; their data is in SQLite and files).
 *
 * 1. Regeneration (BERTH_STORAGE=r2, local R2 and queue): a public allow-unsigned repo gets
 *    `--packages` synthetic packages of `--files` files each (bench/lib/synth-files.ts, ~140 bytes
 *    of filelists XML per file) through the Worker's API, `--concurrency` uploads at a time; the
 *    Worker's `queue` handler regenerates (src/repo/regenerate.ts) as batches arrive. Sampled from
 *    the first upload until repomd.xml names the last revision, then again over one more
 *    regeneration alone (one more small package into the full repo). The filelists open-size is
 *    read from repomd.xml and must reach `--min-filelists-mb` (10^6 bytes).
 * 2. Serving (BERTH_STORAGE=azure-sas): `--big-mb` MB of random bytes at
 *    bench/pub/repodata/<sha256>-filelists.xml.gz in Azurite (a separate process, in-memory,
 *    `--disableTelemetry`); tenant and repo written there with Berth's own functions. The Worker
 *    reads it over the container SAS; `curl --limit-rate` downloads it: Range bytes=0- (bypasses
 *    the Cache API: Azurite → isolate → client only), 1st GET (miss; the cache fill reads
 *    Azurite again in waitUntil and writes Miniflare's cache simulator, in-process), 2nd GET
 *    (hit, from the simulator), and the bypass again (steady state). Bytes checked by sha256.
 *
 * Live samples: a heap snapshot (which forces a full GC) then `Runtime.getHeapUsage`, back to back
 * over the lone regeneration and every `--live-every` seconds (0 = off) while publishing, so both
 * regeneration phases report live memory as well as the sampled peak (which includes garbage).
 * `--snapshot-dir` keeps each phase's largest live snapshot (open it in DevTools, Memory tab).
 *
 * Live figures are the snapshot's own totals (reachable JS objects + reachable ArrayBuffer data);
 * getHeapUsage right after a snapshot is no live figure (V8 sweeps freed buffers after the GC).
 * Coverage: workerd answers the inspector only when the isolate lets it in, so during a busy
 * regeneration an answer can wait seconds (the table's "longest inspector wait"): then neither
 * the live samples nor the 200 ms samples see the busy stretch, and the live samples typically
 * show the idle baseline.
 *
 * Fails when the isolate reaches 128 MiB in any phase, judged on the live peak where the phase has
 * live samples and the inspector answered within 1 s throughout, else on the sampled peak (garbage
 * included, the conservative figure); the output names which was judged per phase.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connectInspector, type Inspector } from './lib/edge-heap.js';
import { Meter, mib } from './lib/edge-measure.js';
import { apiAt, freePort, slowDownload, writeRandom, type Download } from './lib/edge-memory-util.js';
import { startEdgeWorker, wranglerEnv, type EdgeWorker } from './lib/edge-worker.js';
import { pidListeningOn, processName } from './lib/rss.js';
import { synthFilesPackage } from './lib/synth-files.js';
import { synthPackage } from './lib/synth-repo.js';

const root = join(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    packages: { type: 'string', default: '330' },
    files: { type: 'string', default: '7000' },
    'min-filelists-mb': { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '4' },
    'big-mb': { type: 'string', default: '300' },
    rate: { type: 'string', default: '30M' },
    'v8-heap-mb': { type: 'string', default: '128' },
    'live-every': { type: 'string', default: '5' },
    'snapshot-dir': { type: 'string' },
    'skip-regen': { type: 'boolean', default: false },
    'skip-serve': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
const TENANT = 'bench';
await mkdir(join(root, 'bench', '.work'), { recursive: true });
const work = await mkdtemp(join(root, 'bench', '.work', 'edge-memory-'));
const adminToken = `bench-operator-${randomBytes(16).toString('hex')}`;
const heapMb = Number(values['v8-heap-mb']);
// V8's heap cap for every isolate in workerd (Miniflare passes MINIFLARE_WORKERD_V8_FLAGS to it):
// without one, V8 has no reason to collect and the sampled heap is mostly garbage.
const env = { ...(await wranglerEnv(work)), ...(heapMb > 0 ? { MINIFLARE_WORKERD_V8_FLAGS: `--max-heap-size=${heapMb}` } : {}) };
const t0 = Date.now();
const say = (s: string): void => console.error(`[${((Date.now() - t0) / 1000).toFixed(0)} s] ${s}`);
const meter = new Meter(say);
const phases = meter.phases;
const measure = meter.measure.bind(meter);

/** repomd.xml once it names `revision` (or later); fails after `timeoutS`. */
async function repomdAt(base: string, repo: string, revision: number, timeoutS = 3600): Promise<string> {
  for (const deadline = Date.now() + timeoutS * 1000; ;) {
    const res = await fetch(`${base}/${TENANT}/${repo}/repodata/repomd.xml`);
    const text = await res.text();
    if (res.ok && Number(/<revision>(\d+)<\/revision>/.exec(text)?.[1]) >= revision) return text;
    if (Date.now() > deadline) throw new Error(`metadata for revision ${revision} never appeared`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function openSize(repomd: string, kind: string): number {
  const m = new RegExp(`<data type="${kind}">[\\s\\S]*?<open-size>(\\d+)</open-size>`).exec(repomd);
  if (!m) throw new Error(`repomd.xml has no ${kind} open-size`);
  return Number(m[1]);
}

async function regenerationPhase(): Promise<void> {
  const inspectorPort = await freePort();
  const logFile = join(work, 'worker-r2.log');
  const worker: EdgeWorker = await startEdgeWorker(root, { persist: join(work, 'r2'), adminToken, logFile, env, inspectorPort, logLevel: 'log' });
  const insp = await connectInspector(inspectorPort);
  try {
    const pid = pidListeningOn(Number(new URL(worker.direct).port));
    if (processName(pid) !== 'workerd') throw new Error(`pid ${pid} is ${processName(pid)}, not workerd`);
    say(`Worker (r2) up: ${worker.direct}, workerd ${pid}, inspector 127.0.0.1:${inspectorPort}`);
    const api = apiAt(worker.direct, adminToken);
    await api('POST', '/api/v1/tenants', { name: TENANT });
    await api('POST', `/api/v1/tenants/${TENANT}/repos`, { name: 'big', public: true, allowUnsigned: true });
    const n = Number(values.packages);
    const files = Number(values.files);
    let revision = 0;
    let uploaded = 0;
    const liveEvery = Number(values['live-every']) * 1000;
    const snap = (name: string): { snapshot?: string } => (values['snapshot-dir'] ? { snapshot: join(values['snapshot-dir'], `${name}.heapsnapshot`) } : {});
    await measure(`publish ${n} packages × ${files} files (${values.concurrency} at a time) + queue regenerations until repomd names the last revision`, pid, insp, async () => {
      let next = 1;
      const lane = async (): Promise<void> => {
        for (let i = next++; i <= n; i = next++) {
          const p = synthFilesPackage(i, files);
          const r = (await api('PUT', `/api/v1/repos/${TENANT}/big/packages`, p.bytes)) as { revision: number };
          revision = Math.max(revision, r.revision);
          uploaded += p.bytes.length;
          if (i % 50 === 0) say(`${i} uploaded`);
        }
      };
      await Promise.all(Array.from({ length: Number(values.concurrency) }, lane));
      say(`all ${n} uploaded (${mib(uploaded)} MiB of RPM); waiting for revision ${revision}`);
      const repomd = await repomdAt(worker.direct, 'big', revision);
      return `filelists open-size ${(openSize(repomd, 'filelists') / 1e6).toFixed(1)} MB`;
    }, liveEvery > 0 ? { everyMs: liveEvery, ...snap('publish') } : null);
    // One regeneration alone, of the full repo: one more (small) package.
    const small = synthPackage(1);
    const r = (await api('PUT', `/api/v1/repos/${TENANT}/big/packages`, small.bytes)) as { revision: number };
    let repomd = '';
    const regenerations = async (): Promise<string[]> => (await readFile(logFile, 'utf8')).split('\n').filter((l) => l.includes('"repodata generated"'));
    const before = (await regenerations()).length;
    say(`${before} regenerations during publishing: ${(await regenerations()).map((l) => /"revision":(\d+)/.exec(l)?.[1]).join(' ')}`);
    await measure('one more regeneration of the full repo (1 small package published)', pid, insp, async () => {
      repomd = await repomdAt(worker.direct, 'big', r.revision);
      return undefined;
    }, { everyMs: 0, ...snap('regeneration') });
    const last = (await regenerations()).slice(before).map((l) => l.replace(/^.*?(\{.*\}).*$/, '$1'));
    say(`regeneration log: ${last.join(' ')}`);
    phases[0]!.note += `; ${before} queue regenerations`;
    const fl = openSize(repomd, 'filelists');
    const stats = /"chunks":(\d+),"reused":(\d+),"built":(\d+)/.exec(last.at(-1) ?? '');
    phases.at(-1)!.note = `${stats ? `chunks ${stats[1]}, entries reused ${stats[2]}, chunks built ${stats[3]}; ` : ''}filelists open-size ${(fl / 1e6).toFixed(1)} MB, primary ${(openSize(repomd, 'primary') / 1e6).toFixed(1)} MB`;
    if (fl < Number(values['min-filelists-mb']) * 1e6) throw new Error(`filelists is only ${fl} bytes; raise --packages or --files`);
  } finally {
    insp.close();
    await worker.stop();
  }
}

async function servingPhase(): Promise<void> {
  const { startAzurite, AZURITE_ACCOUNT, AZURITE_KEY } = await import('../test/helpers/azurite.js');
  const { ContainerSASPermissions, StorageSharedKeyCredential, generateBlobSASQueryParameters } = await import('@azure/storage-blob');
  const { createAzureBlobStore } = await import('../src/storage/azure-store.js');
  const { createTenant } = await import('../src/repo/tenants.js');
  const { createRepo } = await import('../src/repo/repos.js');
  const { repodataKey } = await import('../src/storage/keys.js');
  const { createReadStream } = await import('node:fs');
  const { Readable } = await import('node:stream');
  const azurite = await startAzurite({ mode: 'process' });
  if (!azurite) throw new Error('azurite is not installed');
  let worker: EdgeWorker | undefined;
  let insp: Inspector | undefined;
  try {
    const container = 'berth';
    const store = createAzureBlobStore({ connectionString: azurite.connectionString, container });
    await createTenant(store, TENANT, new Date());
    await createRepo(store, { tenant: TENANT, name: 'pub', public: true, allowUnsigned: true }, new Date());
    const bigBytes = Number(values['big-mb']) * 1_000_000;
    const bigFile = join(work, 'big.bin');
    const bigSha = await writeRandom(bigFile, bigBytes);
    const bigName = `${bigSha}-filelists.xml.gz`;
    await store.put(repodataKey(TENANT, 'pub', bigName), Readable.toWeb(createReadStream(bigFile)) as ReadableStream<Uint8Array>);
    await rm(bigFile);
    say(`${bigBytes} random bytes in Azurite (${azurite.blobEndpoint}) as ${bigName}`);
    const sas = generateBlobSASQueryParameters({
      containerName: container, permissions: ContainerSASPermissions.parse('rl'), expiresOn: new Date(Date.now() + 6 * 3600_000),
    }, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY)).toString();
    const inspectorPort = await freePort();
    worker = await startEdgeWorker(root, {
      persist: join(work, 'sas'), adminToken, logFile: join(work, 'worker-sas.log'), env, inspectorPort,
      bindings: {
        BERTH_STORAGE: { type: 'plain_text', value: 'azure-sas' },
        AZURE_BLOB_CONTAINER_URL: { type: 'plain_text', value: `${azurite.blobEndpoint}/${container}` },
        AZURE_BLOB_SAS: { type: 'secret_text', value: sas },
      },
    });
    insp = await connectInspector(inspectorPort);
    const pid = pidListeningOn(Number(new URL(worker.direct).port));
    if (processName(pid) !== 'workerd') throw new Error(`pid ${pid} is ${processName(pid)}, not workerd`);
    say(`Worker (azure-sas) up: ${worker.direct}, workerd ${pid}`);
    const url = `${worker.direct}/${TENANT}/pub/repodata/${bigName}`;
    const rows: [string, string[]][] = [
      ['Range bytes=0- (206; bypasses the Cache API)', ['-H', 'Range: bytes=0-']],
      ['1st GET (MISS; cache fill in waitUntil)', []],
      ['2nd GET (HIT, Cache API simulator)', []],
      ['Range bytes=0- again (steady state)', ['-H', 'Range: bytes=0-']],
    ];
    for (const [label, extra] of rows) {
      let d: Download | undefined;
      await measure(`serve ${values['big-mb']} MB from Azurite: ${label}`, pid, insp, async () => {
        d = await slowDownload(url, join(work, 'headers.txt'), values.rate, extra);
        return `edge cache ${d.cache}, ${d.bytes} bytes`;
      });
      if (!d || d.bytes !== bigBytes || d.sha256 !== bigSha) throw new Error(`${label}: got ${d?.bytes} bytes, sha256 ${d?.sha256}`);
    }
  } finally {
    insp?.close();
    await worker?.stop();
    await azurite.stop();
  }
}

try {
  console.log(`node ${process.version}, ${cpus().length}× ${cpus()[0]?.model ?? '?'}, workerd V8 flags: ${env.MINIFLARE_WORKERD_V8_FLAGS ?? '(none)'}`);
  if (!values['skip-regen']) await regenerationPhase();
  if (!values['skip-serve']) await servingPhase();
  console.log('\nworkerd VmRSS (whole process: Worker + Miniflare simulators), its CPU seconds, and the user isolate (V8 used heap + ArrayBuffer backing stores), sampled every 200 ms; base = max over 1 s before');
  for (const line of meter.table()) console.log(line);
  console.log(`\n${meter.verdict()}`);
} finally {
  if (values.keep) console.error(`kept ${work}`);
  else await rm(work, { recursive: true, force: true });
}
