// Header strings decode as UTF-8 when valid (short ASCII ones without TextDecoder) and are
// re-encoded as createrepo_c does when not: the fast path must give exactly the same strings.
import { describe, expect, it } from 'vitest';
import { decodeString, decodeStringArray } from '../../../src/core/rpm/strings.js';
import { mulberry32 } from '../../helpers/prng.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The rule, written plainly: valid UTF-8 as is; else Latin-1 without C0 (but TAB/LF/CR) and 0x80-0xBF. */
function reference(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    let s = '';
    for (const b of bytes) if (b < 0x20 ? b === 9 || b === 10 || b === 13 : b < 0x80 || b >= 0xc0) s += String.fromCharCode(b);
    return s;
  }
}

describe('header string decoding', () => {
  it('matches the rule for random bytes of every length around the short-string cut', () => {
    const rand = mulberry32(21);
    const pools = [[0x61, 0x7a, 0x2f, 0x20, 0x7f, 0x01], [0x61, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xff, 0xef, 0xbb, 0xbf]];
    for (let i = 0; i < 4000; i++) {
      const pool = pools[i % 2]!;
      const bytes = Uint8Array.from({ length: Math.floor(rand() * 48) }, () => pool[Math.floor(rand() * pool.length)]!);
      expect(decodeString(bytes), `${bytes}`).toBe(reference(bytes));
    }
  });

  it('decodes arrays element by element the same way', () => {
    const bytes = new TextEncoder().encode('ab\0\u00e9\0\0xyz');
    expect(decodeStringArray(bytes, 4)).toEqual(['ab', 'é', '', 'xyz']);
    const bad = Uint8Array.from([0x61, 0, 0xa9, 0x62, 0, 0x63]);
    expect(decodeStringArray(bad, 3)).toEqual(['a', 'b', 'c']);
  });
});
