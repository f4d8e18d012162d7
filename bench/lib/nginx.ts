/**
 * A throwaway nginx on 127.0.0.1 serving one directory: its own prefix, config, pid and logs
 * under `dir`, Debian defaults otherwise (sendfile, worker_processes auto, access log on).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const NGINX = '/usr/sbin/nginx';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export function nginxVersion(): string {
  return spawnSync(NGINX, ['-v'], { encoding: 'utf8' }).stderr.trim();
}

export interface RunningNginx {
  url: string;
  config: string;
  /** The access log (one line per finished request, written unbuffered). */
  accessLog: string;
  stop(): Promise<void>;
}

export interface NginxOptions {
  /** An nginx log_format string for the access log (default: nginx's `combined`). */
  logFormat?: string;
}

export async function startNginx(dir: string, docroot: string, opts: NginxOptions = {}): Promise<RunningNginx> {
  const port = await freePort();
  const accessLog = join(dir, 'logs', 'access.log');
  const logFormat = opts.logFormat === undefined ? '' : `  log_format bench '${opts.logFormat}';\n`;
  await mkdir(join(dir, 'logs'), { recursive: true });
  await mkdir(join(dir, 'tmp'), { recursive: true });
  // As root the workers would drop to nobody, who cannot enter a mkdtemp (0700) directory.
  const user = process.getuid?.() === 0 ? 'user root;\n' : '';
  const config = `${user}worker_processes auto;
daemon off;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'logs', 'error.log')} warn;
events { worker_connections 1024; }
http {
  types { text/xml xml; application/gzip gz; application/x-rpm rpm; }
  default_type application/octet-stream;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 65;
${logFormat}  access_log ${accessLog}${opts.logFormat === undefined ? '' : ' bench'};
  client_body_temp_path ${join(dir, 'tmp')};
  proxy_temp_path ${join(dir, 'tmp')};
  fastcgi_temp_path ${join(dir, 'tmp')};
  uwsgi_temp_path ${join(dir, 'tmp')};
  scgi_temp_path ${join(dir, 'tmp')};
  server {
    listen 127.0.0.1:${port};
    root ${docroot};
  }
}
`;
  const conf = join(dir, 'nginx.conf');
  await writeFile(conf, config);
  const child: ChildProcess = spawn(NGINX, ['-p', dir, '-c', conf, '-e', join(dir, 'logs', 'error.log')], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited (${child.exitCode}); see ${dir}/logs/error.log`);
    try {
      await fetch(`${url}/`);
      break;
    } catch {
      if (i > 100) throw new Error('nginx did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    config,
    accessLog,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGQUIT');
    }),
  };
}
