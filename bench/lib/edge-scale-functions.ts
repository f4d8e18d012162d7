/**
 * bench/edge-scale.ts `--runtime functions`: a repo of `packages` packages in Azurite (blob and
 * queue services, child processes, in memory, `--disableTelemetry`; seeded as
 * seedWithGeneration says), then the Functions app in a Node process of its own
 * (functions-host-child.ts): two publishes through the HTTP function, each followed by ONE
 * invocation of the queue-triggered `regenerate` function with the Storage Queue message the
 * publish sent, then serving repomd.xml, every file it names and the seeded and published
 * packages through the HTTP function (each checked by SHA-256). Per phase: the worker process's
 * peaks of V8 used heap, ArrayBuffers and RSS, and its CPU seconds. Each invocation rebuilds the
 * chunk its publish changed and reassembles the three files; with `cold`, the first is the cold
 * build (every chunk from fragments). With `keep`, the blob service is one that outlives the run,
 * seeded with every fragment once (functions-azurite.ts), and only the queue service is started.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startAzurite } from '../../test/helpers/azurite.js';
import { createAzureBlobStore } from '../../src/storage/azure-store.js';
import { mib } from './edge-measure.js';
import { connectionString, keptAzurite, keptRepo, makeCold, spawnAzurite } from './functions-azurite.js';
import { seedRepo, seedStore, synthRecord, type ServedPackage } from './edge-seed.js';
import { nodePlatform } from '../../src/adapters/node/platform.js';
import { packagePlacement } from '../../src/repo/index-entry.js';
import { coveringSegment, readHead, type SegmentRef } from '../../src/repo/index-store.js';
import { readList, readSegment } from '../../src/repo/index-objects.js';
import { regenerate } from '../../src/repo/regenerate.js';
import { storeTenancy } from '../../src/repo/tenancy-bindings.js';
import type { BlobStore } from '../../src/storage/blob-store.js';
import { copyBlobs } from './copy-blobs.js';
import { repoFragmentKey, repoFragmentsPrefix } from '../../src/storage/keys.js';
import { PUBLISHED_BASE, REPO, TENANT } from './edge-scale-workerd.js';
import { fetchVerified, publishRpm, repomdAt, repomdFiles } from './repo-check.js';
import { synthPackage } from './synth-repo.js';

export interface FunctionsOptions {
  root: string;
  dir: string;
  packages: number;
  gets: number;
  /** --max-old-space-size of the worker process (0: Node's default). */
  heapMb: number;
  /** Copy every fragment and no generation: the first invocation is then the cold build. */
  cold: boolean;
  /** Where the kept blob service's records live (functions-azurite.ts); null: Azurite in memory for this run only. */
  keep: string | null;
  /** With `keep`: seed (or find seeded) and stop there. */
  seedOnly: boolean;
  say: (line: string) => void;
}

interface Peaks { heap: number; buffers: number; rss: number; cpuSeconds: number; vmHwm: number; heapLimit: number }

/**
 * The repo of `packages` packages made in memory (edge-seed.ts), its first generation built there
 * by regenerate() (the cold build, in this process), then copied into Azurite: everything but the
 * fragments, of which only those of the index segments the bench's publishes fall into (all a
 * regeneration after them reads). Azurite takes a few hundred puts a second here, so copying all
 * 200,000 fragments would take most of an hour; the cold build inside one Functions invocation
 * is therefore measured at smaller sizes only (`--packages`).
 */
