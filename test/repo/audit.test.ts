import { describe, expect, it } from 'vitest';
import { appendAudit, canonicalJson, GENESIS, readAudit, verifyAuditChain, type AuditEntry } from '../../src/repo/audit.js';
import { auditKey } from '../../src/storage/keys.js';
import { createMemoryBlobStore } from '../../src/storage/memory-store.js';

const NOW = new Date('2026-06-01T12:00:00Z');

async function seeded(n: number) {
  const store = createMemoryBlobStore();
  for (let i = 0; i < n; i++) {
    await appendAudit(store, 'acme', { actor: 'operator', action: 'token.create', target: `t${i}`, details: { i, scopes: ['read'] } }, NOW);
  }
  return store;
}

describe('audit log', () => {
  it('numbers entries densely and chains each to its predecessor', async () => {
    const store = await seeded(4);
    const entries = await readAudit(store, 'acme');
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(entries[0]?.prev).toBe(GENESIS);
    for (let i = 1; i < entries.length; i++) expect(entries[i]?.prev).toBe(entries[i - 1]?.hash);
    expect(new Set(entries.map((e) => e.hash)).size).toBe(4);
    expect(await verifyAuditChain(entries)).toBe(true);
    expect(await verifyAuditChain([])).toBe(true);
    expect(await readAudit(store, 'other')).toEqual([]);
  });

  it('detects a tampered entry (rewritten in the store)', async () => {
    const store = await seeded(3);
    const entries = await readAudit(store, 'acme');
    const forged = { ...(entries[1] as AuditEntry), details: { i: 1, scopes: ['admin'] } };
    await store.put(auditKey('acme', 2), new TextEncoder().encode(JSON.stringify(forged)));
    expect(await verifyAuditChain(await readAudit(store, 'acme'))).toBe(false);
  });

  it('detects a recomputed hash (the next entry no longer links), a removed and a reordered entry', async () => {
    const entries = await readAudit(await seeded(3), 'acme');
    const [a, b, c] = entries as [AuditEntry, AuditEntry, AuditEntry];
    const { entryHash } = await import('../../src/repo/audit.js');
    const rewritten = { ...b, actor: 'someone-else' };
    const rehashed = { ...rewritten, hash: await entryHash(rewritten) };
    expect(await verifyAuditChain([a, rehashed, c])).toBe(false);
    expect(await verifyAuditChain([a, c])).toBe(false);
    expect(await verifyAuditChain([a, c, b])).toBe(false);
    expect(await verifyAuditChain([b, c])).toBe(false);
    expect(await verifyAuditChain([a, b])).toBe(true);
  });

  it('concurrent writers all land, in one unbroken chain', async () => {
    const store = createMemoryBlobStore();
    await Promise.all(Array.from({ length: 12 }, (_, i) =>
      appendAudit(store, 'acme', { actor: `tok${i}`, action: 'key.add', target: 'acme', details: { i } }, NOW)));
    const entries = await readAudit(store, 'acme');
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(new Set(entries.map((e) => e.actor)).size).toBe(12);
    expect(await verifyAuditChain(entries)).toBe(true);
  });

  it('hashes a canonical form, stable when keys are reordered', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: null }], 10: 'x' })).toBe('{"10":"x","a":[{"c":null,"d":2}],"b":1}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
  });
});

describe('audit pages', () => {
  it('reads a page after a seq and verifies it against the entry before it', async () => {
    const { auditAnchor } = await import('../../src/repo/audit.js');
    const store = await seeded(5);
    const page = await readAudit(store, 'acme', { after: 2, limit: 2 });
    expect(page.map((e) => e.seq)).toEqual([3, 4]);
    const anchor = await auditAnchor(store, 'acme', 2);
    expect(await verifyAuditChain(page, anchor ?? undefined)).toBe(true);
    expect(await verifyAuditChain(page)).toBe(false);
    expect(await verifyAuditChain(page, (await auditAnchor(store, 'acme', 1)) ?? undefined)).toBe(false);
    expect(await auditAnchor(store, 'acme', 9)).toBeNull();
  });
});
