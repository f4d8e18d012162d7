// The bundled `berth createrepo` (bin/build-cli.js → dist/cli/): bin/berth.js runs it only while
// every source it was built from is unchanged, and it writes the same repodata as the sources
// do, in-process and with a reader thread (whose entry must be found next to the bundle's chunks).
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { synthPackage } from '../../bench/lib/synth-repo.js';
import { freshBundle, MANIFEST } from '../../bin/cli-bundle.js';
import { run } from '../helpers/run.js';
import { announceSkip, repoRoot } from '../helpers/tools.js';

const work = mkdtempSync(join(tmpdir(), 'berth-bundle-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('freshBundle', () => {
  /** A checkout with two sources and a bundle whose manifest records them as they are now. */
  function checkout(name: string): { root: string; bundle: string; entry: string } {
    const root = join(work, name);
    const bundle = join(root, 'dist', 'cli');
    mkdirSync(join(root, 'src', 'cli'), { recursive: true });
    mkdirSync(bundle, { recursive: true });
    writeFileSync(join(root, 'src', 'cli', 'main.ts'), 'export {};\n');
    writeFileSync(join(root, 'src', 'cli', 'other.ts'), 'export const x = 1;\n');
    utimesSync(join(root, 'src', 'cli', 'other.ts'), 1_700_000_000, 1_700_000_000);
    writeFileSync(join(bundle, 'createrepo.js'), '');
    const inputs: Record<string, [number, number]> = {};
    for (const f of ['src/cli/main.ts', 'src/cli/other.ts']) {
      const s = statSync(join(root, f));
      inputs[f] = [s.mtimeMs, s.size];
    }
    writeFileSync(join(bundle, MANIFEST), JSON.stringify({ inputs }));
    return { root, bundle, entry: join(bundle, 'createrepo.js') };
  }

  it('is the entry while every input has its recorded mtime and size', () => {
    const { root, entry } = checkout('fresh');
    expect(freshBundle(root)).toBe(entry);
  });

  it('is null once an input is touched, rewritten at the same size, or deleted', () => {
    const touched = checkout('touched');
    utimesSync(join(touched.root, 'src', 'cli', 'other.ts'), 1_700_000_001, 1_700_000_001);
    expect(freshBundle(touched.root)).toBeNull();

    const resized = checkout('resized');
    const other = join(resized.root, 'src', 'cli', 'other.ts');
    writeFileSync(other, 'export const x = 12;\n');
    utimesSync(other, 1_700_000_000, 1_700_000_000);
    expect(freshBundle(resized.root)).toBeNull();

    const deleted = checkout('deleted');
    rmSync(join(deleted.root, 'src', 'cli', 'other.ts'));
    expect(freshBundle(deleted.root)).toBeNull();
  });

  it('is null without a manifest or an entry, and with an unreadable manifest', () => {
    const noManifest = checkout('no-manifest');
    rmSync(join(noManifest.bundle, MANIFEST));
    expect(freshBundle(noManifest.root)).toBeNull();
    const noEntry = checkout('no-entry');
    rmSync(noEntry.entry);
    expect(freshBundle(noEntry.root)).toBeNull();
    const garbled = checkout('garbled');
    writeFileSync(join(garbled.bundle, MANIFEST), '{"inputs": ');
    expect(freshBundle(garbled.root)).toBeNull();
  });

  it('is the entry in an install that ships no sources', () => {
    const { root, entry } = checkout('no-sources');
    rmSync(join(root, 'src'), { recursive: true });
    expect(freshBundle(root)).toBe(entry);
  });
});

let esbuildReason: string | null = null;
try {
  await import('esbuild');
} catch {
  esbuildReason = 'esbuild not installed (no dev dependencies)';
}
announceSkip('the bundled CLI', esbuildReason);

