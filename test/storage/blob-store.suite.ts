/**
 * One conformance suite for every BlobStore driver (distribution's storage/driver/testsuites):
 * `describeBlobStore(name, makeStore)` from test/storage/<driver>.test.ts. Each test removes what it
 * wrote; afterEach fails the test that left anything behind (keys, or backend residue such as fs
 * temp files) and then cleans up, so one failure does not cascade.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BlobStore } from '../../src/storage/blob-store.js';
import { listAll } from '../../src/storage/blob-store.js';
import { checkedStore } from '../../src/storage/checked-store.js';
import { isStorageError } from '../../src/storage/errors.js';
import { MemoryProbe, bytes, drain, generatedBody, text } from './stream-probe.js';
import { describeConcurrency } from './blob-store.concurrency.js';
import { describeListing } from './blob-store.listing.js';
import { describeBasics } from './blob-store.basics.js';
import { describeSweep } from './blob-store.sweep.js';

export interface StoreUnderTest {
  /** The raw driver; the suite wraps it in checkedStore as production does. */
  store: BlobStore;
  /** Backend residue invisible to list() (temp files, empty dirs); must be empty between tests. */
  leftovers?: () => Promise<string[]>;
  /** Leaves what an interrupted write leaves (drivers with `sweepTemporary`), last written at `at`. */
  residue?: (at: Date) => Promise<void>;
  close?: () => Promise<void>;
}

export interface SuiteOptions {
  /** The memory store necessarily holds bodies in memory: skip the no-buffering assertion. */
  buffersBodies?: boolean;
  /**
   * The driver has `sweepTemporary` and its test supplies `residue` and `leftovers`: the sweep
   * conformance runs (and fails if any is missing). Drivers without it do not get those tests.
   */
  sweeps?: boolean;
}

export type StoreRef = { readonly store: BlobStore };

export function describeBlobStore(name: string, make: () => Promise<StoreUnderTest>, options: SuiteOptions = {}): void {
  describe(`BlobStore conformance: ${name}`, () => {
    let sut: StoreUnderTest;
    const ref = {
      get store(): BlobStore {
        return checkedStore(sut.store);
      },
    };

    beforeAll(async () => {
      sut = await make();
    });
    afterEach(async () => {
      const keys: string[] = [];
      for await (const item of listAll(ref.store, '')) keys.push(item.key);
      for (const key of keys) await ref.store.delete(key);
      const residue = (await sut.leftovers?.()) ?? [];
      expect({ keys, residue }, 'test left blobs or residue behind').toEqual({ keys: [], residue: [] });
    });
    afterAll(async () => {
      if (!sut) return;
      expect((await ref.store.list('')).items).toEqual([]);
      await sut.close?.();
    });

    describeBasics(ref);
    describeListing(ref);
    describeConcurrency(ref);
    if (options.sweeps === true) describeSweep(ref, () => sut);

    describe('streaming', () => {
      const SIZE = 20 * 1024 * 1024;
      // Bound on live ArrayBuffer growth: a store holding the body would pass 19 MiB by the end.
      const BOUND = 14 * 1024 * 1024;

      it('puts and gets a 20 MiB generated stream without buffering it', async () => {
        const store = ref.store;
        const putProbe = new MemoryProbe();
        const gen = generatedBody(SIZE, putProbe);
        await store.put('stream/big', gen.stream, { contentType: 'application/x-rpm' });
        expect(gen.emitted()).toBe(SIZE);
        if (!options.buffersBodies) expect(putProbe.peakGrowth).toBeLessThan(BOUND);

        const head = await store.head('stream/big');
        expect(head?.size).toBe(SIZE);

        const obj = await store.get('stream/big');
        expect(obj?.size).toBe(SIZE);
        const getProbe = new MemoryProbe();
        const got = await drain(obj!.body, getProbe);
        expect(got).toEqual({ size: SIZE, sha256: gen.digest() });
        if (!options.buffersBodies) expect(getProbe.peakGrowth).toBeLessThan(BOUND);

        const tail = await store.get('stream/big', { range: { offset: SIZE - 1000 } });
        expect((await drain(tail!.body)).size).toBe(1000);
        expect(await store.delete('stream/big')).toBe(true);
      });

      it('a failing body stream rejects with its own error and writes nothing', async () => {
        const store = ref.store;
        await store.put('stream/keep', bytes('old'));
        let sent = 0;
        const failing = new ReadableStream<Uint8Array>({
          pull(c) {
            if (sent++ < 3) c.enqueue(new Uint8Array(64 * 1024).fill(7));
            else c.error(new Error('digest mismatch (test)'));
          },
        });
        await expect(store.put('stream/keep', failing)).rejects.toThrow('digest mismatch (test)');
        expect(await text((await store.get('stream/keep'))!.body)).toBe('old');
        const failing2 = new ReadableStream<Uint8Array>({ pull: (c) => c.error(new Error('boom (test)')) });
        await expect(store.put('stream/new', failing2, { ifNoneMatch: '*' })).rejects.toThrow('boom (test)');
        expect(await store.head('stream/new')).toBeNull();
        await store.delete('stream/keep');
      });

      it('a reader may cancel a body half-way', async () => {
        const store = ref.store;
        await store.put('stream/cancel', new Uint8Array(1024 * 1024).fill(1));
        const obj = await store.get('stream/cancel');
        const reader = obj!.body.getReader();
        const first = await reader.read();
        expect(first.done).toBe(false);
        await reader.cancel();
        expect(await store.delete('stream/cancel')).toBe(true);
      });
    });

    it('errors are recognisable across realms by code', async () => {
      const err = await ref.store.put('x', bytes('1'), { ifMatch: '"nope"' }).catch((e: unknown) => e);
      expect(isStorageError(err, 'precondition_failed')).toBe(true);
      expect(isStorageError({ ...(err as object), isBerthError: true, code: 'precondition_failed' })).toBe(true);
    });
  });
}
