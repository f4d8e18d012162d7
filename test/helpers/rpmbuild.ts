// Builds the fixture packages of test/fixtures/specs with the real rpmbuild, at test time,
// into throwaway topdirs. No network, noarch only. Results are cached per test process.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { run, ToolError } from './run.js';
import { findTool, repoRoot } from './tools.js';

export const SPEC_DIR = join(repoRoot(), 'test', 'fixtures', 'specs');

/** Every fixture spec (binary builds). `berth-ctl` may be refused by a future rpmbuild. */
export const FIXTURE_SPECS = [
  'berth-app', 'berth-c++', 'berth-changelog', 'berth-ctl', 'berth-deps', 'berth-empty',
  'berth-epoch', 'berth-escape', 'berth-files', 'berth-latin1', 'berth-lib',
] as const;
export type FixtureName = (typeof FIXTURE_SPECS)[number];

/** Specs also built as source packages. */
export const SOURCE_SPECS: readonly FixtureName[] = ['berth-deps', 'berth-files'];

/**
 * Spec text as bytes. `@XX@` (two hex digits) stands for the raw byte 0xXX, so a committed
 * spec can stay valid UTF-8 while the file handed to rpmbuild carries Latin-1 bytes.
 */
export function specBytes(name: string): Buffer {
  const text = readFileSync(join(SPEC_DIR, `${name}.spec`), 'utf8');
  const parts: Buffer[] = [];
  let last = 0;
  for (const m of text.matchAll(/@([0-9A-F]{2})@/g)) {
    parts.push(Buffer.from(text.slice(last, m.index), 'utf8'), Buffer.from([parseInt(m[1] ?? '0', 16)]));
    last = m.index + m[0].length;
  }
  parts.push(Buffer.from(text.slice(last), 'utf8'));
  return Buffer.concat(parts);
}

function listRpms(dir: string): string[] {
  const out: string[] = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true, recursive: true });
  } catch {
    return out;
  }
  for (const e of entries) if (e.isFile() && e.name.endsWith('.rpm')) out.push(join(e.parentPath, e.name));
  return out.sort();
}

export interface BuildOptions {
  mode?: 'bb' | 'bs';
  defines?: Record<string, string>;
}

/**
 * Runs rpmbuild on spec bytes in a fresh topdir, moves the packages it wrote into `outDir`
 * and returns their new paths (sorted). The topdir is removed.
 */
export async function rpmbuild(specName: string, bytes: Buffer, outDir: string, opts: BuildOptions = {}): Promise<string[]> {
  const bin = findTool('rpmbuild');
  if (bin === null) throw new Error('rpmbuild not installed');
  const top = mkdtempSync(join(tmpdir(), 'berth-rpmbuild-'));
  for (const d of ['SPECS', 'SOURCES', 'BUILD', 'RPMS', 'SRPMS']) mkdirSync(join(top, d));
  const specFile = join(top, 'SPECS', `${specName}.spec`);
  writeFileSync(specFile, bytes);
  const defines = { _topdir: top, _tmppath: join(top, 'tmp'), ...opts.defines };
  mkdirSync(join(top, 'tmp'));
  const args = [`-${opts.mode ?? 'bb'}`, '--nodeps'];
  for (const [k, v] of Object.entries(defines)) args.push('--define', `${k} ${v}`);
  args.push(specFile);
  // A fixed HOME keeps ~/.rpmmacros of whoever runs the tests out of the build.
  try {
    await run(bin, args, { env: { HOME: top, LC_ALL: 'C.UTF-8' } });
    mkdirSync(outDir, { recursive: true });
    return listRpms(opts.mode === 'bs' ? join(top, 'SRPMS') : join(top, 'RPMS')).map((f) => {
      const to = join(outDir, basename(f));
      copyFileSync(f, to);
      return to;
    });
  } finally {
    rmSync(top, { recursive: true, force: true });
  }
}

export interface Fixtures {
  /** Directory holding every built package (binary and source), unsigned. */
  dir: string;
  /** Basename of each built binary package, by spec name. */
  binary: Partial<Record<FixtureName, string>>;
  /** Basenames of the source packages. */
  source: string[];
  /** Specs rpmbuild refused, with its message (e.g. a control character it started rejecting). */
  refused: Partial<Record<FixtureName, string>>;
}

