/**
 * Starts an Azurite blob service for tests, in-memory and bound to 127.0.0.1 on a free port.
 *
 * In-process first (deep import of Azurite's BlobServer: no telemetry, nothing on disk, ~20 ms to
 * start once loaded). If that import fails (Azurite moved its files), fall back to spawning
 * `azurite-blob` from node_modules/.bin — always with `--disableTelemetry` (without it Azurite
 * contacts Azure's metadata endpoint) and `--skipApiVersionCheck` (@azure/storage-blob 12.34 sends an
 * API version Azurite 3.37 does not know yet). Returns null when Azurite is not installed, so callers
 * can `describe.skipIf`.
 *
 * `{ queue: true }` also starts Azurite's queue service (same rules: in-process first, else
 * `azurite-queue` with `--disableTelemetry`); the connection string then names both endpoints.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './net.js';

/** Azurite's published development account (documented, not a secret). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface Azurite {
  /** e.g. http://127.0.0.1:41234/devstoreaccount1 */
  readonly blobEndpoint: string;
  /** Set when started with `{ queue: true }`, e.g. http://127.0.0.1:41235/devstoreaccount1 */
  readonly queueEndpoint?: string;
  readonly connectionString: string;
  readonly mode: 'in-process' | 'process';
  stop(): Promise<void>;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(path.join(repoRoot, 'package.json'));

/** Why Azurite cannot be used here, or null when it can. */
export function azuriteUnavailableReason(): string | null {
  try {
    require.resolve('azurite/package.json');
    return null;
  } catch {
    return 'azurite is not installed (npm i -D azurite)';
  }
}

export interface StartOptions {
  /**
   * 'process' runs Azurite in a child process. Use it when a test measures this process's memory:
   * in-process, the emulator's in-memory store would count as the test's own allocations.
   */
  mode?: 'in-process' | 'process';
  /** Also start the queue service (Azure Functions queue trigger tests). */
  queue?: boolean;
}

export async function startAzurite(options: StartOptions = {}): Promise<Azurite | null> {
  if (azuriteUnavailableReason() !== null) return null;
  const blob = await startService('blob', options.mode);
  if (blob === null || options.queue !== true) return blob;
  let queue: Azurite | null;
  try {
    queue = await startService('queue', options.mode);
  } catch (err) {
    await blob.stop();
    throw err;
  }
  if (queue === null) {
    await blob.stop();
    return null;
  }
  const queueEndpoint = queue.blobEndpoint;
  return {
    blobEndpoint: blob.blobEndpoint,
    queueEndpoint,
    connectionString: connectionStringFor(blob.blobEndpoint, queueEndpoint),
    mode: blob.mode,
    async stop() {
      await Promise.all([blob.stop(), queue.stop()]);
    },
  };
}

type Service = 'blob' | 'queue';

/** One service; its endpoint is reported as `blobEndpoint` (the caller renames it). */
async function startService(service: Service, mode: StartOptions['mode']): Promise<Azurite | null> {
  if (mode === 'process') return startProcess(service);
  try {
    return await startInProcess(service);
  } catch (err) {
    console.warn(`azurite in-process ${service} start failed (${String(err)}); spawning azurite-${service}`);
    return startProcess(service);
  }
}

function connectionStringFor(blobEndpoint: string, queueEndpoint?: string): string {
  const queue = queueEndpoint === undefined ? '' : `QueueEndpoint=${queueEndpoint};`;
  return `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${blobEndpoint};${queue}`;
}

interface BlobServerLike {
  start(): Promise<void>;
  close(): Promise<void>;
  clean(): Promise<void>;
  getHttpServerAddress(): string;
}
type Ctor<T> = new (...args: unknown[]) => T;

async function startInProcess(service: Service): Promise<Azurite> {
  const dist = path.dirname(require.resolve('azurite/package.json'));
  const load = <T>(rel: string): T => {
    const mod = require(path.join(dist, 'dist', 'src', rel)) as { default?: T } & Record<string, unknown>;
    return (mod.default ?? mod) as T;
  };
  const Server = load<Ctor<BlobServerLike>>(service === 'blob' ? 'blob/BlobServer.js' : 'queue/QueueServer.js');
  const Configuration = load<Ctor<unknown>>(service === 'blob' ? 'blob/BlobConfiguration.js' : 'queue/QueueConfiguration.js');
  const memMod = require(path.join(dist, 'dist', 'src', 'common', 'persistence', 'MemoryExtentStore.js')) as {
    MemoryExtentChunkStore: Ctor<unknown>;
  };
  // A private chunk store so parallel test files never see each other's data; 1 GiB bound.
  const chunks = new memMod.MemoryExtentChunkStore(1024 * 1024 * 1024);
  const u = undefined;
  // Positional constructor (Azurite 3.37, same for blob and queue): host, port, keepAlive, metadataDB, extentDB, persistence,
  // accessLog, accessLogStream, debugLog, debugLogPath, loose, skipApiVersionCheck, cert, key, pwd,
  // oauth, disableProductStyleUrl, isMemoryPersistence, memoryStore.
  const config = new Configuration(
    '127.0.0.1', 0, u, u, u, u, false, u, false, u, false, true, '', '', '', u, false, true, chunks,
  );
  const server = new Server(config);
  await server.start();
  const blobEndpoint = `${server.getHttpServerAddress()}/${AZURITE_ACCOUNT}`;
  return {
    blobEndpoint,
    connectionString: connectionStringFor(blobEndpoint),
    mode: 'in-process',
    async stop() {
      await server.close();
      await server.clean();
    },
  };
}


async function startProcess(service: Service = 'blob'): Promise<Azurite | null> {
  const bin = path.join(repoRoot, 'node_modules', '.bin', `azurite-${service}`);
  if (!existsSync(bin)) return null;
  const port = await freePort();
  const child: ChildProcess = spawn(
    bin,
    ['--inMemoryPersistence', `--${service}Host`, '127.0.0.1', `--${service}Port`, String(port), '--silent',
      '--disableTelemetry', '--skipApiVersionCheck'],
    { stdio: 'ignore' },
  );
  const blobEndpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`azurite-${service} exited with ${child.exitCode}`);
    try {
      await fetch(`http://127.0.0.1:${port}/`);
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`azurite-${service} did not start within 15 s`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    blobEndpoint,
    connectionString: connectionStringFor(blobEndpoint),
    mode: 'process',
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
