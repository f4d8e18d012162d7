// `berth createrepo` with its I/O thread (--io-thread: used without reader threads, on 2 CPUs or
// more) and without it (the default): the same repodata and the same reasons for the packages left
// out, for files larger than what the thread delivers, files that cannot be read, an abandoned
// first pass and --update. Which files the thread reads here depends on how fast it starts (the
// main thread reads those it has not reached); io-feed.test.ts holds the thread to every file
// and counts the ring's bound.
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthPackage } from '../../bench/lib/synth-repo.js';
import { PREFIX_BYTES } from '../../src/cli/createrepo/io-ring.js';
import { IO_THREAD_FROM_PACKAGES } from '../../src/cli/createrepo/threads.js';
import { berth } from '../helpers/berth.js';

let dir: string;
// enough packages for the I/O thread (fewer are read on the main thread alone)
const N = IO_THREAD_FROM_PACKAGES + 20;

async function snapshot(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of await readdir(join(dir, 'repodata'))) out[f] = (await readFile(join(dir, 'repodata', f))).toString('base64');
  return out;
}

async function createrepo(...args: string[]): Promise<{ summary: string; files: Record<string, string> }> {
  const r = await berth(['createrepo', '--json', ...args, dir]);
  expect(r.code, r.stderr).toBe(0);
  return { summary: r.stdout, files: await snapshot() };
}

// the default (no I/O thread), then the thread asked for, with the default workers and with none
const MODES = [[], ['--io-thread'], ['--workers', '0', '--io-thread']];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-io-thread-'));
  await mkdir(join(dir, 'a'));
  for (let i = 1; i <= N; i++) {
    // two packages larger than what the thread delivers of a file (their headers fit in it)
    const p = synthPackage(i, i === 7 || i === 64 ? { padBytes: PREFIX_BYTES + 50_000 } : {});
    const path = join(dir, i % 3 ? 'a' : '', `${p.name}.x86_64.rpm`);
    await writeFile(path, p.bytes);
    await utimes(path, 1_700_000_000 + i, 1_700_000_000 + i);
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('createrepo with and without the I/O thread', () => {
  it('writes the same repodata, large packages included', async () => {
    expect((await readFile(join(dir, 'a', 'bench-pkg-000007.x86_64.rpm'))).length).toBeGreaterThan(PREFIX_BYTES);
    const runs = [];
    for (const mode of MODES) runs.push(await createrepo(...mode));
    expect(runs[0]!.summary).toContain(`"packages": ${N}`);
    for (const r of runs.slice(1)) expect(r).toEqual(runs[0]);
  }, 240_000);

  it('leaves out the same files for the same reasons (missing, a directory, truncated: a second pass)', async () => {
    await symlink(join(dir, 'gone.rpm'), join(dir, 'dangling-1.0-1.x86_64.rpm'));
    // a link to a directory (a directory itself would be walked into)
    await symlink(join(dir, 'a'), join(dir, 'a', 'dir-1.0-1.x86_64.rpm'));
    await writeFile(join(dir, 'zz-broken-1.0-1.x86_64.rpm'), synthPackage(999).bytes.subarray(0, 600));
    try {
      const runs = [];
      for (const mode of MODES) runs.push(await createrepo(...mode));
      const summary = JSON.parse(runs[0]!.summary) as { packages: number; failed: { href: string; reason: string }[] };
      expect(summary.packages).toBe(N);
      expect(summary.failed.map((f) => f.href).sort()).toEqual(['a/dir-1.0-1.x86_64.rpm', 'dangling-1.0-1.x86_64.rpm', 'zz-broken-1.0-1.x86_64.rpm']);
      expect(summary.failed.find((f) => f.href.startsWith('dangling'))!.reason).toMatch(/ENOENT/);
      expect(summary.failed.find((f) => f.href.startsWith('a/dir'))!.reason).toMatch(/EISDIR/);
      for (const r of runs.slice(1)) expect(r).toEqual(runs[0]);
    } finally {
      await rm(join(dir, 'dangling-1.0-1.x86_64.rpm'));
      await rm(join(dir, 'a', 'dir-1.0-1.x86_64.rpm'));
      await rm(join(dir, 'zz-broken-1.0-1.x86_64.rpm'));
    }
  }, 240_000);

  it('with --update, reads the changed packages as a fresh run does', async () => {
    await createrepo('--workers', '0');
    // enough changed packages for the I/O thread (an older mtime: the revision stays the same)
    for (let i = 1; i <= IO_THREAD_FROM_PACKAGES; i++) {
      const p = synthPackage(i);
      await utimes(join(dir, i % 3 ? 'a' : '', `${p.name}.x86_64.rpm`), 1_600_000_000 + i, 1_600_000_000 + i);
    }
    const updated = await createrepo('--update', '--io-thread');
    expect(updated.summary).toContain('"reused": 20');
    await rm(join(dir, 'repodata'), { recursive: true });
    expect((await createrepo()).files).toEqual(updated.files);
  }, 240_000);

  it('lists --io-thread and --no-io-thread in the help', async () => {
    const r = await berth(['createrepo', '--help']);
    expect(r.stdout).toContain('--io-thread ');
    expect(r.stdout).toContain('--no-io-thread');
  });
});
