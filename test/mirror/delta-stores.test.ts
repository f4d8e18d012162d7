// The mirror's range path on the stores a server runs on: the fs store and Azure Blob (Azurite).
// Old members are read from the store by range and the assembled file is streamed into a staging
// put, so each backend's ranged reads and streamed writes are exercised; what is stored must be
// upstream's files byte for byte.
import { mkdtempSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlobStore } from '../../src/storage/blob-store.js';
import { createAzureBlobStore } from '../../src/storage/azure-store.js';
import { createFsBlobStore } from '../../src/storage/fs-store.js';
import { announceSkip } from '../helpers/tools.js';
import { azuriteUnavailableReason, startAzurite, type Azurite } from '../helpers/azurite.js';
import { startSynthBerth, type SynthBerth } from '../sync/synth-server.js';
import { berthMirror, storedMetadata } from './berth-upstream.js';

const work = mkdtempSync(join(tmpdir(), 'berth-mirror-delta-stores-'));
const noAzurite = azuriteUnavailableReason();
announceSkip('mirror ranges on Azure Blob (Azurite)', noAzurite);

describe('a complete mirror of a Berth upstream by ranges, on each store', () => {
  let up: SynthBerth;
  let azurite: Azurite | null = null;
  let next = 201;
  beforeAll(async () => {
    up = await startSynthBerth(200, { divisor: 8, rpms: true });
  }, 120_000);
  afterAll(async () => {
    await up?.stop();
    await azurite?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  const rangesOn = async (store: BlobStore): Promise<void> => {
    const m = await berthMirror(['edge'], store);
    try {
      await m.add('edge', up.url);
      const first = await m.run('edge');
      expect(first.ok, JSON.stringify(first.error)).toBe(true);
      await up.publish(next, next + 1);
      next++;
      const s = await m.run('edge');
      expect(s, JSON.stringify(s.error)).toMatchObject({ ok: true, outcome: 'updated', ranges: { files: 3, fallbacks: 0 } });
      for (const [name, bytes] of await storedMetadata(m.w, 'edge')) {
        if (name === 'repomd.xml') continue;
        const theirs = Buffer.from(await (await fetch(`${up.url}/repodata/${name}`)).arrayBuffer());
        expect(bytes.equals(theirs), name).toBe(true);
      }
    } finally {
      await m.stop();
    }
  };

  it('fs store', async () => {
    await rangesOn(createFsBlobStore(join(work, 'fs')));
  }, 180_000);

  it.skipIf(noAzurite !== null)('Azure Blob (Azurite)', async () => {
    azurite = await startAzurite();
    if (!azurite) throw new Error('azurite did not start');
    await rangesOn(createAzureBlobStore({ connectionString: azurite.connectionString, container: `mirror-delta-${randomUUID().slice(0, 8)}` }));
  }, 300_000);
});
