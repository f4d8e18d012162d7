// A throwaway upstream dnf repository for the mirror tests: signed packages, createrepo_c
// repodata, a detached armored repomd.xml signature, served by nginx on 127.0.0.1 with an
// access log of `METHOD URI STATUS` lines.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { detachSign, type KeyKind } from '../helpers/gpg.js';
import { rpmbuild } from '../helpers/rpmbuild.js';
import { run } from '../helpers/run.js';
import { findTool, isRoot } from '../helpers/tools.js';

/** `count` noarch packages berth-bench-1..count at `version` (one rpmbuild). */
export async function buildBench(count: number, version: string, dir: string): Promise<string[]> {
  const spec = `Name: berth-bench
Version: ${version}
Release: 1
Summary: Bench parent
License: MIT
BuildArch: noarch
AutoReqProv: no

%description
Parent of generated subpackages.

%{lua:
for i = 1, ${count} do
  print("%package -n berth-bench-" .. i .. "\\n")
  print("Summary: Bench package " .. i .. "\\n")
  print("%description -n berth-bench-" .. i .. "\\n")
  print("Bench package number " .. i .. ".\\n")
  print("%files -n berth-bench-" .. i .. "\\n")
  print("/usr/share/berth-bench/f" .. i .. "\\n")
end
}

%install
mkdir -p %{buildroot}/usr/share/berth-bench
for i in $(seq 1 ${count}); do echo "$i ${version}" > %{buildroot}/usr/share/berth-bench/f$i; done
`;
  return rpmbuild('berth-bench', Buffer.from(spec), dir);
}

/** createrepo_c over `dir`, then `gpg --detach-sign --armor` of repomd.xml with `signer`. */
export async function publishUpstream(dir: string, signer: KeyKind = 'rsa'): Promise<void> {
  await run(findTool('createrepo_c') ?? 'createrepo_c', ['--quiet', dir]);
  await detachSign(join(dir, 'repodata', 'repomd.xml'), signer);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Nginx {
  url: string;
  /** Requests logged so far, as `METHOD URI STATUS`. */
  requests(): string[];
  stop(): Promise<void>;
}

/** nginx serving `root` (with its own prefix, pid file, logs and temp dirs under `work`). */
export async function startNginx(root: string, work: string): Promise<Nginx> {
  const port = await freePort();
  for (const d of ['logs', 'tmp']) mkdirSync(join(work, d), { recursive: true });
  const log = join(work, 'logs', 'access.log');
  writeFileSync(log, '');
  const conf = join(work, 'nginx.conf');
  writeFileSync(conf, [
    // the master runs as root in CI containers: keep workers as root so they can read the temp dirs
    isRoot() ? 'user root;' : '',
    'daemon off;', 'worker_processes 1;', `pid ${join(work, 'nginx.pid')};`, `error_log ${join(work, 'logs', 'error.log')};`,
    'events { worker_connections 64; }',
    'http {',
    "  log_format mirror '$request_method $uri $status';",
    `  access_log ${log} mirror;`,
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${join(work, 'tmp', t)};`),
    `  server { listen 127.0.0.1:${port}; root ${root}; location / { } }`,
    '}', '',
  ].join('\n'));
  const child: ChildProcess = spawn(findTool('nginx') ?? 'nginx', ['-p', work, '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${err}`);
    try {
      await fetch(`${url}/`);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`nginx did not start: ${err}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
    requests: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter((l) => l !== '') : []),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGQUIT');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}
