// A throwaway upstream dnf repository for the mirror tests: signed packages, createrepo_c
// repodata, a detached armored repomd.xml signature, served by nginx on 127.0.0.1 with an
// access log of `METHOD URI STATUS` lines.
import { join } from 'node:path';
import { detachSign, type KeyKind } from '../helpers/gpg.js';
import { startNginx as startLoopbackNginx } from '../helpers/nginx.js';
import { rpmbuild } from '../helpers/rpmbuild.js';
import { run } from '../helpers/run.js';
import { findTool } from '../helpers/tools.js';

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

export interface Nginx {
  url: string;
  /** Requests logged so far, as `METHOD URI STATUS`. */
  requests(): string[];
  stop(): Promise<void>;
}

/** nginx serving `root` (with its own prefix, pid file, logs and temp dirs under `work`). */
export async function startNginx(root: string, work: string): Promise<Nginx> {
  const nginx = await startLoopbackNginx({ prefix: work, root, logFormat: '$request_method $uri $status' });
  return { url: nginx.url, requests: nginx.accessLines, stop: nginx.stop };
}
