import { randomUUID } from 'node:crypto';
import { BlobServiceClient } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { AzureBlobStore, createAzureBlobStore } from '../../src/storage/azure-store.js';
import { azuriteUnavailableReason, startAzurite, type Azurite } from '../helpers/azurite.js';
import { describeBlobStore } from './blob-store.suite.js';
import { bytes, text } from './stream-probe.js';

const unavailable = azuriteUnavailableReason();
if (unavailable) console.warn(`skipping Azure blob store tests: ${unavailable}`);

let azurite: Azurite | null = null;
let users = 0;
/** One in-process Azurite shared by the specifics below, stopped when the last user releases it. */
async function acquire(): Promise<Azurite> {
  users++;
  azurite ??= await startAzurite();
  if (!azurite) throw new Error('azurite did not start');
  return azurite;
}
async function release(): Promise<void> {
  if (--users === 0 && azurite) {
    await azurite.stop();
    azurite = null;
  }
}

describe.skipIf(unavailable !== null)('azure (Azurite)', () => {
  // Out of process: the suite asserts this process does not buffer a 20 MiB body, and an in-process
  // emulator would hold that body in this very heap.
  describeBlobStore('azure', async () => {
    const az = await startAzurite({ mode: 'process' });
    if (!az) throw new Error('azurite did not start');
    const container = `conf-${randomUUID().slice(0, 8)}`;
    return {
      store: new AzureBlobStore({ connectionString: az.connectionString, container }),
      close: async () => {
        await BlobServiceClient.fromConnectionString(az.connectionString).getContainerClient(container).deleteIfExists();
        await az.stop();
      },
    };
  });

  describe('azure store specifics', () => {
    it('reads from a container that does not exist yet as empty, and creates it on first write', async () => {
      const az = await acquire();
      const container = `lazy-${randomUUID().slice(0, 8)}`;
      const containerClient = BlobServiceClient.fromConnectionString(az.connectionString).getContainerClient(container);
      try {
        const s = createAzureBlobStore({ connectionString: az.connectionString, container });
        expect(await s.get('k')).toBeNull();
        expect(await s.head('k')).toBeNull();
        expect(await s.list('')).toEqual({ items: [] });
        expect(await containerClient.exists()).toBe(false);
        await s.put('k', bytes('v'));
        expect(await containerClient.exists()).toBe(true);
        expect(await text((await s.get('k'))!.body)).toBe('v');
      } finally {
        await containerClient.deleteIfExists();
        await release();
      }
    });

    it('with createContainer: false, writes to a missing container fail as storage_failure', async () => {
      const az = await acquire();
      try {
        const s = createAzureBlobStore({ connectionString: az.connectionString, container: `none-${randomUUID().slice(0, 8)}`, createContainer: false });
        await expect(s.put('k', bytes('v'))).rejects.toMatchObject({ code: 'storage_failure' });
      } finally {
        await release();
      }
    });
  });
});
