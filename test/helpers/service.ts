// Runs `berth serve` as a child process for end-to-end tests, and the CLI against it.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { berth } from './berth.js';
import type { RunResult } from './run.js';
import { repoRoot } from './tools.js';

export interface BerthServer {
  url: string;
  pid: number;
  /** Everything the server wrote so far. */
  stdout(): string;
  stderr(): string;
  /** SIGTERM, wait for a graceful exit (SIGKILL after `graceMs`); resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

export interface ServeOptions {
  data: string;
  env?: Record<string, string | undefined>;
  args?: readonly string[];
  startTimeoutMs?: number;
  /**
   * Start it as a user does, `NODE bin/berth.js serve …` with this Node (e.g. the system's
   * Node 20, which the launcher hands over to the project's Node 24), instead of the one process
   * `node --import tsx src/cli/main.ts`.
   */
  viaLauncher?: { node: string; path?: string; nodeArgs?: readonly string[] };
}

/**
 * Starts `node --import tsx src/cli/main.ts serve --port 0` (one process, so SIGTERM reaches the
 * server itself) and waits for its `listening` log line, which carries the bound URL.
 */
export async function startBerthServer(opts: ServeOptions): Promise<BerthServer> {
  const serve = ['serve', '--port', '0', '--data', opts.data, ...(opts.args ?? [])];
  const launcher = opts.viaLauncher;
  const child: ChildProcess = spawn(
    launcher?.node ?? process.execPath,
    launcher ? [...(launcher.nodeArgs ?? []), join(repoRoot(), 'bin', 'berth.js'), ...serve] : ['--import', 'tsx', join(repoRoot(), 'src', 'cli', 'main.ts'), ...serve],
    {
      cwd: repoRoot(),
      // A clean slate: no Azure or Berth settings leak in from the environment running the tests.
      env: { ...cleanEnv(), ...(launcher?.path !== undefined ? { PATH: launcher.path } : {}), ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString('utf8')));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`berth serve did not start within ${opts.startTimeoutMs ?? 30_000} ms\n${err}`));
    }, opts.startTimeoutMs ?? 30_000);
    child.stderr?.on('data', (b: Buffer) => {
      err += b.toString('utf8');
      for (const line of err.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const entry = JSON.parse(line) as { msg?: string; url?: string };
          if (entry.msg === 'listening' && entry.url) {
            clearTimeout(timer);
            resolveUrl(entry.url);
            return;
          }
        } catch {
          // a partial line; wait for more
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`berth serve exited with ${code} before listening\n${out}\n${err}`));
    });
  });
  const exited = new Promise<number | null>((r) => {
    if (child.exitCode !== null) r(child.exitCode);
    else child.once('exit', (code) => r(code));
  });
  return {
    url,
    pid: child.pid ?? -1,
    stdout: () => out,
    stderr: () => err,
    async stop(graceMs = 20_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k.startsWith('BERTH_') || k.startsWith('AZURE_')) continue;
    env[k] = v;
  }
  return env;
}

/** The CLI against `server` with `token`; never throws on a non-zero exit. */
export function berthAs(server: { url: string }, token: string, args: readonly string[]): Promise<RunResult> {
  return berth(args, { allowFail: true, env: { BERTH_URL: server.url, BERTH_TOKEN: token }, timeoutMs: 120_000 });
}

/** Parses the CLI's --json stdout, failing with the whole output when it is not JSON. */
export function jsonOf<T = Record<string, unknown>>(r: RunResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`expected JSON on stdout (exit ${r.code}):\n${r.stdout}\n--- stderr ---\n${r.stderr}`);
  }
}

/** Polls `check` until it returns a value other than undefined (or the deadline passes). */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
