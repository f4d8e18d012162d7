import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsBlobStore, createFsBlobStore } from '../../src/storage/fs-store.js';
import { KeyLocks } from '../../src/storage/key-locks.js';
import { increment } from './blob-store.concurrency.js';
import { describeBlobStore } from './blob-store.suite.js';
import { bytes, text } from './stream-probe.js';

/** Every path under root (files and directories): after cleanup there must be none. */
async function residue(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true }).catch(() => [] as string[]);
  return entries.map(String).sort();
}

describeBlobStore('fs', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'berth-fs-store-'));
  return {
    store: new FsBlobStore(root),
    leftovers: () => residue(root),
    close: () => rm(root, { recursive: true, force: true }),
  };
});

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
});