async function seedWithGeneration(o: FunctionsOptions, azure: BlobStore): Promise<{ served: ServedPackage[]; lines: string[] }> {
  const mem = seedStore();
  const s = await seedRepo(mem.store, { tenant: TENANT, repo: REPO, packages: o.packages, served: o.gets, say: o.say });
  const t = performance.now();
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const r = o.cold ? null : await regenerate({ store: mem.store, platform: nodePlatform, clock: () => new Date(), logger: quiet }, storeTenancy, TENANT, REPO);
  const cold = (performance.now() - t) / 1000;
  if (r) o.say(`cold build in this process (memory store): ${cold.toFixed(1)} s, ${JSON.stringify(r.chunks)}`);
  // the segments the published packages (PUBLISHED_BASE + 1, + 2) fall into, and their neighbours
  const { head } = await readHead(mem.store, TENANT, REPO);
  const refs = await readList(mem.store, TENANT, REPO, head.list);
  const needed = new Set<string>();
  for (const k of [1, 2]) {
    const i = coveringSegment(refs, packagePlacement((await synthRecord(PUBLISHED_BASE + k)).pkg));
    for (const j of [i - 1, i, i + 1].filter((x) => x >= 0 && x < refs.length)) {
      for (const e of await readSegment(mem.store, TENANT, REPO, (refs[j] as SegmentRef).id)) needed.add(repoFragmentKey(TENANT, REPO, e.sha256));
    }
  }
  const fragments = repoFragmentsPrefix(TENANT, REPO);
  const keys = [...mem.keys].filter((k) => o.cold || !k.startsWith(fragments) || needed.has(k));
  const { bytes, seconds: copied } = await copyBlobs(mem.store, azure, keys);
  return {
    served: s.served,
    lines: [
      `seeded ${o.packages} packages in memory in ${s.seconds.toFixed(0)} s; ${r ? `cold build there (regenerate(), memory store, this process) ${cold.toFixed(1)} s (${r.chunks?.chunks ?? '?'} chunks)` : 'no generation (--cold): the first invocation is the cold build'}`,
      `copied into Azurite: ${keys.length} objects (${(bytes / 1e6).toFixed(0)} MB: ${r ? `index, chunk cache, generation and its files, blobs, ${needed.size} fragments` : 'index, blobs, every fragment'}) in ${copied.toFixed(0)} s`,
    ],
  };
}

/** Azurite (blob and queue) and the repo in it: this run's own, or the kept blob service. */
async function azuriteRepo(o: FunctionsOptions): Promise<{ connectionString: string; stop: () => Promise<void>; served: ServedPackage[]; published: number; lines: string[] } | null> {
  if (o.keep === null) {
    const azurite = await startAzurite({ mode: 'process', queue: true });
    if (!azurite?.queueEndpoint) throw new Error('azurite (blob and queue) is not installed');
    try {
      const seeded = await seedWithGeneration(o, createAzureBlobStore({ connectionString: azurite.connectionString, container: 'berth' }));
      return { connectionString: azurite.connectionString, stop: () => azurite.stop(), served: seeded.served, published: 0, lines: seeded.lines };
    } catch (e) {
      await azurite.stop();
      throw e;
    }
  }
  const blob = await keptAzurite(o.root, o.keep, o.say);
  const repo = await keptRepo(o.keep, blob.port, o.packages, o.gets, o.say);
  if (o.cold) repo.lines.push(`--cold: ${await makeCold(repo.store)} chunk-cache entries and the generation pointer deleted`);
  if (o.seedOnly) {
    for (const l of repo.lines) o.say(l);
    return null;
  }
  const queue = await spawnAzurite(o.root, 'queue', false);
  return { connectionString: connectionString(blob.port, queue.port), stop: queue.stop, served: repo.served, published: repo.count - o.packages, lines: repo.lines };
}

/** functionTimeout of host.json, as the host reads it. */
const functionTimeout = (root: string): string => (JSON.parse(readFileSync(`${root}/host.json`, 'utf8')) as { functionTimeout?: string }).functionTimeout ?? '(host default)';

