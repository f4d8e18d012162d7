import { describe, expect, it } from 'vitest';
import { ensureOperatorCredential, isOperatorToken, operatorTokenHash } from '../../src/auth/operator.js';
import { createMemoryBlobStore } from '../../src/storage/memory-store.js';
import { allBlobText } from '../http/admin-app.js';

describe('operator credential', () => {
  it('matches only the credential whose hash is configured', async () => {
    const hash = await operatorTokenHash('s3cret-operator');
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await isOperatorToken('s3cret-operator', hash)).toBe(true);
    expect(await isOperatorToken('s3cret-operator', hash.toUpperCase())).toBe(true);
    expect(await isOperatorToken('s3cret-operatoR', hash)).toBe(false);
    expect(await isOperatorToken('', hash)).toBe(false);
    expect(await isOperatorToken('s3cret-operator', null)).toBe(false);
  });

  it('generates a credential once, storing only its hash', async () => {
    const store = createMemoryBlobStore();
    const first = await ensureOperatorCredential(store);
    expect(first.token).not.toBeNull();
    expect(await isOperatorToken(first.token as string, first.hash)).toBe(true);
    const second = await ensureOperatorCredential(store);
    expect(second).toEqual({ hash: first.hash, token: null });
    for (const text of (await allBlobText(store)).values()) expect(text.includes(first.token as string)).toBe(false);
  });

  it('concurrent first starts agree on one credential', async () => {
    const store = createMemoryBlobStore();
    const results = await Promise.all([1, 2, 3, 4].map(() => ensureOperatorCredential(store)));
    expect(new Set(results.map((r) => r.hash)).size).toBe(1);
    expect(results.filter((r) => r.token !== null)).toHaveLength(1);
  });
});
