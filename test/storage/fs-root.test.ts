// The data root check at the start of `berth serve` (storage/fs-root.ts), on real modes: a missing
// root is created 0700; a loose one (what older versions made: 0755 directories, 0644 files) is
// tightened with everything below it, and old-style temp files go; a private root is left alone.
import { chmod, mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsRootError, secureFsRoot } from '../../src/storage/fs-root.js';

let parent = '';
beforeEach(async () => {
  parent = await mkdtemp(path.join(tmpdir(), 'berth-fs-root-'));
});
afterEach(() => rm(parent, { recursive: true, force: true }));

const mode = async (p: string): Promise<string> => ((await stat(p)).mode & 0o777).toString(8);

async function modes(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const rel of (await readdir(root, { recursive: true })).map(String).sort()) out[rel] = await mode(path.join(root, rel));
  return out;
}

/** A store as an older Berth left it: everything world-readable, a crash's temp file beside a blob. */
async function oldStyleRoot(root: string): Promise<void> {
  await mkdir(path.join(root, 't', 'acme', 'r', 'main'), { recursive: true, mode: 0o755 });
  await writeFile(path.join(root, 'operator.json@blob'), 'x', { mode: 0o644 });
  await writeFile(path.join(root, 't', 'acme', 'r', 'main', 'metadata-key.asc@blob'), 'k', { mode: 0o644 });
  await writeFile(path.join(root, 't', 'acme', 'r', 'main', '.tmp-3f2a'), 'partial', { mode: 0o644 });
  for (const d of ['', 't', 't/acme', 't/acme/r', 't/acme/r/main']) await chmod(path.join(root, d), 0o755);
}

describe('secureFsRoot', () => {
  it('creates a missing root 0700', async () => {
    const root = path.join(parent, 'a', 'data');
    expect(await secureFsRoot(root)).toMatchObject({ created: true, loosened: null });
    expect(await mode(root)).toBe('700');
  });

  it('tightens a loose root and everything below it, removes old temp files, and reports it', async () => {
    const root = path.join(parent, 'data');
    await oldStyleRoot(root);
    const r = await secureFsRoot(root);
    expect(r).toMatchObject({ created: false, loosened: '0755', tightened: 6, removedTemps: 1 });
    expect(await mode(root)).toBe('700');
    expect(await modes(root)).toEqual({
      'operator.json@blob': '600',
      t: '700',
      't/acme': '700',
      't/acme/r': '700',
      't/acme/r/main': '700',
      't/acme/r/main/metadata-key.asc@blob': '600',
    });
    // run again: nothing left to do
    expect(await secureFsRoot(root)).toMatchObject({ loosened: null, tightened: 0, removedTemps: 0 });
  });

  it('leaves a private root alone (nothing below is reachable through it) and never follows symlinks out', async () => {
    const root = path.join(parent, 'data');
    const outside = path.join(parent, 'outside.txt');
    await writeFile(outside, 'not ours', { mode: 0o644 });
    await mkdir(root, { mode: 0o700 });
    await chmod(root, 0o700);
    await writeFile(path.join(root, 'f@blob'), 'x', { mode: 0o640 });
    expect(await secureFsRoot(root)).toMatchObject({ loosened: null, tightened: 0 });
    expect(await mode(path.join(root, 'f@blob'))).toBe('640');
    await symlink(outside, path.join(root, 'link'));
    await chmod(root, 0o750);
    expect(await secureFsRoot(root)).toMatchObject({ loosened: '0750', tightened: 1 });
    expect(await mode(outside)).toBe('644');
  });

  it('refuses a root that is not a directory', async () => {
    const file = path.join(parent, 'file');
    await writeFile(file, 'x');
    await expect(secureFsRoot(file)).rejects.toBeInstanceOf(FsRootError);
  });
});