let fixtures: Promise<Fixtures> | null = null;

function pLimit(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: Array<() => void> = [];
  const next = (): void => {
    active--;
    queue.shift()?.();
  };
  return <T>(task: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolveTask, rejectTask) => {
      const start = (): void => {
        active++;
        task().then(resolveTask, rejectTask).finally(next);
      };
      if (active < n) start();
      else queue.push(start);
    });
}

async function buildAll(): Promise<Fixtures> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-fixtures-'));
  const result: Fixtures = { dir, binary: {}, source: [], refused: {} };
  // Two at a time: the machine has two cores and vitest runs other files beside this.
  const limit = pLimit(2);
  const builds = FIXTURE_SPECS.map((name) => limit(async () => {
    try {
      const files = await rpmbuild(name, specBytes(name), dir);
      const file = files[0];
      if (files.length !== 1 || file === undefined) throw new Error(`${name}: expected one package, got ${files.join(', ')}`);
      result.binary[name] = basename(file);
    } catch (e) {
      if (name === 'berth-ctl' && e instanceof ToolError) result.refused[name] = e.result.stderr.trim().split('\n').pop() ?? '';
      else throw e;
    }
  }));
  const sources = SOURCE_SPECS.map((name) => limit(async () => {
    for (const file of await rpmbuild(name, specBytes(name), dir, { mode: 'bs' })) result.source.push(basename(file));
  }));
  await Promise.all([...builds, ...sources]);
  result.source.sort();
  return result;
}

/** Builds every fixture once per test process. Copy from `dir` before modifying (e.g. signing). */
export function buildFixtures(): Promise<Fixtures> {
  fixtures ??= buildAll();
  return fixtures;
}

/** Deletes the built fixtures. Call from `afterAll` in files that build them. */
export async function disposeFixtures(): Promise<void> {
  if (fixtures === null) return;
  const pending = fixtures;
  fixtures = null;
  const fx = await pending.catch(() => null);
  if (fx !== null) rmSync(fx.dir, { recursive: true, force: true });
}

/** Copies fixture packages into `dest` and returns the new paths. */
export function copyFixtures(fx: Fixtures, names: readonly string[], dest: string): string[] {
  mkdirSync(dest, { recursive: true });
  return names.map((n) => {
    const to = join(dest, n);
    copyFileSync(join(fx.dir, n), to);
    return to;
  });
}

/**
 * N small distinct noarch packages (berth-bench-1 … berth-bench-N, one file each) written to `dir`.
 * One spec with N generated subpackages: rpmbuild pays its start-up once. Measured on 2 cores:
 * 100 packages 1.5 s, 1000 packages 15 s when idle (4.5 s / 37 s with other work running);
 * one rpmbuild per package costs ~0.1-0.3 s each.
 */
export async function buildMany(n: number, dir: string): Promise<string[]> {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`buildMany: n must be a positive integer, got ${n}`);
  const spec = `Name: berth-bench
Version: 1.0
Release: 1
Summary: Bench parent (not packaged: it has no %files)
License: MIT
BuildArch: noarch
AutoReqProv: no

%description
Parent of generated subpackages.

%{lua:
for i = 1, ${n} do
  print("%package -n berth-bench-" .. i .. "\\n")
  print("Summary: Bench package " .. i .. "\\n")
  print("Provides: berth-bench-cap-" .. i .. " = " .. i .. "\\n")
  print("%description -n berth-bench-" .. i .. "\\n")
  print("Bench package number " .. i .. ".\\n")
  print("%files -n berth-bench-" .. i .. "\\n")
  print("/usr/share/berth-bench/f" .. i .. "\\n")
end
}

%install
mkdir -p %{buildroot}/usr/share/berth-bench
for i in $(seq 1 ${n}); do echo "$i" > %{buildroot}/usr/share/berth-bench/f$i; done
`;
  return rpmbuild('berth-bench', Buffer.from(spec), dir);
}
