import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsBlobStore, TEMP_DIR, createFsBlobStore } from '../../src/storage/fs-store.js';
import { KeyLocks } from '../../src/storage/key-locks.js';
import { increment } from './blob-store.concurrency.js';
import { describeBlobStore } from './blob-store.suite.js';
import { bytes, text } from './stream-probe.js';

/**
 * Every path under root (files and directories) but the root's own subdirectories, which stay
 * once made (the temp directory, `t/`, `uploads/`: the next write would only make them again),
 * when they are empty: after cleanup there must be none.
 */
async function residue(root: string): Promise<string[]> {
  const entries = (await readdir(root, { recursive: true }).catch(() => [] as string[])).map(String);
  const top = (e: string): boolean => !e.includes(path.sep) && !entries.some((o) => o.startsWith(e + path.sep));
  return entries.filter((e) => e !== TEMP_DIR && (!top(e) || !statSync(path.join(root, e)).isDirectory())).sort();
}

describeBlobStore('fs', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'berth-fs-store-'));
  return {
    store: new FsBlobStore(root),
    leftovers: () => residue(root),
    // what a write killed mid-way leaves: a partial temp file
    residue: async (at) => {
      const file = path.join(root, TEMP_DIR, randomUUID());
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, 'partial');
      await utimes(file, at, at);
    },
    close: () => rm(root, { recursive: true, force: true }),
  };
}, { sweeps: true });

