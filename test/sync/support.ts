// Shared by the sync tests: upstream servers whose requests can be counted (nginx with its own
// prefix, or `berth serve --dir`), a dnf confined to a temp dir, an independent repo
// consistency check, and building big/small signed packages.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dnfClient as confinedDnf, type DnfClient } from '../helpers/dnf.js';
import { stopChild } from '../helpers/net.js';
import { startNginx as startLoopbackNginx } from '../helpers/nginx.js';
import { readRepo, repomdProblems } from '../helpers/repodata.js';
import { rpmbuild } from '../helpers/rpmbuild.js';
import { repoRoot } from '../helpers/tools.js';

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

/** nginx serving `root` on 127.0.0.1, own prefix and config; `limitRate` (bytes/s per connection) slows it down. */
export async function startNginx(root: string, work: string, limitRate?: string): Promise<Upstream> {
  const nginx = await startLoopbackNginx({
    prefix: join(work, `nginx-${Date.now()}`), root, logFormat: '$request_method $uri $status "$http_range" $body_bytes_sent',
    ...(limitRate === undefined ? {} : { limitRate }),
  });
  return {
    url: nginx.url,
    requests: () => nginx.accessLines().map((l) => {
      const m = /^(\S+) (\S+) (\d+) "([^"]*)"/.exec(l);
      return { method: m?.[1] ?? '', path: m?.[2] ?? '', status: Number(m?.[3]), range: m?.[4] && m[4] !== '-' ? m[4] : null };
    }),
    stop: nginx.stop,
  };
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
    stop: () => stopChild(child, 'SIGTERM'),
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