describe.skipIf(esbuildReason !== null)('the bundled CLI', () => {
  const root = repoRoot();
  // a copy of the launcher beside a bundle built from this checkout's sources (linked, unchanged)
  const checkoutCopy = join(work, 'checkout');
  const bundle = join(checkoutCopy, 'dist', 'cli');
  const repo = join(work, 'repo');

  async function build(): Promise<void> {
    mkdirSync(join(checkoutCopy, 'bin'), { recursive: true });
    for (const f of ['berth.js', 'cli-bundle.js', 'build-cli.js']) cpSync(join(root, 'bin', f), join(checkoutCopy, 'bin', f), { preserveTimestamps: true });
    for (const f of ['src', 'node_modules', 'tsconfig.json']) symlinkSync(join(root, f), join(checkoutCopy, f));
    const r = await run(process.execPath, [join(checkoutCopy, 'bin', 'build-cli.js')], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    mkdirSync(repo, { recursive: true });
    for (let i = 1; i <= 80; i++) {
      const p = synthPackage(i);
      const path = join(repo, `${p.name}.x86_64.rpm`);
      writeFileSync(path, p.bytes);
      utimesSync(path, 1_700_000_000 + i, 1_700_000_000 + i);
    }
  }

  function repodata(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const f of readdirSync(join(repo, 'repodata')).sort()) out[f] = readFileSync(join(repo, 'repodata', f)).toString('base64');
    return out;
  }

  it('is fresh when built, and records the sources of the createrepo path', async () => {
    await build();
    expect(freshBundle(checkoutCopy)).toBe(join(bundle, 'createrepo.js'));
    const { inputs } = JSON.parse(readFileSync(join(bundle, MANIFEST), 'utf8')) as { inputs: Record<string, unknown> };
    for (const f of ['src/cli/createrepo-main.ts', 'src/cli/dispatch.ts', 'src/cli/commands/createrepo.ts', 'src/cli/createrepo/worker.ts', 'src/core/rpm/index.ts', 'tsconfig.json', 'bin/build-cli.js']) {
      expect(Object.keys(inputs)).toContain(f);
    }
    // one module per entry (each further file is one more module to resolve and link at every
    // start), npm packages bundled and checked for freshness like the sources
    expect(readdirSync(bundle).filter((f) => f.endsWith('.js')).sort()).toEqual(['createrepo.js', 'io-thread.js', 'worker.js']);
    expect(Object.keys(inputs)).toContain('node_modules/saxes/saxes.js');
    // the I/O thread's module holds its own code and the ring's constants, none of the parsing code
    const ioThread = readFileSync(join(bundle, 'io-thread.js'), 'utf8');
    expect([...ioThread.matchAll(/from "([^"]+)"/g)].map((m) => m[1]!).filter((i) => !i.startsWith('node:'))).toEqual([]);
    expect(ioThread).not.toContain('readHeader');
    expect(ioThread.length).toBeLessThan(16 * 1024);
    // only what createrepo runs: not the other commands, not the server, not the HTTP client
    // (which loads node:http and node:https: ~9 MiB of RSS)
    expect(Object.keys(inputs).filter((f) => f.startsWith('src/http/') || f.startsWith('src/cli/commands/serve') || f === 'src/cli/api-client.ts')).toEqual([]);
  }, 120_000);

  it('writes the same repodata as the sources, in-process (with and without the I/O thread) and with a reader thread', async () => {
    const fromSources = await run(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli', 'main.ts'), 'createrepo', '--workers', '0', repo], { cwd: root });
    expect(fromSources.stdout).toContain('80 packages');
    const expected = repodata();
    // --workers 0, with --io-thread asked for (too few packages for it: read in-process), and a reader thread
    for (const workers of [['0'], ['0', '--io-thread'], ['1']]) {
      rmSync(join(repo, 'repodata'), { recursive: true });
      const r = await run(process.execPath, [join(bundle, 'createrepo.js'), 'createrepo', '--workers', ...workers, repo]);
      expect(r.stdout).toBe(fromSources.stdout);
      expect(repodata()).toEqual(expected);
    }
  }, 120_000);

  it('loads every built-in module it runs before it changes V8 settings', async () => {
    // Node compiles its built-ins from a code cache that V8 rejects once any V8 setting differs
    // from Node's defaults: a built-in first loaded after the createrepo settings is compiled from
    // source. A preloaded module wraps v8.setFlagsFromString and lists, at exit, the built-ins the
    // main thread loaded after its first call.
    const preload = join(work, 'flags-watch.mjs');
    const report = join(work, 'after-flags.json');
    writeFileSync(
      preload,
      `const v8 = process.getBuiltinModule('node:v8');
const set = v8.setFlagsFromString;
let mark = -1;
v8.setFlagsFromString = (flags) => { if (mark < 0) mark = process.moduleLoadList.length; set(flags); };
process.on('exit', () => process.getBuiltinModule('node:fs').writeFileSync(${JSON.stringify(report)}, JSON.stringify({ mark, after: process.moduleLoadList.slice(Math.max(0, mark)) })));
`,
    );
    const fresh = join(work, 'fresh-repo');
    cpSync(repo, fresh, { recursive: true });
    rmSync(join(fresh, 'repodata'), { recursive: true, force: true });
    // and --update over the metadata the first run wrote (it reads through the fs streams)
    for (const args of [['createrepo', '-q', '--workers', '0', fresh], ['createrepo', '-q', '--workers', '0', '--update', fresh], ['createrepo', '-q', join(work, 'empty-repo')]]) {
      mkdirSync(join(work, 'empty-repo'), { recursive: true });
      const r = await run(process.execPath, ['--import', pathToFileURL(preload).href, join(bundle, 'createrepo.js'), ...args]);
      expect(r.code, r.stderr).toBe(0);
      const { mark, after } = JSON.parse(readFileSync(report, 'utf8')) as { mark: number; after: string[] };
      expect(mark).toBeGreaterThan(0);
      expect(after.filter((m) => m.startsWith('NativeModule '))).toEqual([]);
    }
  }, 120_000);

  it('is what bin/berth.js runs for createrepo while fresh, and not once the sources changed', async () => {
    // mark the bundle (its outputs are not what freshness is about): the mark shows it ran
    const entry = join(bundle, 'createrepo.js');
    writeFileSync(entry, `process.stderr.write('from the bundle\\n');\n${readFileSync(entry, 'utf8')}`);
    const launcher = join(checkoutCopy, 'bin', 'berth.js');
    const fresh = await run(process.execPath, [launcher, 'createrepo', '-q', repo]);
    expect(fresh.stderr).toBe('from the bundle\n');
    const help = await run(process.execPath, [launcher, 'createrepo', '--help']);
    expect(help.stdout).toMatch(/^Usage: berth createrepo/);
    // the other commands run as before
    const version = await run(process.execPath, [launcher, '--version']);
    expect(version.stdout).toBe('berth 0.1.0\n');
    expect(version.stderr).toBe('');
    // a usage error: the same message and exit code as through main.ts
    const usage = await run(process.execPath, [launcher, 'createrepo', '--workers', 'x', repo], { allowFail: true });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toBe("from the bundle\nberth createrepo: --workers takes a non-negative integer, not 'x'\n");
    // the manifest now records another mtime for one source: as if that file had been edited
    const manifest = JSON.parse(readFileSync(join(bundle, MANIFEST), 'utf8')) as { inputs: Record<string, [number, number]> };
    manifest.inputs['src/cli/createrepo/describe.ts']![0] -= 1000;
    writeFileSync(join(bundle, MANIFEST), JSON.stringify(manifest));
    const stale = await run(process.execPath, [launcher, 'createrepo', '-q', repo]);
    expect(stale.code).toBe(0);
    expect(stale.stderr).toBe('');
  }, 120_000);
});
