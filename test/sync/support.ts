// Shared by the sync tests: upstream servers whose requests can be counted (nginx with its own
// prefix, or `berth serve --dir`), a dnf confined to a temp dir, an independent repo
// consistency check, and building big/small signed packages.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { dnfClient as confinedDnf, type DnfClient } from '../helpers/dnf.js';
import { readRepo, repomdProblems } from '../helpers/repodata.js';
import { rpmbuild } from '../helpers/rpmbuild.js';
import { findTool, repoRoot } from '../helpers/tools.js';

export interface LoggedRequest {
  method: string;
  path: string;
  status: number;
  range: string | null;
}

export interface Upstream {
  url: string;
  /** Every request so far, in order. */
  requests(): LoggedRequest[];
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

/** nginx serving `root` on 127.0.0.1, own prefix and config; `limitRate` (bytes/s per connection) slows it down. */
export async function startNginx(root: string, work: string, limitRate?: string): Promise<Upstream> {
  const nginx = findTool('nginx');
  if (nginx === null) throw new Error('nginx not installed');
  const prefix = join(work, `nginx-${Date.now()}`);
  mkdirSync(join(prefix, 'logs'), { recursive: true });
  const access = join(prefix, 'logs', 'access.log');
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const conf = join(prefix, 'nginx.conf');
    writeFileSync(conf, `
daemon off;
${process.getuid?.() === 0 ? 'user root;' : ''}
worker_processes 1;
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'logs', 'error.log')};
events { worker_connections 64; }
http {
  log_format sync '$request_method $uri $status "$http_range" $body_bytes_sent';
  access_log ${access} sync;
  client_body_temp_path ${join(prefix, 'body')};
  proxy_temp_path ${join(prefix, 'proxy')};
  fastcgi_temp_path ${join(prefix, 'fastcgi')};
  uwsgi_temp_path ${join(prefix, 'uwsgi')};
  scgi_temp_path ${join(prefix, 'scgi')};
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:${port};
    root ${root};
    location / { ${limitRate ? `limit_rate ${limitRate};` : ''} }
  }
}
`);
    const child = spawn(nginx, ['-p', prefix, '-c', conf, '-e', join(prefix, 'logs', 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
    const up = await waitForPort(port, child);
    if (!up) {
      if (/Address already in use/.test(err + safeRead(join(prefix, 'logs', 'error.log')))) continue;
      throw new Error(`nginx did not start: ${err}${safeRead(join(prefix, 'logs', 'error.log'))}`);
    }
    return {
      url: `http://127.0.0.1:${port}`,
      requests: () => safeRead(access).split('\n').filter((l) => l !== '').map((l) => {
        const m = /^(\S+) (\S+) (\d+) "([^"]*)"/.exec(l);
        return { method: m?.[1] ?? '', path: m?.[2] ?? '', status: Number(m?.[3]), range: m?.[4] && m[4] !== '-' ? m[4] : null };
      }),
      stop: async () => {
        child.kill('SIGTERM');
        await exited(child);
      },
    };
  }
  throw new Error('nginx: no free port');
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) return false;
    try {
      await fetch(`http://127.0.0.1:${port}/`);
      return true;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return false;
}

/** `berth serve --dir root --read-only` as a child; requests from its JSON access log. */
export async function startDirServe(root: string): Promise<Upstream> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot(), 'src', 'cli', 'main.ts'), 'serve', '--dir', root, '--read-only', '--port', '0'], {
    cwd: repoRoot(), stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve --dir did not start: ${err}`)), 30_000);
    child.stderr?.on('data', (b: Buffer) => {
      err += b.toString();
      const m = /"msg":"listening".*?"url":"([^"]+)"/.exec(err);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`serve --dir exited ${code}: ${err}`)));
  });
  return {
    url,
    requests: () => err.split('\n').filter((l) => l.includes('"msg":"request"')).map((l) => {
      const e = JSON.parse(l) as { method: string; path: string; status: number; range?: string };
      return { method: e.method, path: e.path, status: e.status, range: e.range ?? null };
    }),
    stop: async () => {
      child.kill('SIGTERM');
      await exited(child);
    },
  };
}

export const packageRequests = (reqs: readonly LoggedRequest[]): LoggedRequest[] => reqs.filter((r) => r.path.endsWith('.rpm'));

/** Problems with DIR as a repo: metadata self-consistency and every package present with its checksum. */
export function repoProblems(dir: string): string[] {
  const repo = readRepo(dir);
  const problems = repomdProblems(repo);
  for (const p of repo.packages.values()) {
    const href = p.location['href'] ?? '';
    const path = join(dir, href);
    if (!existsSync(path)) {
      problems.push(`${href} missing`);
      continue;
    }
    const sum = createHash(p.checksumType === 'sha' ? 'sha1' : p.checksumType).update(readFileSync(path)).digest('hex');
    if (sum !== p.pkgid) problems.push(`${href}: checksum differs`);
  }
  return problems;
}

/** A dnf that sees only one repo at `baseurl`: own config, cache and installroot under `base`. */
export function dnfClient(base: string, baseurl: string, gpgkeys: readonly string[]): DnfClient {
  return confinedDnf(base, { id: 'edge', name: 'Edge copy', baseurl, gpgkeys });
}

/** `count` noarch packages `berth-big-<i>` of about `bytes` each (random, uncompressed payload). */
export async function buildBig(count: number, bytes: number, dir: string, first = 1): Promise<string[]> {
  const spec = `Name: berth-big
Version: 1.0
Release: 1
Summary: Big parent
License: MIT
BuildArch: noarch
AutoReqProv: no
%define _binary_payload w0.ufdio
%description
Big packages for sync tests.
%{lua:
for i = ${first}, ${first + count - 1} do
  print("%package -n berth-big-" .. i .. "\\nSummary: Big " .. i .. "\\n%description -n berth-big-" .. i .. "\\nBig " .. i .. ".\\n")
  print("%files -n berth-big-" .. i .. "\\n/usr/share/berth-big/f" .. i .. "\\n")
end
}
%install
mkdir -p %{buildroot}/usr/share/berth-big
for i in $(seq ${first} ${first + count - 1}); do head -c ${bytes} /dev/urandom > %{buildroot}/usr/share/berth-big/f$i; done
`;
  return rpmbuild('berth-big', Buffer.from(spec), dir);
}

/** Deterministic PRNG (mulberry32) for the kill points. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
