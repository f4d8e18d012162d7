// The writer that escapes while it encodes must give exactly the bytes of the string escapers
// followed by UTF-8 encoding, refuse the same characters, and leave a refused package out of the
// buffer with the same reason the separate check gives.
import { describe, expect, it } from 'vitest';
import type { RpmPackage } from '../../../src/core/model.js';
import { checkedPackage, isExcluded, writeCheckedFragments, writeFragments } from '../../../src/core/repodata/fragments.js';
import { preparePackage } from '../../../src/core/repodata/prepared.js';
import { UnrepresentableCharError, escapeAttr, escapeText } from '../../../src/core/repodata/xml-escape.js';
import { XmlWriter } from '../../../src/core/repodata/xml-writer.js';
import { mulberry32 } from '../../helpers/prng.js';
import { emptyPackage, record } from './hello-demo.fixture.js';

const utf8 = new TextEncoder();
const POOL = ['a', 'Z', '0', ' ', '&', '<', '>', '"', "'", '\t', '\n', '\r', '\u0000', '\u0001', '\u001f', '\u007f', 'é', 'Ü', '\u0085',
  '\uFFFD', '\uFFFE', '\uFFFF', '\uD800', '\uDFFF', '😀', '\u{10FFFF}', '\u{1FFFE}', ']]>', 'abcdefghijklmnopqrstuvwxyz0123456789'];

function outcome(f: () => string | Uint8Array): string {
  try {
    const r = f();
    return typeof r === 'string' ? Buffer.from(utf8.encode(r)).toString('hex') : Buffer.from(r).toString('hex');
  } catch (e) {
    expect(e).toBeInstanceOf(UnrepresentableCharError);
    return `refused ${(e as Error).message}`;
  }
}

function written(write: (out: XmlWriter) => void): Uint8Array {
  const out = new XmlWriter(16);
  out.raw('<');
  write(out);
  return out.view().slice(1);
}

describe('XmlWriter', () => {
  it('writes text and attribute values as the escapers do, byte for byte, and refuses the same characters', () => {
    const rand = mulberry32(13);
    let refused = 0;
    for (let i = 0; i < 5000; i++) {
      let s = '';
      for (let n = Math.floor(rand() * 10); n >= 0; n--) s += POOL[Math.floor(rand() * POOL.length)];
      const text = outcome(() => escapeText(s));
      expect(outcome(() => written((o) => o.text(s))), JSON.stringify(s)).toBe(text);
      expect(outcome(() => written((o) => o.attr(s))), JSON.stringify(s)).toBe(outcome(() => escapeAttr(s)));
      if (text.startsWith('refused')) refused++;
    }
    expect(refused).toBeGreaterThan(100);
    expect(refused).toBeLessThan(4900);
  });

  it('gives the escapers\' output and refusals at every length around the native threshold', () => {
    // values from 96 characters on with nothing to escape are encoded natively, shorter ones by
    // the loop: a special, non-ASCII or forbidden character anywhere, at every length from 60 to 130
    for (let n = 60; n <= 130; n++) {
      for (const c of ['', '&', '<', '"', '\r', '\t', 'é', '😀', '\u0001', '\uFFFE', '\uD800']) {
        for (const at of [0, n >> 1, n - 1]) {
          const base = 'x'.repeat(n - c.length);
          const s = base.slice(0, at) + c + base.slice(at);
          expect(outcome(() => written((o) => o.text(s))), `${n} ${JSON.stringify(c)} at ${at}`).toBe(outcome(() => escapeText(s)));
          expect(outcome(() => written((o) => o.attr(s))), `${n} ${JSON.stringify(c)} at ${at}`).toBe(outcome(() => escapeAttr(s)));
        }
      }
    }
    // a 64-character pkgid and a 96-character value, by the loop and natively
    expect(Buffer.from(written((o) => o.attr('a1'.repeat(32)))).toString()).toBe('a1'.repeat(32));
    expect(Buffer.from(written((o) => o.text(`${'y'.repeat(95)}é`))).toString()).toBe(`${'y'.repeat(95)}é`);
  });

  it('writes integers as template strings do', () => {
    for (const n of [0, 1, 9, 10, 99, 100, 4294967295, 4294967296, 1704196800, Number.MAX_SAFE_INTEGER, -1, 1.5, 2 ** 60]) {
      expect(new TextDecoder().decode(written((o) => o.uint(n)))).toBe(`${n}`);
    }
  });

  it('grows from a tiny buffer without losing bytes', () => {
    const out = new XmlWriter(16);
    let expected = '';
    for (let i = 0; i < 300; i++) {
      const s = `<&é${'x'.repeat(i % 70)}"\r`;
      out.text(s);
      out.attr(s);
      out.uint(i);
      expected += escapeText(s) + escapeAttr(s) + String(i);
    }
    expect(Buffer.from(out.view()).toString()).toBe(expected);
  });
});

describe('writeCheckedFragments', () => {
  const bad: [string, Partial<RpmPackage>][] = [
    ['name', { name: 'x\uFFFEy' }],
    ['description', { description: 'line\u0001' }],
    ['a requires name', { requires: [{ name: 'lib\u0002.so', flags: 0, version: '' }] }],
    ['the version of a provide without flags (not written)', { provides: [{ name: 'p', flags: 0, version: '1\u0003' }] }],
    ['the version of a nameless provide (not written)', { provides: [{ name: '', flags: 8, version: '1-\uFFFF' }] }],
    ['a file name', { files: [{ path: '/usr/bin/ok', type: 'file' }, { path: '/usr/bin/\uFFFE', type: 'file' }] }],
    ['a changelog text', { changelog: [{ author: 'A <a@x>', time: 1, text: '- fix \uD800' }] }],
  ];
  for (const [what, over] of bad) {
    it(`leaves a package out for a forbidden character in ${what}, as checkedPackage does, writing nothing`, () => {
      const rec = record(emptyPackage(over));
      const checked = checkedPackage(rec);
      expect(isExcluded(checked)).toBe(true);
      const out = new XmlWriter(16);
      out.raw('kept');
      const r = writeCheckedFragments(out, preparePackage(rec), new Uint32Array(3));
      expect(r).toEqual(checked);
      expect(Buffer.from(out.view()).toString()).toBe('kept');
    });
  }

  it('writes a clean package exactly as writeFragments does', () => {
    const rec = record(emptyPackage({ summary: 'é & <x>', provides: [{ name: 'p', flags: 0, version: '1' }] }));
    const a = new XmlWriter();
    const b = new XmlWriter();
    const ea = new Uint32Array(3);
    const eb = new Uint32Array(3);
    expect(writeCheckedFragments(a, preparePackage(rec), ea)).toBeNull();
    writeFragments(b, preparePackage(rec), eb);
    expect(a.view()).toEqual(b.view());
    expect(ea).toEqual(eb);
  });
});
