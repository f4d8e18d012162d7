import { describe, expect, it } from 'vitest';
import { validateKey } from '../../src/storage/checked-store.js';
import {
  auditKey, auditPrefix, InvalidNameError, metadataKeyKey, operatorKey, repoConfigKey, tenantPrefix, tokenIdKey,
  trustedKeyKey, trustedKeysPrefix,
} from '../../src/storage/keys.js';

const FPR = 'ABCDEF0123456789ABCDEF0123456789ABCDEF01';

describe('tenancy keys', () => {
  it('lays out operator, token ids, repo config, metadata key, trusted keys and audit entries', () => {
    expect(operatorKey()).toBe('operator.json');
    expect(tokenIdKey('abcdefgh2345')).toBe('token-ids/abcdefgh2345.json');
    expect(repoConfigKey('acme', 'el9')).toBe('t/acme/r/el9/config.json');
    expect(metadataKeyKey('acme', 'el9')).toBe('t/acme/r/el9/metadata-key.asc');
    expect(trustedKeysPrefix('acme')).toBe('t/acme/keys/');
    expect(trustedKeysPrefix('acme', 'el9')).toBe('t/acme/r/el9/keys/');
    expect(trustedKeyKey('acme', undefined, FPR)).toBe(`t/acme/keys/${FPR.toLowerCase()}.asc`);
    expect(trustedKeyKey('acme', 'el9', FPR.toLowerCase())).toBe(`t/acme/r/el9/keys/${FPR.toLowerCase()}.asc`);
    expect(auditPrefix('acme')).toBe('t/acme/audit/');
    expect(auditKey('acme', 42)).toBe('t/acme/audit/000000000042.json');
    for (const k of [operatorKey(), tokenIdKey('abcdefgh2345'), repoConfigKey('a', 'b'), metadataKeyKey('a', 'b'),
      trustedKeyKey('a', 'b', 'f'.repeat(64)), auditKey('a', 999_999_999_999)]) {
      expect(() => validateKey(k), k).not.toThrow();
    }
    expect(auditKey('acme', 1).startsWith(tenantPrefix('acme'))).toBe(true);
  });

  it('refuses values that could escape their place', () => {
    for (const bad of ['ABCDEFGH2345', 'abc', 'abcdefgh234501', '../../etc/pw', 'abcdefgh2340']) {
      expect(() => tokenIdKey(bad), bad).toThrow(InvalidNameError);
    }
    for (const bad of ['', 'xyz', FPR.slice(1), `${FPR}/../x`]) expect(() => trustedKeyKey('a', undefined, bad), bad).toThrow(InvalidNameError);
    for (const bad of [0, -1, 1.5, 1e12, Number.NaN]) expect(() => auditKey('a', bad), String(bad)).toThrow(InvalidNameError);
    expect(() => repoConfigKey('a', 'B')).toThrow(InvalidNameError);
  });
});
