/**
 * Starts an Azurite blob service for tests, in-memory and bound to 127.0.0.1 on a free port.
 *
 * In-process first (deep import of Azurite's BlobServer: no telemetry, nothing on disk, ~20 ms to
 * start once loaded). If that import fails (Azurite moved its files), fall back to spawning
 * `azurite-blob` from node_modules/.bin — always with `--disableTelemetry` (without it Azurite
 * contacts Azure's metadata endpoint) and `--skipApiVersionCheck` (@azure/storage-blob 12.34 sends an
 * API version Azurite 3.37 does not know yet). Returns null when Azurite is not installed, so callers
 * can `describe.skipIf`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Azurite's published development account (documented, not a secret). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface Azurite {
  /** e.g. http://127.0.0.1:41234/devstoreaccount1 */
  readonly blobEndpoint: string;
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
}

export async function startAzurite(options: StartOptions = {}): Promise<Azurite | null> {
  if (azuriteUnavailableReason() !== null) return null;
  if (options.mode === 'process') return startProcess();
  try {
    return await startInProcess();
  } catch (err) {
    console.warn(`azurite in-process start failed (${String(err)}); spawning azurite-blob`);
    return startProcess();
  }
}

function connectionStringFor(blobEndpoint: string): string {
  return `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${blobEndpoint};`;
}

interface BlobServerLike {
  start(): Promise<void>;
  close(): Promise<void>;
  clean(): Promise<void>;
  getHttpServerAddress(): string;
}
type Ctor<T> = new (...args: unknown[]) => T;

async function startInProcess(): Promise<Azurite> {
  const dist = path.dirname(require.resolve('azurite/package.json'));
  const load = <T>(rel: string): T => {
    const mod = require(path.join(dist, 'dist', 'src', rel)) as { default?: T } & Record<string, unknown>;
    return (mod.default ?? mod) as T;
  };
  const BlobServer = load<Ctor<BlobServerLike>>('blob/BlobServer.js');
  const BlobConfiguration = load<Ctor<unknown>>('blob/BlobConfiguration.js');
  const memMod = require(path.join(dist, 'dist', 'src', 'common', 'persistence', 'MemoryExtentStore.js')) as {
    MemoryExtentChunkStore: Ctor<unknown>;
  };
  // A private chunk store so parallel test files never see each other's data; 1 GiB bound.
  const chunks = new memMod.MemoryExtentChunkStore(1024 * 1024 * 1024);
  const u = undefined;
  // Positional constructor (Azurite 3.37): host, port, keepAlive, metadataDB, extentDB, persistence,
  // accessLog, accessLogStream, debugLog, debugLogPath, loose, skipApiVersionCheck, cert, key, pwd,
  // oauth, disableProductStyleUrl, isMemoryPersistence, memoryStore.
  const config = new BlobConfiguration(
    '127.0.0.1', 0, u, u, u, u, false, u, false, u, false, true, '', '', '', u, false, true, chunks,
  );
  const server = new BlobServer(config);
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

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function startProcess(): Promise<Azurite | null> {
  const bin = path.join(repoRoot, 'node_modules', '.bin', 'azurite-blob');
  if (!existsSync(bin)) return null;
  const port = await freePort();
  const child: ChildProcess = spawn(
    bin,
    ['--inMemoryPersistence', '--blobHost', '127.0.0.1', '--blobPort', String(port), '--silent',
      '--disableTelemetry', '--skipApiVersionCheck'],
    { stdio: 'ignore' },
  );
  const blobEndpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`azurite-blob exited with ${child.exitCode}`);
    try {
      await fetch(`http://127.0.0.1:${port}/`);
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error('azurite-blob did not start within 15 s');
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
