/**
 * The Berth Worker in workerd for benchmarks: wrangler's unstable_startWorker in a child process
 * (edge-worker-child.ts), offline, telemetry off, wrangler's config directory private, local R2
 * persisted under `persist` (so objects can be seeded with `wrangler r2 object put --local`).
 * Local observability (a per-request trace store that exists only in wrangler dev) is switched
 * off so the numbers are the Worker's, not the dev tooling's.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface EdgeWorker {
  /** wrangler's dev proxy (what `wrangler dev` prints). */
  url: string;
  /** The user Worker's workerd entry, without the proxy hop. */
  direct: string;
  stop(): Promise<void>;
}

/** The environment for wrangler: offline, no telemetry, its config under `dir`. */
export async function wranglerEnv(dir: string): Promise<NodeJS.ProcessEnv> {
  return {
    ...process.env,
    WRANGLER_SEND_METRICS: 'false',
    CLOUDFLARE_CF_FETCH_ENABLED: 'false',
    X_LOCAL_OBSERVABILITY: 'false',
    XDG_CONFIG_HOME: await mkdtemp(join(dir, 'wrangler-config-')),
  };
}

/** `wrangler r2 object put <bucket>/<key> --file F --local --persist-to P` (the official client). */
export function seedLocalR2(root: string, env: NodeJS.ProcessEnv, persist: string, bucket: string, key: string, file: string): void {
  const r = spawnSync(process.execPath, [
    join(root, 'node_modules', 'wrangler', 'bin', 'wrangler.js'), 'r2', 'object', 'put', `${bucket}/${key}`,
    '--file', file, '--local', '--persist-to', persist, '-c', join(root, 'infra', 'cloudflare', 'wrangler.jsonc'),
  ], { cwd: root, env, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`wrangler r2 object put failed (${r.status}): ${r.stdout}\n${r.stderr}`);
}

export interface EdgeWorkerOptions {
  persist: string;
  adminToken: string;
  logFile: string;
  env: NodeJS.ProcessEnv;
  /** Bindings over wrangler.jsonc's, e.g. `{ BERTH_STORAGE: { type: 'plain_text', value: 'azure-sas' } }`. */
  bindings?: Record<string, unknown>;
  /** Where wrangler's inspector proxy listens (127.0.0.1); off when absent. */
  inspectorPort?: number;
  /** wrangler's log level (default warn; `log` lets the Worker's console.log through to logFile). */
  logLevel?: string;
}

export async function startEdgeWorker(root: string, o: EdgeWorkerOptions): Promise<EdgeWorker> {
  const log = createWriteStream(o.logFile);
  await new Promise((r) => log.once('open', r));
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', join(root, 'bench', 'lib', 'edge-worker-child.ts'), o.persist, o.adminToken,
      JSON.stringify({ bindings: o.bindings, inspectorPort: o.inspectorPort, logLevel: o.logLevel })],
    { cwd: root, env: o.env, stdio: ['pipe', 'pipe', log] },
  );
  const lines = createInterface({ input: child.stdout! });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const started = await new Promise<{ url: string; direct: string | null }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the Worker did not start within 180 s; see ${o.logFile}`)), 180_000);
    child.once('exit', (code) => reject(new Error(`the Worker process exited (${code}); see ${o.logFile}`)));
    lines.on('line', (l) => {
      try {
        const v = JSON.parse(l) as { url?: string; direct?: string | null };
        if (v.url) {
          clearTimeout(timer);
          resolve({ url: v.url, direct: v.direct ?? null });
        } else {
          log.write(`${l}\n`);
        }
      } catch {
        log.write(`${l}\n`);
      }
    });
  });
  if (!started.direct) {
    child.kill('SIGTERM');
    throw new Error(`wrangler reported no user Worker URL (did the Worker fail to load? see ${o.logFile})`);
  }
  return {
    url: started.url,
    direct: started.direct,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
