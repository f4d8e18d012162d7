// Starts Workers locally in workerd through wrangler's `unstable_startWorker` (offline, on
// 127.0.0.1, local R2 and queues). Telemetry, the Cloudflare request-metadata fetch and wrangler's
// config directory are switched off / redirected before wrangler loads.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers/tools.js';

process.env['WRANGLER_SEND_METRICS'] = 'false';
process.env['CLOUDFLARE_CF_FETCH_ENABLED'] = 'false';
process.env['XDG_CONFIG_HOME'] ??= mkdtempSync(join(tmpdir(), 'berth-wrangler-'));

/** Why workerd tests cannot run here, or null. */
export function workerdUnavailableReason(): string | null {
  try {
    createRequire(import.meta.url).resolve('wrangler');
    return null;
  } catch {
    return 'wrangler is not installed (npm ci)';
  }
}

export interface LocalWorker {
  url: URL;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  dispose(): Promise<void>;
}

type StartWorker = (input: Record<string, unknown>) => Promise<{
  ready: Promise<void>;
  url: Promise<URL>;
  dispose(): Promise<void>;
}>;

/** `input` is wrangler's StartDevWorkerInput; `dev.server` and inspector are filled in. */
export async function startLocalWorker(input: Record<string, unknown>): Promise<LocalWorker> {
  const { unstable_startWorker } = (await import('wrangler')) as unknown as { unstable_startWorker: StartWorker };
  const dev = (input['dev'] ?? {}) as Record<string, unknown>;
  const worker = await unstable_startWorker({
    ...input,
    dev: { server: { hostname: '127.0.0.1', port: 0 }, inspector: false, logLevel: 'log', ...dev },
  });
  await worker.ready;
  const url = await worker.url;
  return {
    url,
    fetch: (path, init) => fetch(new URL(path, url), init),
    dispose: () => worker.dispose(),
  };
}

/**
 * The same, in a child process (see harness/serve-worker.ts). `onOutput` receives the child's
 * stdout and stderr (the Worker's console) as they arrive. `env` adds to the child's environment
 * (e.g. `MINIFLARE_WORKERD_V8_FLAGS`, which Miniflare hands to workerd).
 */
export async function startWorkerProcess(input: Record<string, unknown>, onOutput?: (text: string) => void, env: Record<string, string> = {}): Promise<LocalWorker> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot(), 'test', 'cloudflare', 'harness', 'serve-worker.ts'), JSON.stringify(input)], {
    cwd: repoRoot(),
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (b: Buffer) => {
    err += b.toString('utf8');
    if (err.length > 200_000) err = err.slice(-100_000);
    onOutput?.(b.toString('utf8'));
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = await new Promise<URL>((resolveUrl, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`worker did not start within 90 s\n${err}`));
    }, 90_000);
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString('utf8');
      onOutput?.(b.toString('utf8'));
      const line = out.split('\n').find((l) => l.startsWith('{"url"'));
      if (line) {
        clearTimeout(timer);
        resolveUrl(new URL((JSON.parse(line) as { url: string }).url));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker process exited with ${code} before starting\n${err}`));
    });
  });
  return {
    url,
    fetch: (path, init) => fetch(new URL(path, url), init),
    async dispose() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * In a child process that owns a local Worker: dispose of it and exit on SIGTERM/SIGINT or when
 * the parent closes stdin (so a parent that dies never leaves workerd behind).
 */
export function disposeOnExit(worker: { dispose(): Promise<unknown> }): void {
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await worker.dispose().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  process.stdin.on('end', () => void stop());
  process.stdin.resume();
}
