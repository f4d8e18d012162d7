/**
 * N packages made by the real rpmbuild, for benchmarks: headers carry everything rpmbuild
 * writes (file digests, modes, users, flags, rpmlib() requires, automatic requires and
 * provides), which synthetic headers do not. To build thousands quickly, each rpmbuild run makes
 * `PER_SPEC` subpackages of one spec: package i has 1-40 files (a shell script in /usr/bin, the
 * rest text under /usr/share), requires the previous package and provides a capability; the
 * spec's changelog (8 entries) goes into every package, as rpmbuild does.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PER_SPEC = Number(process.env["RB_PER_SPEC"] ?? 250);

const pad = (i: number) => String(i).padStart(6, '0');
export const rpmbuildName = (i: number) => `bench-rb-${pad(i)}`;
const filesOf = (i: number) => 1 + ((i * 7919) % 40);

function spec(first: number, last: number): string {
  const lines = [
    `Name: bench-rb-spec-${pad(first)}`,
    'Version: 1.0',
    'Release: 1',
    'Summary: rpmbuild-made benchmark packages',
    'License: MIT',
    'URL: https://example.com/bench',
    'BuildArch: noarch',
    // rpmbuild's dependency generators fork per file class and package (most of its time);
    // the requires they would find (/bin/sh for the script) are written out instead
    'AutoReqProv: no',
    '%global __os_install_post %{nil}',
    '',
    '%description',
    'Spec of benchmark subpackages.',
    '',
  ];
  for (let i = first; i <= last; i++) {
    const n = rpmbuildName(i);
    lines.push(
      `%package -n ${n}`,
      `Summary: Benchmark package ${i} & friends`,
      `Version: ${1 + (i % 7)}.${i % 13}.${i % 5}`,
      `Provides: bench-rb-cap-${i} = ${i}`,
      'Requires: /bin/sh',
      'AutoReqProv: no',
      ...(i > 1 ? [`Requires: ${rpmbuildName(i - 1)}`] : []),
      `%description -n ${n}`,
      `An rpmbuild-made package used to measure repodata generation.`,
      `Number ${i}, with ${filesOf(i)} files.`,
      '',
    );
  }
  lines.push('%install');
  for (let i = first; i <= last; i++) {
    const n = rpmbuildName(i);
    lines.push(`mkdir -p %{buildroot}/usr/bin %{buildroot}/usr/share/${n}`);
    lines.push(`printf '#!/bin/sh\\necho ${n}\\n' > %{buildroot}/usr/bin/${n} && chmod 755 %{buildroot}/usr/bin/${n}`);
    const rest = filesOf(i) - 1;
    if (rest > 0) lines.push(`for k in $(seq 1 ${rest}); do echo "${n} file $k" > %{buildroot}/usr/share/${n}/file-$k.txt; done`);
  }
  lines.push('');
  for (let i = first; i <= last; i++) {
    const n = rpmbuildName(i);
    lines.push(`%files -n ${n}`, `/usr/bin/${n}`);
    if (filesOf(i) > 1) lines.push(`/usr/share/${n}`);
    lines.push('');
  }
  lines.push('%changelog');
  for (let k = 0; k < 8; k++) {
    const day = String(20 - k).padStart(2, '0');
    lines.push(`* Mon Nov ${day} 2023 Dev ${k} <dev${k}@example.com> - 1.${8 - k}`, `- change number ${8 - k}`, '');
  }
  return lines.join('\n');
}

function rpmbuild(specText: string, outDir: string): Promise<void> {
  const top = mkdtempSync(join(tmpdir(), 'bench-rpmbuild-'));
  for (const d of ['SPECS', 'SOURCES', 'BUILD', 'RPMS', 'SRPMS', 'tmp']) mkdirSync(join(top, d));
  const file = join(top, 'SPECS', 'bench.spec');
  writeFileSync(file, specText);
  const args = ['-bb', '--nodeps', '--define', `_topdir ${top}`, '--define', `_tmppath ${join(top, 'tmp')}`, file];
  return new Promise<void>((resolve, reject) => {
    const child = spawn('rpmbuild', args, { env: { ...process.env, HOME: top, LC_ALL: 'C.UTF-8' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('exit', (code) => {
      try {
        if (code !== 0) throw new Error(`rpmbuild failed (${code}): ${err}`);
        const rpms = join(top, 'RPMS', 'noarch');
        for (const f of readdirSync(rpms)) renameSync(join(rpms, f), join(outDir, f));
        resolve();
      } catch (e) {
        reject(e as Error);
      } finally {
        rmSync(top, { recursive: true, force: true });
      }
    });
  });
}

/** Builds packages 1..n into dir/Packages/ with rpmbuild, two builds at a time. */
export async function rpmbuildRepo(dir: string, n: number): Promise<void> {
  const out = join(dir, 'Packages');
  mkdirSync(out, { recursive: true });
  const ranges: [number, number][] = [];
  for (let first = 1; first <= n; first += PER_SPEC) ranges.push([first, Math.min(n, first + PER_SPEC - 1)]);
  const next = async (): Promise<void> => {
    for (let r = ranges.shift(); r; r = ranges.shift()) await rpmbuild(spec(r[0], r[1]), out);
  };
  await Promise.all([next(), next()]);
}
