import { describe, expect, it } from 'vitest';
import { validateKey } from '../../src/storage/checked-store.js';
import {
  fragmentKey, indexKey, isValidName, packageBlobKey, packageBlobsPrefix, repoPrefix, repodataFileName,
  repodataKey, repodataPrefix, repomdKey, repomdSignatureKey, tenantKey, tenantPrefix, tokenKey, uploadKey,
} from '../../src/storage/keys.js';

const SHA = 'ab'.padEnd(64, '0123456789abcdef');
const SHA2 = 'cd'.padEnd(64, 'fedcba9876543210');
const UUID = '0f8fad5b-d9cb-469f-a165-70867728950e';

describe('storage keys', () => {
  it('lays out tenant, repo, blob, upload and token keys', () => {
    expect(tenantKey('acme')).toBe('tenants/acme.json');
    expect(tokenKey(SHA)).toBe(`tokens/${SHA}.json`);
    expect(uploadKey(UUID)).toBe(`uploads/${UUID}`);
    expect(tenantPrefix('acme')).toBe('t/acme/');
    expect(packageBlobKey('acme', SHA)).toBe(`t/acme/blobs/sha256/ab/${SHA}`);
    expect(packageBlobsPrefix('acme')).toBe('t/acme/blobs/sha256/');
    expect(fragmentKey('acme', SHA, 'primary')).toBe(`t/acme/fragments/sha256/ab/${SHA}/primary.xml`);
    expect(repoPrefix('acme', 'el9-x86-64')).toBe('t/acme/r/el9-x86-64/');
    expect(indexKey('acme', 'stable')).toBe('t/acme/r/stable/index.json');
    expect(repodataPrefix('acme', 'stable')).toBe('t/acme/r/stable/repodata/');
    expect(repomdKey('acme', 'stable')).toBe('t/acme/r/stable/repodata/repomd.xml');
    expect(repomdSignatureKey('acme', 'stable')).toBe('t/acme/r/stable/repodata/repomd.xml.asc');
    expect(repodataKey('acme', 'stable', repodataFileName(SHA2, 'primary', 'xml.gz')))
      .toBe(`t/acme/r/stable/repodata/${SHA2}-primary.xml.gz`);
  });

  it('isolates tenants: the same package lands under each tenant prefix', () => {
    const a = packageBlobKey('a', SHA);
    const b = packageBlobKey('b', SHA);
    expect(a).not.toBe(b);
    expect(a.startsWith(tenantPrefix('a'))).toBe(true);
    expect(b.startsWith(tenantPrefix('a'))).toBe(false);
    expect(indexKey('a', 'r').startsWith(tenantPrefix('a'))).toBe(true);
  });

  it('every key it builds passes the store key grammar', () => {
    const built = [
      tenantKey('a'), tokenKey(SHA), uploadKey(UUID), packageBlobKey('x'.repeat(63), SHA),
      fragmentKey('t1', SHA, 'filelists'), indexKey('t-1', 'r-2'),
      repodataKey('t'.repeat(63), 'r'.repeat(63), `${SHA}-other.xml.zst`), repomdSignatureKey('a', 'b'),
    ];
    for (const key of built) expect(() => validateKey(key), key).not.toThrow();
    for (const prefix of [tenantPrefix('a'), repoPrefix('a', 'b'), repodataPrefix('a', 'b'), packageBlobsPrefix('a')]) {
      expect(() => validateKey(prefix.slice(0, -1))).not.toThrow();
    }
  });

  it('accepts DNS-label-like names only', () => {
    for (const ok of ['a', '0', 'acme', 'el9-x86-64', 'a'.repeat(63)]) expect(isValidName(ok), ok).toBe(true);
    for (const bad of ['', '-a', 'a-', 'A', 'a_b', 'a.b', 'a/b', '..', 'a'.repeat(64), 'ä', ' a']) {
      expect(isValidName(bad), bad).toBe(false);
    }
  });

  it('rejects bad inputs with a typed error', () => {
    const bad: Array<() => string> = [
      () => tenantKey('Acme'), () => tenantKey('../x'), () => repoPrefix('acme', 'a/b'), () => indexKey('acme', ''),
      () => packageBlobKey('acme', SHA.toUpperCase()), () => packageBlobKey('acme', SHA.slice(1)),
      () => tokenKey('not-a-hash'), () => uploadKey('../../etc'), () => uploadKey(UUID.toUpperCase()),
      () => repodataKey('a', 'b', '../index.json'), () => repodataKey('a', 'b', 'x/y'), () => repodataKey('a', 'b', ''),
      () => repodataKey('a', 'b', 'a..b'), () => fragmentKey('a', SHA, 'comps' as 'primary'),
    ];
    for (const f of bad) expect(f).toThrowError(expect.objectContaining({ code: 'invalid_name', isBerthError: true }));
  });
});
