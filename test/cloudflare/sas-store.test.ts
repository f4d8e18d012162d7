// The read-only SAS store (plain fetch) against Azurite: from Node, and from inside workerd
// through the test Worker. Blobs are written with the Azure SDK driver; the SAS grants read +
// list on the container only.
import { randomUUID } from 'node:crypto';
import { BlobServiceClient, ContainerSASPermissions, generateBlobSASQueryParameters, StorageSharedKeyCredential } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlobStore } from '../../src/storage/blob-store.js';
import { listAll } from '../../src/storage/blob-store.js';
import { createAzureBlobStore } from '../../src/storage/azure-store.js';
import { createSasBlobStore } from '../../src/storage/sas-store.js';
import { AZURITE_ACCOUNT, AZURITE_KEY, azuriteUnavailableReason, startAzurite, type Azurite } from '../helpers/azurite.js';
import { bytes, text } from '../storage/stream-probe.js';
import { RemoteStore } from './remote-store.js';
import { startWorkerProcess, workerdUnavailableReason, type LocalWorker } from './workerd.js';

const reason = azuriteUnavailableReason();
if (reason) console.warn(`[skip] SAS store: ${reason}`);
const workerdReason = reason ?? workerdUnavailableReason();
if (workerdReason && !reason) console.warn(`[skip] SAS store in workerd: ${workerdReason}`);

const code = (p: Promise<unknown>): Promise<string> =>
  p.then(() => 'resolved', (e: unknown) => (e as { code?: string }).code ?? `uncoded: ${String(e)}`);

let azurite: Azurite;
const container = `sas-${randomUUID().slice(0, 8)}`;
let containerUrl = '';
let sas = '';
const KEYS = ['r/a', 'r/a-b', 'r/a/b', 'r/b', 's/x'];

function containerSas(permissions: string, name = container): string {
  return generateBlobSASQueryParameters({
    containerName: name,
    permissions: ContainerSASPermissions.parse(permissions),
    expiresOn: new Date(Date.now() + 3600_000),
  }, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY)).toString();
}

/** The checks both runtimes must pass. */
function readChecks(label: string, store: () => BlobStore, writes: () => BlobStore): void {
  describe(label, () => {
    it('gets whole blobs and ranges with the writer\'s ETag, type and metadata; missing is null', async () => {
      const s = store();
      const info = await writes().head('r/a');
      const obj = await s.get('r/a');
      expect(obj).toMatchObject({ key: 'r/a', size: 10, etag: info!.etag, contentType: 'text/plain', metadata: { rev: '3' } });
      expect(await text(obj!.body)).toBe('0123456789');
      const mid = await s.get('r/a', { range: { offset: 2, length: 4 } });
      expect(mid).toMatchObject({ size: 10, range: { offset: 2, length: 4 } });
      expect(await text(mid!.body)).toBe('2345');
      const tail = await s.get('r/a', { range: { offset: 8, length: 100 } });
      expect(tail!.range).toEqual({ offset: 8, length: 2 });
      expect(await text(tail!.body)).toBe('89');
      const err = await s.get('r/a', { range: { offset: 10 } }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'range_not_satisfiable', size: 10 });
      expect(await s.get('r/none')).toBeNull();
      expect(await s.get('r/none', { range: { offset: 1 } })).toBeNull();
      expect(await s.head('r/none')).toBeNull();
      expect(await s.head('r/a')).toMatchObject({ size: 10, etag: info!.etag, lastModified: info!.lastModified });
    });

    it('lists by prefix in key order across pages', async () => {
      const s = store();
      const all: string[] = [];
      for await (const item of listAll(s, '')) all.push(item.key);
      expect(all).toEqual(KEYS);
      const keys: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await s.list('r/', cursor === undefined ? { limit: 2 } : { limit: 2, cursor });
        keys.push(...page.items.map((i) => i.key));
        cursor = page.cursor;
        pages++;
      } while (cursor !== undefined);
      expect(keys).toEqual(['r/a', 'r/a-b', 'r/a/b', 'r/b']);
      expect(pages).toBeGreaterThan(1);
      expect((await s.list('r/a/')).items).toMatchObject([{ key: 'r/a/b', size: 1 }]);
      expect(await s.list('nothing/')).toEqual({ items: [] });
    });

    it('refuses every write with read_only_store and changes nothing', async () => {
      const s = store();
      expect(await code(s.put('r/a', bytes('x')))).toBe('read_only_store');
      const once = new ReadableStream<Uint8Array>({ start: (c) => { c.enqueue(bytes('x')); c.close(); } });
      expect(await code(s.put('r/new', once))).toBe('read_only_store');
      expect(await code(s.delete('r/a'))).toBe('read_only_store');
      expect(await code(s.copy!('r/a', 'r/c'))).toBe('read_only_store');
      expect(await text((await writes().get('r/a'))!.body)).toBe('0123456789');
      expect(await writes().head('r/new')).toBeNull();
    });
  });
}

describe.skipIf(reason !== null)('SAS store (Azurite)', () => {
  let writer: BlobStore;
  beforeAll(async () => {
    const az = await startAzurite({ mode: 'process' });
    if (!az) throw new Error('azurite did not start');
    azurite = az;
    containerUrl = `${az.blobEndpoint}/${container}`;
    sas = containerSas('rl');
    writer = createAzureBlobStore({ connectionString: az.connectionString, container });
    await writer.put('r/a', bytes('0123456789'), { contentType: 'text/plain', metadata: { rev: '3' } });
    for (const k of KEYS.slice(1)) await writer.put(k, bytes(k === 'r/a/b' ? 'b' : 'xy'));
  }, 60_000);
  afterAll(async () => {
    if (!azurite) return;
    await BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(container).deleteIfExists();
    await azurite.stop();
  });

  readChecks('from Node', () => createSasBlobStore({ containerUrl, sas }), () => writer);

  it('a SAS without list permission, or for another container, fails as storage_failure without leaking it', async () => {
    const readOnly = createSasBlobStore({ containerUrl, sas: containerSas('r') });
    const err = await readOnly.list('').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'storage_failure' });
    expect(String((err as Error).message)).not.toContain('sig=');
    const wrong = createSasBlobStore({ containerUrl, sas: containerSas('rl', 'other-container') });
    expect(await code(wrong.get('r/a'))).toBe('storage_failure');
  });

  describe.skipIf(workerdReason !== null)('inside workerd', () => {
    let worker: LocalWorker;
    beforeAll(async () => {
      worker = await startWorkerProcess({
        entrypoint: 'test/cloudflare/harness/store-worker.ts',
        compatibilityDate: '2026-11-01',
        compatibilityFlags: ['nodejs_compat'],
        bindings: {
          SAS_CONTAINER_URL: { type: 'plain_text', value: containerUrl },
          SAS_TOKEN: { type: 'secret_text', value: sas },
        },
        dev: { persist: false },
      });
    }, 120_000);
    afterAll(async () => {
      await worker?.dispose();
    });
    // The raw driver runs in the Worker; its typed errors come back by code.
    readChecks('through fetch in workerd', () => new RemoteStore(worker.url, 'sas'), () => writer);
  });
});
