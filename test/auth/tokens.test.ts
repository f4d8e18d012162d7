import { describe, expect, it } from 'vitest';
import { constantTimeEqual, sha256Hex } from '../../src/auth/crypto.js';
import { createToken, getToken, listTokens, looksLikeToken, revokeToken, verifyToken } from '../../src/auth/tokens.js';
import { createMemoryBlobStore } from '../../src/storage/memory-store.js';
import { tokenKey } from '../../src/storage/keys.js';
import { allBlobText } from '../http/admin-app.js';

const NOW = new Date('2026-06-01T12:00:00Z');

describe('tokens', () => {
  it('creates berth_<id>_<secret> tokens that verify to their principal', async () => {
    const store = createMemoryBlobStore();
    const { id, token, record } = await createToken(store, { tenant: 'acme', scopes: ['publish'], repos: ['x'], expiresAt: null, description: 'ci' }, NOW);
    expect(token).toMatch(/^berth_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$/);
    expect(token.startsWith(`berth_${id}_`)).toBe(true);
    expect(looksLikeToken(token)).toBe(true);
    expect(record).toMatchObject({ id, tenant: 'acme', scopes: ['publish'], repos: ['x'], expiresAt: null, createdAt: NOW.toISOString(), description: 'ci' });
    expect(await verifyToken(store, token, NOW)).toEqual({ kind: 'token', id, tenant: 'acme', scopes: ['publish'], repos: ['x'] });
    expect((await getToken(store, id))?.tenant).toBe('acme');
  });

  it('stores only the hash: no blob holds the token or its secret part', async () => {
    const store = createMemoryBlobStore();
    const { token } = await createToken(store, { tenant: 'acme', scopes: ['admin'], repos: null, expiresAt: null }, NOW);
    const secret = token.split('_').slice(2).join('_');
    const blobs = await allBlobText(store);
    expect(blobs.size).toBe(2);
    expect(blobs.has(tokenKey(await sha256Hex(token)))).toBe(true);
    for (const [key, text] of blobs) {
      expect(key.includes(secret)).toBe(false);
      expect(text.includes(secret), key).toBe(false);
      expect(text.includes(token), key).toBe(false);
    }
  });

  it('refuses altered, malformed and unknown tokens', async () => {
    const store = createMemoryBlobStore();
    const { id, token } = await createToken(store, { tenant: 'acme', scopes: ['read'], repos: null, expiresAt: null }, NOW);
    const last = token.at(-1) === 'A' ? 'B' : 'A';
    expect(await verifyToken(store, token.slice(0, -1) + last, NOW)).toBeNull();
    expect(await verifyToken(store, token + 'x', NOW)).toBeNull();
    expect(await verifyToken(store, '', NOW)).toBeNull();
    expect(await verifyToken(store, `berth_${id}_`, NOW)).toBeNull();
    const other = await createToken(createMemoryBlobStore(), { tenant: 'acme', scopes: ['read'], repos: null, expiresAt: null }, NOW);
    expect(await verifyToken(store, other.token, NOW)).toBeNull();
  });

  it('expires at expiresAt', async () => {
    const store = createMemoryBlobStore();
    const expiresAt = new Date(NOW.getTime() + 3600_000);
    const { token } = await createToken(store, { tenant: 'acme', scopes: ['read'], repos: null, expiresAt }, NOW);
    expect(await verifyToken(store, token, new Date(expiresAt.getTime() - 1))).not.toBeNull();
    expect(await verifyToken(store, token, expiresAt)).toBeNull();
    expect(await verifyToken(store, token, new Date(expiresAt.getTime() + 86400_000))).toBeNull();
  });

  it('revocation is effective immediately and removes every trace', async () => {
    const store = createMemoryBlobStore();
    const keep = await createToken(store, { tenant: 'acme', scopes: ['read'], repos: null, expiresAt: null }, NOW);
    const gone = await createToken(store, { tenant: 'acme', scopes: ['admin'], repos: null, expiresAt: null }, NOW);
    expect(await verifyToken(store, gone.token, NOW)).not.toBeNull();
    const revoked = await revokeToken(store, gone.id);
    expect(revoked?.id).toBe(gone.id);
    expect(await verifyToken(store, gone.token, NOW)).toBeNull();
    expect(await getToken(store, gone.id)).toBeNull();
    expect(await revokeToken(store, gone.id)).toBeNull();
    expect((await listTokens(store, 'acme')).map((t) => t.id)).toEqual([keep.id]);
    expect(await verifyToken(store, keep.token, NOW)).not.toBeNull();
  });

  it('lists a tenant’s tokens only', async () => {
    const store = createMemoryBlobStore();
    const a1 = await createToken(store, { tenant: 'a', scopes: ['read'], repos: null, expiresAt: null }, NOW);
    await createToken(store, { tenant: 'b', scopes: ['read'], repos: null, expiresAt: null }, NOW);
    const a2 = await createToken(store, { tenant: 'a', scopes: ['publish'], repos: null, expiresAt: null }, new Date(NOW.getTime() + 1000));
    expect((await listTokens(store, 'a')).map((t) => t.id)).toEqual([a1.id, a2.id]);
    expect(await listTokens(store, 'c')).toEqual([]);
  });
});

describe('constantTimeEqual', () => {
  it('compares whole strings', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('xbc', 'abc')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
  });
});
