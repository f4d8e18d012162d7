/**
 * bench/edge-scale.ts `--runtime functions`: a repo of `packages` packages seeded into Azurite
 * (blob and queue services, child processes, in memory, `--disableTelemetry`) with Berth's own
 * Azure store (edge-seed.ts), then the Functions app in a Node process of its own
 * (functions-host-child.ts): two publishes through the HTTP function, each followed by ONE
 * invocation of the queue-triggered `regenerate` function with the Storage Queue message the
 * publish sent, then serving repomd.xml, every file it names and the seeded and published
 * packages through the HTTP function (each checked by SHA-256). Per phase: the worker process's
 * peaks of V8 used heap, ArrayBuffers and RSS, and its CPU seconds. The first regeneration is
 * the cold build (no chunk cache yet); the second rebuilds the one chunk its publish changed.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startAzurite } from '../../test/helpers/azurite.js';
import { createAzureBlobStore } from '../../src/storage/azure-store.js';
import { mib } from './edge-measure.js';
import { seedRepo, type ServedPackage } from './edge-seed.js';
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
  say: (line: string) => void;
}

interface Peaks { heap: number; buffers: number; rss: number; cpuSeconds: number; vmHwm: number; heapLimit: number }

export async function runFunctionsScale(o: FunctionsOptions): Promise<string[]> {
  const { say } = o;
  const azurite = await startAzurite({ mode: 'process', queue: true });
  if (!azurite?.queueEndpoint) throw new Error('azurite (blob and queue) is not installed');
  const container = 'berth';
  const queueName = 'berth-repo-changed';
  const out: string[] = [];
  let child: ReturnType<typeof spawn> | undefined;
  try {
    const store = createAzureBlobStore({ connectionString: azurite.connectionString, container });
    say(`seeding ${o.packages} packages into Azurite (${azurite.blobEndpoint})`);
    const seeded = await seedRepo(store, { tenant: TENANT, repo: REPO, packages: o.packages, served: o.gets, say, lanes: 48 });
    out.push(`seeded ${o.packages} packages (fragments, index; ${o.gets} blobs) with the Azure store in ${seeded.seconds.toFixed(0)} s`);
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
    const ctl = async <T>(method: string, path: string): Promise<T> => {
      const res = await fetch(`${started.control}${path}`, { method });
      const v = (await res.json()) as T;
      if (!res.ok) throw new Error(`${path}: ${JSON.stringify(v)}`);
      return v;
    };
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
      const k = PUBLISHED_BASE + published.length + 1;
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
