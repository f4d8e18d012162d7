/**
 * bench:edge-scale `--runtime functions --keep-azurite`: a repo of every fragment in an Azurite blob
 * service that outlives the bench, for the cold build inside one queue invocation at sizes whose
 * seeding takes longer than a run should (200,000 fragments at a few hundred puts/s: 10-30 min).
 *
 * The scheme: the first run starts `azurite-blob` in memory (127.0.0.1, `--disableTelemetry`,
 * detached, so it outlives the bench) and records its port and pid in `<dir>/azurite.json`; it seeds
 * the repo through the BlobStore contract (edge-seed.ts: tenant, repo, one fragment per package, the
 * index in one commit, blobs of the served packages; no generation) and records the served
 * packages in `<dir>/seeded.json` once the index is committed. Later runs find the same Azurite
 * (alive and answering), see the index head holding at least the seeded count, and reuse it; a run
 * that finds no Azurite or no index seeds again. `--cold` then deletes the chunk cache and the
 * generation pointer, so the next regeneration builds every chunk from fragments. The process is
 * stopped with `--stop-azurite` (by its recorded pid) or by whoever started the bench.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readHead } from '../../src/repo/index-store.js';
import { createAzureBlobStore } from '../../src/storage/azure-store.js';
import { listAll, type BlobStore } from '../../src/storage/blob-store.js';
import { currentGenerationKey, repoChunksPrefix, tenantKey } from '../../src/storage/keys.js';
import { AZURITE_ACCOUNT, AZURITE_KEY } from '../../test/helpers/azurite.js';
import { freePort } from '../../test/helpers/net.js';
import { seedRepo, type ServedPackage } from './edge-seed.js';
import { REPO, TENANT } from './edge-scale-workerd.js';

export const CONTAINER = 'berth';

interface State { pid: number; port: number }

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function answers(port: number, timeoutMs = 2000): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(timeoutMs) });
    return true;
  } catch {
    return false;
  }
}

/** `azurite-<service>` in memory on 127.0.0.1 (never without `--disableTelemetry`). */
export async function spawnAzurite(root: string, service: 'blob' | 'queue', detached: boolean): Promise<{ port: number; pid: number; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn(join(root, 'node_modules', '.bin', `azurite-${service}`), [
    '--inMemoryPersistence', `--${service}Host`, '127.0.0.1', `--${service}Port`, String(port), '--silent', '--disableTelemetry', '--skipApiVersionCheck',
  ], { stdio: 'ignore', detached });
  if (detached) child.unref();
  for (const deadline = Date.now() + 20_000; !(await answers(port));) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`azurite-${service} did not start`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    pid: child.pid as number,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export const blobEndpoint = (port: number): string => `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;

export function connectionString(blobPort: number, queuePort?: number): string {
  const queue = queuePort === undefined ? '' : `QueueEndpoint=http://127.0.0.1:${queuePort}/${AZURITE_ACCOUNT};`;
  return `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${blobEndpoint(blobPort)};${queue}`;
}

/** The kept blob service: the one recorded in `dir` when it still answers, else a new one. */
export async function keptAzurite(root: string, dir: string, say: (s: string) => void): Promise<{ port: number; pid: number; fresh: boolean }> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'azurite.json');
  if (existsSync(file)) {
    const s = JSON.parse(await readFile(file, 'utf8')) as State;
    // a kept service busy with a large store can take a while to answer: wait for it
    if (alive(s.pid) && (await answers(s.port, 60_000))) {
      say(`reusing the kept Azurite blob service: port ${s.port}, pid ${s.pid}`);
      return { ...s, fresh: false };
    }
  }
  if (existsSync(file)) {
    const s = JSON.parse(await readFile(file, 'utf8')) as State;
    if (alive(s.pid)) throw new Error(`the kept Azurite (pid ${s.pid}) does not answer: stop it (--stop-azurite) and run again`);
  }
  const a = await spawnAzurite(root, 'blob', true);
  await writeFile(file, JSON.stringify({ pid: a.pid, port: a.port }));
  await rm(join(dir, 'seeded.json'), { force: true });
  say(`started a kept Azurite blob service (in memory, detached): port ${a.port}, pid ${a.pid}`);
  return { port: a.port, pid: a.pid, fresh: true };
}

/** Stops the kept blob service recorded in `dir` (by its pid), if any. */
export async function stopKeptAzurite(dir: string): Promise<boolean> {
  const file = join(dir, 'azurite.json');
  if (!existsSync(file)) return false;
  const s = JSON.parse(await readFile(file, 'utf8')) as State;
  await rm(file, { force: true });
  if (!alive(s.pid)) return false;
  process.kill(s.pid, 'SIGTERM');
  return true;
}

export interface KeptRepo {
  store: BlobStore;
  served: ServedPackage[];
  /** Packages in the index now (seeded + published by earlier runs). */
  count: number;
  lines: string[];
}

/** The repo of `packages` packages in the kept service: seeded when missing, reused otherwise. */
export async function keptRepo(dir: string, port: number, packages: number, gets: number, say: (s: string) => void): Promise<KeptRepo> {
  const store = createAzureBlobStore({ connectionString: connectionString(port), container: CONTAINER });
  const file = join(dir, 'seeded.json');
  const lines: string[] = [];
  let served: ServedPackage[] | null = null;
  if (existsSync(file)) {
    const m = JSON.parse(await readFile(file, 'utf8')) as { packages: number; served: ServedPackage[] };
    const { head } = await readHead(store, TENANT, REPO).catch(() => ({ head: { count: 0 } }));
    if (m.packages === packages && head.count >= packages) served = m.served;
  }
  if (served === null) {
    if (await store.head(tenantKey(TENANT))) throw new Error('the kept Azurite holds an unfinished seeding: stop it (--stop-azurite) and run again');
    say(`seeding ${packages} packages into Azurite (every fragment, through the BlobStore contract)`);
    const s = await seedRepo(store, { tenant: TENANT, repo: REPO, packages, served: gets, lanes: 64, say });
    served = s.served;
    await writeFile(file, JSON.stringify({ packages, served }));
    lines.push(`seeded ${packages} packages into the kept Azurite in ${s.seconds.toFixed(0)} s (${(packages / s.seconds).toFixed(0)} fragments/s; tenant, repo, ${packages} fragments, ${served.length} blobs, the index; no generation)`);
  } else {
    lines.push(`reused the ${packages} packages seeded earlier into the kept Azurite`);
  }
  const { head } = await readHead(store, TENANT, REPO);
  return { store, served, count: head.count, lines };
}

/** Chunk cache and generation pointer deleted: the next regeneration is the cold build. */
export async function makeCold(store: BlobStore): Promise<number> {
  const keys: string[] = [];
  for await (const item of listAll(store, repoChunksPrefix(TENANT, REPO))) keys.push(item.key);
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < keys.length) await store.delete(keys[next++] as string);
  }));
  await store.delete(currentGenerationKey(TENANT, REPO));
  return keys.length;
}
