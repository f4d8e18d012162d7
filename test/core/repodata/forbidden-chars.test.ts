// Characters XML 1.0 forbids never reach primary/filelists/other.xml: a package holding one is
// left out (and refused at publish), and the escapers throw rather than write one, whatever the
// caller does. Checked with saxes, which refuses exactly what libxml2 (librepo) and expat
// (libsolv) refuse — not with a regex.
import { SaxesParser } from 'saxes';
import { describe, expect, it } from 'vitest';
import type { RpmPackage } from '../../../src/core/model.js';
import { fragments, isExcluded, type PackageFragments } from '../../../src/core/repodata/fragments.js';
import {
  UnrepresentableCharError, escapeAttr, escapeText, hasForbiddenChars,
} from '../../../src/core/repodata/xml-escape.js';
import { xmlFooter, xmlHeader, type XmlKind } from '../../../src/core/repodata/xml-file.js';
import { mulberry32 } from '../../helpers/prng.js';
import { emptyPackage, record } from './hello-demo.fixture.js';

/** Parses a whole document; returns the parser's errors and every text node / attribute value seen. */
function parse(xml: string): { errors: string[]; texts: string[]; attrs: string[] } {
  const out = { errors: [] as string[], texts: [] as string[], attrs: [] as string[] };
  const p = new SaxesParser({ xmlns: true });
  p.on('error', (e) => out.errors.push(e.message));
  p.on('text', (t) => out.texts.push(t));
  p.on('opentag', (t) => Object.values(t.attributes).forEach((a) => out.attrs.push(typeof a === 'string' ? a : a.value)));
  p.write(xml).close();
  return out;
}

function document(kind: XmlKind, frag: PackageFragments): string {
  return xmlHeader(kind, 1) + frag[kind] + xmlFooter(kind);
}

// XML 1.0 forbids these (escaped or not); libxml2 2.9.14 and expat 2.5.0 refuse them.
const FORBIDDEN = ['\u0000', '\u0001', '\u0008', '\u000b', '\u000c', '\u001f', '\uFFFE', '\uFFFF', '\uD800', '\uDBFF', '\uDC00', '\uDFFF'];
// XML 1.0 Chars that look suspicious but parse everywhere: kept as they are.
const ALLOWED = ['\t', '\n', '\u007f', '\u0085', '\u009f', '\uFDD0', '\uFDEF', '\uFFFD', '\u{1FFFE}', '\u{10FFFF}', '😀', '\uE000'];

describe('the characters XML 1.0 forbids', () => {
  it('detects exactly the XML 1.0 non-Chars (paired surrogates are one character, not two)', () => {
    for (const c of FORBIDDEN) expect(hasForbiddenChars(`a${c}b`), c.codePointAt(0)?.toString(16)).toBe(true);
    for (const c of ALLOWED) expect(hasForbiddenChars(`a${c}b`), c.codePointAt(0)?.toString(16)).toBe(false);
  });

  it('the escapers throw instead of emitting one, in text and in both attribute forms', () => {
    for (const c of FORBIDDEN) {
      for (const escape of [escapeText, (s: string) => escapeAttr(s), (s: string) => escapeAttr(s, false)]) {
        expect(() => escape(`x${c}`)).toThrow(UnrepresentableCharError);
      }
    }
    expect(() => escapeAttr('\uFFFE')).toThrow(/U\+FFFE/);
  });

  it('what the escapers do emit parses and round-trips through a validating parser', () => {
    const rand = mulberry32(9);
    const int = (n: number): number => Math.floor(rand() * n);
    const pool = [...ALLOWED, ...FORBIDDEN, 'a', 'é', '&', '<', '>', '"', "'", '\r', ' ', ']]>'];
    let written = 0;
    for (let i = 0; i < 2000; i++) {
      let s = '';
      for (let n = int(8); n >= 0; n--) s += pool[int(pool.length)];
      let xml: string;
      try {
        xml = `<a b="${escapeAttr(s)}" c="${escapeAttr(s, false)}">${escapeText(s)}</a>`;
      } catch (e) {
        expect(e).toBeInstanceOf(UnrepresentableCharError);
        expect(hasForbiddenChars(s)).toBe(true);
        continue;
      }
      expect(hasForbiddenChars(s)).toBe(false);
      const r = parse(xml);
      expect(r.errors, JSON.stringify(s)).toEqual([]);
      // attribute values are normalised by the parser (TAB/LF → space) unless written as references,
      // which is what escapeAttr does: the value comes back exactly
      expect(r.attrs).toEqual([s, s]);
      expect(r.texts.join('')).toBe(s); // CR is written as &#13;, so end-of-line handling keeps it
      written++;
    }
    expect(written).toBeGreaterThan(100);
  });
});

describe('a package holding one is left out', () => {
  const cases: [string, Partial<RpmPackage>, string][] = [
    ['name', { name: 'x\uFFFEy' }, 'name'],
    ['summary', { summary: 'bad \uFFFF summary' }, 'summary'],
    ['description', { description: 'line\u0001' }, 'description'],
    ['a dependency name', { requires: [{ name: 'lib\uFFFE.so', flags: 0, version: '' }] }, 'requires[0].name'],
    ['a file name', { files: [{ path: '/usr/bin/ok', type: 'file' }, { path: '/usr/bin/\uFFFE', type: 'file' }] }, 'files[1]'],
    ['a changelog entry', { changelog: [{ author: 'A <a@x>', time: 1, text: '- fix \uD800' }] }, 'changelog[0].text'],
  ];
  for (const [what, over, field] of cases) {
    it(`…in ${what}, naming the field and the character`, () => {
      const r = fragments(record(emptyPackage(over)));
      expect(isExcluded(r)).toBe(true);
      if (!isExcluded(r)) return;
      expect(r.excluded).toMatchObject({ code: 'forbidden-chars', field });
      expect(r.excluded.char).toMatch(/^U\+[0-9A-F]{4}$/);
      expect(r.excluded.message).toContain(r.excluded.char);
    });
  }

  it('one with only allowed characters everywhere gives three well-formed documents', () => {
    const odd = ALLOWED.join('');
    const pkg = emptyPackage({
      summary: `s${odd}`, description: `d${odd}\r\n`, url: `u${odd}`, license: odd, vendor: odd, group: odd, packager: odd,
      provides: [{ name: `p${odd}`, flags: 8, version: `1${odd}` }],
      requires: [{ name: `r${odd}`, flags: 0, version: '' }],
      files: [{ path: `/usr/bin/f${odd}`, type: 'file' }, { path: `/etc/d${odd}`, type: 'dir' }],
      changelog: [{ author: `a${odd} <a@x>`, time: 5, text: `- t${odd}` }],
    });
    const r = fragments(record(pkg, { location: `Packages/x/x${odd}.rpm` }));
    expect(isExcluded(r)).toBe(false);
    if (isExcluded(r)) return;
    for (const kind of ['primary', 'filelists', 'other'] as const) {
      const parsed = parse(document(kind, r));
      expect(parsed.errors, kind).toEqual([]);
    }
    const primary = parse(document('primary', r));
    expect(primary.texts).toContain(`s${odd}`);
    expect(primary.attrs).toContain(`Packages/x/x${odd}.rpm`);
  });
});
