// The output of berth createrepo must not depend on how packages are scheduled: read in-process
// (--workers 0, no pipeline), on reader threads feeding the writer (the pipeline), or reused
// from old metadata with --update.
import { mkdtemp, readFile, readdir, rm, utimes, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthPackage } from '../../bench/lib/synth-repo.js';
import { berth } from '../helpers/berth.js';

let dir: string;

async function repodataSnapshot(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of await readdir(join(dir, 'repodata'))) out[f] = (await readFile(join(dir, 'repodata', f))).toString('base64');
  return out;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-workers-'));
  await mkdir(join(dir, 'a'));
  for (let i = 1; i <= 300; i++) {
    const p = synthPackage(i);
    const path = join(dir, i % 2 ? 'a' : '', `${p.name}.x86_64.rpm`);
    await writeFile(path, p.bytes);
    await utimes(path, 1700000000 + i, 1700000000 + i);
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('createrepo scheduling', () => {
  it('writes byte-identical repodata in-process, with 1, 2 and 3 reader threads and with --update', async () => {
    const snapshots = [];
    for (const workers of ['0', '1', '2', '3']) {
      const r = await berth(['createrepo', '--workers', workers, dir]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('300 packages');
      snapshots.push(await repodataSnapshot());
    }
    const r = await berth(['createrepo', '--update', dir]);
    expect(r.stdout).toContain('(300 reused)');
    snapshots.push(await repodataSnapshot());
    expect(Object.keys(snapshots[0]!)).toHaveLength(4);
    for (const s of snapshots.slice(1)) expect(s).toEqual(snapshots[0]);
  });

  it('with --update, reads the changed packages on reader threads among the reused ones, as a fresh run writes them', async () => {
    await berth(['createrepo', '--workers', '0', dir]);
    // three packages change (an older mtime: the newest, hence the revision, stays the same)
    for (const i of [3, 150, 298]) {
      const p = synthPackage(i);
      await utimes(join(dir, i % 2 ? 'a' : '', `${p.name}.x86_64.rpm`), 1600000000 + i, 1600000000 + i);
    }
    const r = await berth(['createrepo', '--update', '--workers', '2', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('300 packages (297 reused)');
    const updated = await repodataSnapshot();
    await rm(join(dir, 'repodata'), { recursive: true });
    await berth(['createrepo', '--workers', '0', dir]);
    expect(updated).toEqual(await repodataSnapshot());
  });

  it('leaves out an unreadable package and writes the same files as without it (second pass)', async () => {
    await berth(['createrepo', '--workers', '0', dir]);
    const clean = await repodataSnapshot();
    const broken = join(dir, 'zz-broken-1.0-1.x86_64.rpm');
    await writeFile(broken, synthPackage(999).bytes.subarray(0, 500));
    try {
      // in-process, and with reader threads (whose batches of the abandoned pass are dropped)
      for (const workers of ['0', '2']) {
        const r = await berth(['createrepo', '--json', '--workers', workers, dir]);
        expect(r.code, r.stderr).toBe(0);
        const summary = JSON.parse(r.stdout) as { packages: number; failed: { href: string }[] };
        expect(summary.packages).toBe(300);
        expect(summary.failed.map((f) => f.href)).toEqual(['zz-broken-1.0-1.x86_64.rpm']);
        expect(await repodataSnapshot()).toEqual(clean);
        expect((await readdir(join(dir, 'repodata'))).some((f) => f.endsWith('.tmp'))).toBe(false);
      }
    } finally {
      await rm(broken);
    }
  });

  it('defaults the revision to the newest package mtime, so reruns give the same repomd.xml', async () => {
    await berth(['createrepo', dir]);
    const repomd = await readFile(join(dir, 'repodata', 'repomd.xml'), 'utf8');
    expect(repomd).toContain('<revision>1700000300</revision>');
  });
});