export async function runFunctionsScale(o: FunctionsOptions): Promise<string[]> {
  const { say } = o;
  const azurite = await azuriteRepo(o);
  if (azurite === null) return [];
  const container = 'berth';
  const queueName = 'berth-repo-changed';
  const out: string[] = [];
  let child: ReturnType<typeof spawn> | undefined;
  try {
    const seeded = azurite;
    out.push(...seeded.lines, `host.json functionTimeout: ${functionTimeout(o.root)}`);
    const admin = `bench-operator-${randomBytes(16).toString('hex')}`;
    const log = createWriteStream(join(o.dir, 'functions.log'));
    await new Promise((r) => log.once('open', r));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      AzureWebJobsStorage: azurite.connectionString,
      BERTH_CONTAINER: container,
      BERTH_QUEUE: queueName,
      BERTH_ADMIN_TOKEN_SHA256: createHash('sha256').update(admin).digest('hex'),
    };
    delete env['BERTH_STORAGE_ACCOUNT_URL'];
    child = spawn(process.execPath, [...(o.heapMb > 0 ? [`--max-old-space-size=${o.heapMb}`] : []), '--import', 'tsx', join(o.root, 'bench', 'lib', 'functions-host-child.ts')], {
      cwd: o.root, env, stdio: ['pipe', 'pipe', log],
    });
    const started = await new Promise<{ url: string; control: string }>((resolve, reject) => {
      child!.once('exit', (code) => reject(new Error(`the Functions worker exited (${code}); see ${join(o.dir, 'functions.log')}`)));
      createInterface({ input: child!.stdout! }).on('line', (l) => {
        if (l.startsWith('{"url"')) resolve(JSON.parse(l) as { url: string; control: string });
        else log.write(`${l}\n`);
      });
    });
    const pid = child.pid as number;
    say(`Functions worker up: ${started.url}, pid ${pid}, control ${started.control}`);
    // node:http, not fetch: /drain answers when its invocations end, which for a cold build is past
    // fetch's 300 s headers timeout
    const ctl = <T>(method: string, path: string): Promise<T> => new Promise<T>((resolve, reject) => {
      const req = request(`${started.control}${path}`, { method }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => {
          const v = JSON.parse(text) as T;
          if (res.statusCode === 200) resolve(v);
          else reject(new Error(`${path}: ${text}`));
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    out.push('| phase | seconds | queue invocations (s each) | worker CPU s | peak V8 used heap MiB | peak ArrayBuffers MiB | peak RSS MiB | note |', '|---|---:|---|---:|---:|---:|---:|---|');
    const phase = async (label: string, run: () => Promise<{ invocations: number[]; note: string }>): Promise<void> => {
      await ctl('POST', '/reset');
      const t = Date.now();
      const r = await run();
      const seconds = (Date.now() - t) / 1000;
      const p = await ctl<Peaks>('GET', '/peaks');
      const inv = r.invocations.length ? `${r.invocations.length} (${r.invocations.map((ms) => (ms / 1000).toFixed(1)).join(', ')})` : '–';
      const row = `| ${label} | ${seconds.toFixed(1)} | ${inv} | ${p.cpuSeconds.toFixed(1)} | ${mib(p.heap)} | ${mib(p.buffers)} | ${mib(p.rss)} | ${r.note} |`;
      say(row);
      out.push(row);
    };
    const published: ServedPackage[] = [];
    let repomd = '';
    for (const which of ['first', 'second']) {
      const k = PUBLISHED_BASE + seeded.published + published.length + 1;
      const pkg = synthPackage(k);
      await phase(`${which} publish (1 package, bench-pkg-${k}) through the HTTP function, then the queue function on its message`, async () => {
        const t = Date.now();
        const p = await publishRpm(started.url, admin, `${TENANT}/${REPO}`, pkg.bytes);
        const ack = (Date.now() - t) / 1000;
        const inv = (await ctl<{ ms: number }[]>('POST', '/drain')).map((x) => x.ms);
        if (inv.length !== 1) throw new Error(`expected one queue message after one publish, got ${inv.length}`);
        repomd = await repomdAt(started.url, `${TENANT}/${REPO}`, p.revision, 60);
        published.push({ location: p.location, sha256: p.sha256, size: p.size });
        return { invocations: inv, note: `201 after ${ack.toFixed(2)} s; revision ${p.revision} served after the invocation` };
      });
    }
    const files = repomdFiles(repomd);
    const packages = [...seeded.served, ...published];
    await phase(`serve repomd.xml, its ${files.length} files and ${packages.length} packages (sha256 checked)`, async () => {
      let bytes = 0;
      for (const f of files) bytes += await fetchVerified(`${started.url}/${TENANT}/${REPO}/${f.href}`, f.checksum, f.size);
      for (const p of packages) bytes += await fetchVerified(`${started.url}/${TENANT}/${REPO}/${p.location}`, p.sha256, p.size);
      return { invocations: [], note: `${(bytes / 1e6).toFixed(1)} MB` };
    });
    const p = await ctl<Peaks>('GET', '/peaks');
    out.push(`\nFunctions worker process: VmHWM ${mib(p.vmHwm)} MiB over its whole life (start-up, publishes, regenerations, serving); V8 heap limit ${mib(p.heapLimit)} MiB`);
  } finally {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await azurite.stop();
  }
  return out;
}
