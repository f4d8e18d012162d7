/** `berth serve` as a child process (on the embedded fs store unless `env` names another), and the API calls a bench needs. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface BerthChild {
  url: string;
  api(method: string, path: string, body?: unknown): Promise<unknown>;
  stop(): Promise<void>;
}

export interface BerthChildOptions {
  data: string;
  adminToken: string;
  /** stderr (the JSON access log) goes here. */
  logFile: string;
  /** Extra node flags, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  /** `berth serve --workers` (default: the server's default, one process). */
  workers?: string;
  /** More environment for the server, e.g. an Azure store's settings (then `data` is unused). */
  env?: Record<string, string>;
}

export async function startBerth(root: string, o: BerthChildOptions): Promise<BerthChild> {
  const log = createWriteStream(o.logFile);
  await new Promise((r) => log.once('open', r));
  const child: ChildProcess = spawn(
    process.execPath,
    [...(o.nodeArgs ?? []), join(root, 'bin', 'berth.js'), 'serve', '--port', '0', '--data', o.data, '--json', ...(o.workers ? ['--workers', o.workers] : [])],
    { env: { ...process.env, ...o.env, BERTH_ADMIN_TOKEN: o.adminToken }, stdio: ['ignore', 'pipe', log] },
  );
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`berth serve exited (${code}); see ${o.logFile}`)));
    lines.on('line', (l) => {
      try {
        const v = JSON.parse(l) as { url?: string };
        if (v.url) resolve(v.url);
      } catch { /* not the JSON line */ }
    });
  });
  const auth = { authorization: `Bearer ${o.adminToken}` };
  return {
    url,
    async api(method, path, body) {
      const bytes = body instanceof Uint8Array;
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { ...auth, ...(body === undefined ? {} : { 'content-type': bytes ? 'application/x-rpm' : 'application/json' }) },
        ...(body === undefined ? {} : { body: bytes ? (body as Uint8Array<ArrayBuffer>) : JSON.stringify(body) }),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
      return text ? JSON.parse(text) : null;
    },
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}
