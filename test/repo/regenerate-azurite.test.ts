/**
 * The two-consumers race of regenerate.test.ts on real storage semantics: two instances (each its
 * own CoalescingSink) on ONE AzureBlobStore backed by Azurite, so the index CAS, the create-only
 * writes and the current.json swap go through Azure's If-Match / If-None-Match, not the memory store.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readIndex } from '../../src/repo/index-store.js';
import { createTenant } from '../../src/repo/tenants.js';
import { AzureBlobStore } from '../../src/storage/azure-store.js';
import { azuriteUnavailableReason, startAzurite, type Azurite } from '../helpers/azurite.js';
import { makeWorld, publish, secondInstance, servedPrimary, syntheticRpm, verifyGenerations } from './support.js';

const unavailable = azuriteUnavailableReason();
if (unavailable) console.warn(`skipping the Azurite regeneration race: ${unavailable}`);

describe.skipIf(unavailable !== null)('regenerate on Azurite', () => {
  let azurite: Azurite | null = null;
  beforeAll(async () => {
    azurite = await startAzurite();
  }, 60_000);
  afterAll(async () => {
    await azurite?.stop();
  });

  it('two consumers racing over 100 publishes lose nothing, and every generation is signed', async () => {
    if (!azurite) throw new Error('azurite did not start');
    const store = new AzureBlobStore({ connectionString: azurite.connectionString, container: `race-${randomUUID().slice(0, 8)}` });
    await createTenant(store, 'acme', new Date());
    const a = await makeWorld([{ name: 'open', allowUnsigned: true }], { store });
    const b = secondInstance(a, { window: 4 });
    const names = Array.from({ length: 100 }, (_, i) => `p${String(i).padStart(3, '0')}`);
    // two waves, so at least two generations exist however the publishes and regenerations interleave
    for (const wave of [names.slice(0, 50), names.slice(50)]) {
      const results = await Promise.all(wave.map((n) => publish(names.indexOf(n) % 2 === 0 ? a : b, 'open', syntheticRpm(n))));
      expect(results.map((r) => r.status)).toEqual(wave.map(() => 201));
      await Promise.all([a.sink.idle(), b.sink.idle()]);
    }
    const { index } = await readIndex(store, 'acme', 'open');
    expect(index.packages).toHaveLength(100);
    // group commit: publishes queued behind a commit (per instance) share the next one
    expect(index.revision).toBeLessThan(100);
    const primary = await servedPrimary(store, 'acme', 'open');
    expect(primary.revision).toBe(String(index.revision));
    expect(primary.declared).toBe(100);
    expect(primary.packages.map((p) => p.name)).toEqual(names);
    expect([...a.logger.lines, ...b.logger.lines].filter((l) => l.level !== 'info')).toEqual([]);
    expect(await verifyGenerations(a, 'open')).toBeGreaterThanOrEqual(2);
  }, 300_000);
});
