import { describe, expect, it } from 'vitest';
import { Refusal } from '../../src/repo/errors.js';
import { createTenant, getTenant } from '../../src/repo/tenants.js';
import { InvalidNameError } from '../../src/storage/keys.js';
import { createMemoryBlobStore } from '../../src/storage/memory-store.js';

const NOW = new Date('2026-06-01T12:00:00Z');

describe('tenants', () => {
  it('creates and reads a tenant', async () => {
    const store = createMemoryBlobStore();
    expect(await getTenant(store, 'acme')).toBeNull();
    expect(await createTenant(store, 'acme', NOW)).toEqual({ name: 'acme', createdAt: NOW.toISOString() });
    expect(await getTenant(store, 'acme')).toEqual({ name: 'acme', createdAt: NOW.toISOString() });
  });

  it('refuses a second tenant of the same name with 409 tenant_exists and keeps the first', async () => {
    const store = createMemoryBlobStore();
    await createTenant(store, 'acme', NOW);
    const err = await createTenant(store, 'acme', new Date(NOW.getTime() + 1000)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Refusal);
    expect(err).toMatchObject({ kind: 'conflict', code: 'tenant_exists' });
    expect((await getTenant(store, 'acme'))?.createdAt).toBe(NOW.toISOString());
  });

  it('exactly one of racing creators wins', async () => {
    const store = createMemoryBlobStore();
    const results = await Promise.allSettled([1, 2, 3, 4, 5].map(() => createTenant(store, 'race', NOW)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('refuses names that cannot be keys', async () => {
    const store = createMemoryBlobStore();
    for (const bad of ['', 'Acme', '-a', 'a/b', '../x', 'a'.repeat(64)]) {
      await expect(createTenant(store, bad, NOW), bad).rejects.toBeInstanceOf(InvalidNameError);
    }
  });
});
