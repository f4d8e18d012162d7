import { describe, expect, it } from 'vitest';
import { appendAudit, auditAnchor, canonicalJson, GENESIS, HINT_EVERY, readAudit, verifyAuditChain, type AuditEntry } from '../../src/repo/audit.js';
import type { BlobStore } from '../../src/storage/blob-store.js';
import { auditHeadKey, auditKey } from '../../src/storage/keys.js';
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

/** The store, counting calls by kind (a list would mean the cost grows with the log). */
function counting(store: BlobStore): { store: BlobStore; calls: Record<string, number> } {
  const calls: Record<string, number> = { get: 0, head: 0, put: 0, list: 0 };
  return {
    calls,
    store: {
      get: (k, o) => (calls['get']!++, store.get(k, o)),
      head: (k) => (calls['head']!++, store.head(k)),
      put: (k, b, o) => (calls['put']!++, store.put(k, b, o)),
      delete: (k, o) => store.delete(k, o),
      list: (p, o) => (calls['list']!++, store.list(p, o)),
    },
  };
}

describe('audit appends at constant cost', () => {
  it('1,000 appends from two processes form one chain that verifies end to end, page by page', async () => {
    const base = createMemoryBlobStore();
    const a = counting(base);
    const b = counting(base);
    for (let wave = 0; wave < 10; wave++) {
      await Promise.all(Array.from({ length: 100 }, (_, i) =>
        appendAudit(i % 2 ? a.store : b.store, 'acme', { actor: `tok${i % 2}`, action: 'package.publish', target: `p${wave}-${i}`, details: { i } }, NOW)));
    }
    expect(a.calls['list']! + b.calls['list']!).toBe(0);
    const all = await readAudit(base, 'acme');
    expect(all).toHaveLength(1000);
    expect(new Set(all.map((e) => e.target)).size).toBe(1000);
    expect(await verifyAuditChain(all)).toBe(true);
    // as GET /audit serves it: pages of 100, each verified against the entry before it
    for (let after = 0; after < 1000; after += 100) {
      const page = await readAudit(base, 'acme', { after, limit: 100 });
      expect(page.map((e) => e.seq)).toEqual(Array.from({ length: 100 }, (_, i) => after + i + 1));
      expect(await verifyAuditChain(page, (await auditAnchor(base, 'acme', after))!)).toBe(true);
    }

    // the 1,001st append, from a process that never wrote here, costs a handful of calls (the
    // hint lags by fewer than HINT_EVERY entries: each is one read)
    const late = counting(base);
    const entry = await appendAudit(late.store, 'acme', { actor: 'operator', action: 'x', target: 'y', details: {} }, NOW);
    expect(entry.seq).toBe(1001);
    expect(late.calls['list']).toBe(0);
    expect(late.calls['get']! + late.calls['head']! + late.calls['put']!).toBeLessThanOrEqual(8 + HINT_EVERY);
  }, 60_000);

  it('finds the end of a log written before the head hint existed, and walks a lagging hint forward', async () => {
    const base = createMemoryBlobStore();
    await seededInto(base, 37);
    await base.delete(auditHeadKey('acme')); // as a store from before the hint
    const fresh = counting(base);
    expect((await appendAudit(fresh.store, 'acme', { actor: 'operator', action: 'x', target: 'y', details: {} }, NOW)).seq).toBe(38);
    expect(fresh.calls['list']).toBe(0);
    expect(fresh.calls['head']!).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(38)) + 2);

    // a hint left behind (a crash after the entry, before the hint): the next writer walks on
    await base.put(auditHeadKey('acme'), new TextEncoder().encode(JSON.stringify({ seq: 30, hash: (await readAudit(base, 'acme', { after: 29, limit: 1 }))[0]!.hash })));
    const other = counting(base);
    expect((await appendAudit(other.store, 'acme', { actor: 'operator', action: 'x', target: 'z', details: {} }, NOW)).seq).toBe(39);
    expect(await verifyAuditChain(await readAudit(base, 'acme'))).toBe(true);
  });
});

async function seededInto(store: BlobStore, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await appendAudit(store, 'acme', { actor: 'operator', action: 'seed', target: `t${i}`, details: { i } }, NOW);
}