describe('fs store specifics', () => {
  it('two instances on one root sharing a lock runner never lose an If-Match update (berth serve --workers)', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'berth-fs-store-'));
    try {
      const locks = new KeyLocks();
      const [a, b] = [createFsBlobStore(root, locks), createFsBlobStore(root, locks)];
      await a.put('n/counter', bytes('0'));
      await Promise.all(Array.from({ length: 40 }, (_, i) => increment(i % 2 === 0 ? a : b, 'n/counter')));
      expect(await text((await b.get('n/counter'))!.body)).toBe('40');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('survives a restart: a new instance on the same root sees blobs, ETags and metadata', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'berth-fs-store-'));
    try {
      const a = createFsBlobStore(root);
      const { etag } = await a.put('t/x/index.json', bytes('{}'), { contentType: 'application/json', metadata: { rev: '3' } });
      const b = createFsBlobStore(root);
      const obj = await b.get('t/x/index.json');
      expect(obj).toMatchObject({ etag, contentType: 'application/json', metadata: { rev: '3' }, size: 2 });
      expect(await text(obj!.body)).toBe('{}');
      await expect(b.put('t/x/index.json', bytes('[]'), { ifNoneMatch: '*' })).rejects.toMatchObject({ code: 'precondition_failed' });
      expect(await readdir(path.join(root, 't', 'x'))).toEqual(['index.json@blob']);
      await b.delete('t/x/index.json');
      expect(await residue(root)).toEqual([]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('prunes emptied directories but the root\'s own (the next write would make them again)', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'berth-fs-store-'));
    try {
      const s = createFsBlobStore(root);
      await s.put('uploads/one', bytes('x'));
      await s.put('t/acme/r/main/fragments/a.json', bytes('{}'));
      await s.delete('uploads/one');
      await s.delete('t/acme/r/main/fragments/a.json');
      expect((await readdir(root)).filter((e) => e !== TEMP_DIR).sort()).toEqual(['t', 'uploads']);
      expect(await readdir(path.join(root, 'uploads'))).toEqual([]);
      expect(await readdir(path.join(root, 't'))).toEqual([]);
      await s.put('uploads/two', bytes('y'));
      expect(await text((await s.get('uploads/two'))!.body)).toBe('y');
      await s.delete('uploads/two');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('lists without opening what it lists (key and time from a stat; a file it could not read is still listed)', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'berth-fs-store-'));
    try {
      const s = createFsBlobStore(root);
      await s.put('d/a', bytes('v'));
      await s.put('d/b', bytes('w'));
      const { writeFile } = await import('node:fs/promises');
      // not a Berth blob file any more: opening it fails (get), listing it does not
      await writeFile(path.join(root, 'd', 'b@blob'), 'garbage');
      await expect(s.get('d/b')).rejects.toMatchObject({ code: 'storage_failure' });
      const items = (await s.list('d/')).items;
      expect(items.map((i) => i.key)).toEqual(['d/a', 'd/b']);
      for (const i of items) {
        expect(i.lastModified).toBeInstanceOf(Date);
        expect(i.etag).toBeUndefined();
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('ignores stray temp files left by a crash', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'berth-fs-store-'));
    try {
      const s = createFsBlobStore(root);
      await s.put('d/k', bytes('v'));
      const { writeFile } = await import('node:fs/promises');
      await writeFile(path.join(root, 'd', '.tmp-crashed'), 'partial');
      expect((await s.list('')).items.map((i) => i.key)).toEqual(['d/k']);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('creates the root and every directory 0700, every file 0600, whatever the umask', async () => {
    const parent = await mkdtemp(path.join(tmpdir(), 'berth-fs-modes-'));
    const root = path.join(parent, 'data', 'nested');
    const umask = process.umask(0); // the loosest umask: the modes must come from the store itself
    try {
      const s = createFsBlobStore(root);
      await s.put('t/acme/r/main/metadata-key.asc', bytes('-----BEGIN PGP PRIVATE KEY BLOCK-----'));
      await s.put('operator.json', bytes('{"hash":"x"}'), { ifNoneMatch: '*' });
      await s.put('operator.json', bytes('{"hash":"y"}'));
      await s.copy!('operator.json', 't/acme/blobs/sha256/ab/abcd');
      const modes: string[] = [];
      const walk = async (dir: string): Promise<void> => {
        for (const e of await readdir(dir, { withFileTypes: true })) {
          const p = path.join(dir, e.name);
          modes.push(`${path.relative(root, p)} ${((await stat(p)).mode & 0o777).toString(8)}`);
          if (e.isDirectory()) await walk(p);
        }
      };
      await walk(root);
      expect(((await stat(root)).mode & 0o777).toString(8)).toBe('700');
      expect(((await stat(path.join(parent, 'data'))).mode & 0o777).toString(8)).toBe('700');
      expect(modes.filter((m) => !/ (700|600)$/.test(m))).toEqual([]);
      expect(modes).toContain('t/acme/r/main/metadata-key.asc@blob 600');
      expect(modes).toContain('operator.json@blob 600');
      expect(modes).toContain('t 700');
    } finally {
      process.umask(umask);
      await rm(parent, { recursive: true, force: true });
    }
  });

  it('a write killed mid-body leaves a temp file that only sweepTemporary sees, and sweeps once old enough', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'berth-fs-crash-'));
    try {
      // another process streams a large upload, then dies with SIGKILL half-way
      const script = `
        import { createFsBlobStore } from ${JSON.stringify(path.resolve('src/storage/fs-store.ts'))};
        const s = createFsBlobStore(${JSON.stringify(root)});
        let n = 0;
        const body = new ReadableStream({ async pull(c) {
          if (n++ === 8) { process.stdout.write('half\\n'); await new Promise(() => {}); }
          c.enqueue(new Uint8Array(64 * 1024).fill(1));
        } });
        await s.put('uploads/0f0e', body);`;
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (b: Buffer) => { if (b.toString().includes('half')) resolve(); });
        child.once('exit', (code) => reject(new Error(`writer exited early (${code})`)));
      });
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));

      const store = createFsBlobStore(root);
      expect((await store.list('')).items).toEqual([]);
      const temps = await readdir(path.join(root, TEMP_DIR));
      expect(temps).toHaveLength(1);
      expect((await stat(path.join(root, TEMP_DIR, temps[0]!))).size).toBeGreaterThan(0);
      // the GC grace: a temp written moments ago may belong to a live write
      expect(await store.sweepTemporary!(new Date(Date.now() - 24 * 3600_000))).toBe(0);
      expect(await store.sweepTemporary!(new Date(Date.now() + 1000))).toBe(1);
      expect(await residue(root)).toEqual([]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
