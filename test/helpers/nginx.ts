// A throwaway nginx on 127.0.0.1 serving one directory, with its own prefix (config, pid, logs,
// temp dirs) so it needs nothing from the host's nginx setup. Shared by the mirror and sync
// tests (which read its access log) and the benchmarks (which compare against it).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { answersHttp, freePort, stopChild } from './net.js';
import { findTool, isRoot } from './tools.js';

const nginxBin = (): string => findTool('nginx') ?? 'nginx';

export function nginxVersion(): string {
  return spawnSync(nginxBin(), ['-v'], { encoding: 'utf8' }).stderr.trim();
}

export interface NginxOptions {
  /** nginx's prefix: config, pid, logs and temp dirs go here (created). */
  prefix: string;
  /** The document root. */
  root: string;
  /** An nginx log_format string for the access log (default: nginx's `combined`). */
  logFormat?: string;
  /** `limit_rate` per connection (e.g. `3m`), to slow downloads down. */
  limitRate?: string;
  /** `worker_processes` (default 1). */
  workers?: number | 'auto';
  /**
   * Debian's nginx.conf defaults (sendfile, tcp_nopush, keepalive_timeout 65, MIME types), for
   * benchmarks against a stock nginx. Off for tests: sendfile sends in large chunks, which
   * makes `limitRate` too coarse to interrupt a download reliably.
   */
  stock?: boolean;
}

export interface RunningNginx {
  url: string;
  config: string;
  /** The access log (one line per finished request, written unbuffered). */
  accessLog: string;
  /** The access log's lines so far. */
  accessLines(): string[];
  stop(): Promise<void>;
}

const STOCK = `  types { text/xml xml; application/gzip gz; application/x-rpm rpm; }
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 65;
`;

function configText(opts: NginxOptions, port: number, accessLog: string): string {
  const { prefix } = opts;
  const tmp = join(prefix, 'tmp');
  const format = opts.logFormat === undefined ? '' : `  log_format berth '${opts.logFormat}';\n`;
  const location = opts.limitRate === undefined ? '' : `    location / { limit_rate ${opts.limitRate}; }\n`;
  // As root the workers would drop to nobody, who cannot enter a mkdtemp (0700) directory.
  return `${isRoot() ? 'user root;\n' : ''}worker_processes ${opts.workers ?? 1};
daemon off;
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'logs', 'error.log')} warn;
events { worker_connections 1024; }
http {
${opts.stock === true ? STOCK : ''}  default_type application/octet-stream;
${format}  access_log ${accessLog}${opts.logFormat === undefined ? '' : ' berth'};
${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${tmp};\n`).join('')}  server {
    listen 127.0.0.1:${port};
    root ${opts.root};
${location}  }
}
`;
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

export async function startNginx(opts: NginxOptions): Promise<RunningNginx> {
  const { prefix } = opts;
  for (const d of ['logs', 'tmp']) mkdirSync(join(prefix, d), { recursive: true });
  const accessLog = join(prefix, 'logs', 'access.log');
  const errorLog = join(prefix, 'logs', 'error.log');
  const conf = join(prefix, 'nginx.conf');
  // freePort only finds a port that was free a moment ago: try again when another process took it.
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const config = configText(opts, port, accessLog);
    writeFileSync(conf, config);
    const child = spawn(nginxBin(), ['-p', prefix, '-c', conf, '-e', errorLog], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
    const url = `http://127.0.0.1:${port}`;
    if (!(await answersHttp(`${url}/`, child, 15_000))) {
      await stopChild(child, 'SIGKILL');
      const why = err + readOr(errorLog, '');
      if (/Address already in use/.test(why)) continue;
      throw new Error(`nginx did not start: ${why}`);
    }
    return {
      url,
      config,
      accessLog,
      accessLines: () => (existsSync(accessLog) ? readOr(accessLog, '').split('\n').filter((l) => l !== '') : []),
      stop: () => stopChild(child, 'SIGQUIT'),
    };
  }
  throw new Error('nginx: no free port');
}
