import { describe, expect, it } from 'vitest';
import { filelistsFragment } from '../../../src/core/repodata/filelists.js';
import { fragments, isExcluded } from '../../../src/core/repodata/fragments.js';
import { otherFragment } from '../../../src/core/repodata/other.js';
import { primaryFragment } from '../../../src/core/repodata/primary.js';
import { escapeAttr, escapeText, hasForbiddenChars } from '../../../src/core/repodata/xml-escape.js';
import { emptyPackage, record } from './hello-demo.fixture.js';

describe('escaping (formats.md §3.9, libxml2 2.9 as used by createrepo_c 0.17.3)', () => {
  it('text: & < > and CR; quotes, TAB, LF literal', () => {
    expect(escapeText('a&b<c>d"e\'f\tg\nh\ri')).toBe('a&amp;b&lt;c&gt;d"e\'f\tg\nh&#13;i');
  });

  it('attributes: & < > " and TAB/LF/CR as character references', () => {
    expect(escapeAttr('a&b<c>d"e\'f\tg\nh\ri')).toBe('a&amp;b&lt;c&gt;d&quot;e\'f&#9;g&#10;h&#13;i');
  });

  it('attributes: non-ASCII as uppercase hex references; repomd form keeps UTF-8', () => {
    expect(escapeAttr('café € 𝄞')).toBe('caf&#xE9; &#x20AC; &#x1D11E;');
    expect(escapeAttr('café', false)).toBe('café');
    expect(escapeText('café')).toBe('café');
  });

  it('applies in the fragments: location, summary, file names, changelog author', () => {
    const rec = record(
      emptyPackage({
        summary: 'Ünï & <x>',
        description: 'line\r\nnext\ttab',
        files: [{ path: '/usr/share/x/ü&.txt', type: 'file' }],
        changelog: [{ author: 'Renée "R" <r@x>', time: 5, text: 'entrée\r' }],
      }),
      { location: 'Packages/uni-é\t&.rpm' },
    );
    const primary = primaryFragment(rec);
    expect(primary).toContain('  <summary>Ünï &amp; &lt;x&gt;</summary>\n');
    expect(primary).toContain('  <description>line&#13;\nnext\ttab</description>\n');
    expect(primary).toContain('  <location href="Packages/uni-&#xE9;&#9;&amp;.rpm"/>\n');
    expect(filelistsFragment(rec)).toContain('  <file>/usr/share/x/ü&amp;.txt</file>\n');
    expect(otherFragment(rec)).toContain(
      '  <changelog author="Ren&#xE9;e &quot;R&quot; &lt;r@x&gt;" date="5">entrée&#13;</changelog>\n',
    );
  });
});

describe('control characters', () => {
  it('detects < 0x20 except TAB, LF, CR', () => {
    expect(hasForbiddenChars('a\tb\nc\rd')).toBe(false);
    expect(hasForbiddenChars('a\x01')).toBe(true);
    expect(hasForbiddenChars('\x00')).toBe(true);
    expect(hasForbiddenChars('\x1f')).toBe(true);
    expect(hasForbiddenChars('\x7f')).toBe(false);
  });

  it('excludes the package and names the field', () => {
    const r = fragments(record(emptyPackage({ provides: [{ name: 'ksym(\x01foo)', flags: 0, version: '' }] })));
    expect(isExcluded(r) && r.excluded).toMatchObject({ code: 'forbidden-chars', field: 'provides[0].name' });
    const loc = fragments(record(emptyPackage(), { location: 'a\x02.rpm' }));
    expect(isExcluded(loc) && loc.excluded.field).toBe('location');
    const file = fragments(record(emptyPackage({ files: [{ path: '/x', type: 'file' }, { path: '/y\x1b', type: 'file' }] })));
    expect(isExcluded(file) && file.excluded.field).toBe('files[1]');
  });

  it('ignores what createrepo_c drops before its check (rpmlib requires, changelog past the limit)', () => {
    const pkg = emptyPackage({
      requires: [{ name: 'rpmlib(\x01)', flags: 0, version: '' }],
      changelog: [
        { author: 'new', time: 2, text: 'ok' },
        { author: 'old\x01', time: 1, text: 'bad' },
      ],
    });
    expect(isExcluded(fragments(record(pkg), { changelogLimit: 1 }))).toBe(false);
    const all = fragments(record(pkg), { changelogLimit: 2 });
    expect(isExcluded(all) && all.excluded.field).toBe('changelog[0].author');
  });
});

describe('escapers agree with the plain regular-expression definition', () => {
  // the definition the escapers implement (libxml2's rules, formats.md §3.9), written the slow way
  const TEXT: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' };
  const ATTR: Record<string, string> = { ...TEXT, '"': '&quot;', '\t': '&#9;', '\n': '&#10;' };
  const refText = (s: string) => s.replace(/[&<>\r]/g, (c) => TEXT[c]!);
  const refAttr = (s: string, asciiOnly: boolean) =>
    asciiOnly
      ? s.replace(/[&<>"\t\n\r]|[\u{80}-\u{10FFFF}]/gu, (c) => ATTR[c] ?? `&#x${c.codePointAt(0)!.toString(16).toUpperCase()};`)
      : s.replace(/[&<>"\t\n\r]/g, (c) => ATTR[c]!);
  const alphabet = ['a', 'Z', '0', ' ', '&', '<', '>', '"', "'", '\t', '\n', '\r', 'é', '€', '\u{1D11E}', 'ü', '\u0080', '\uFFFD', '@', ';'];

  it('on random strings of specials, ASCII, non-ASCII and astral characters', () => {
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    for (let n = 0; n < 3000; n++) {
      let s = '';
      const len = next() % 24;
      for (let k = 0; k < len; k++) s += alphabet[next() % alphabet.length];
      expect(escapeText(s)).toBe(refText(s));
      expect(escapeAttr(s)).toBe(refAttr(s, true));
      expect(escapeAttr(s, false)).toBe(refAttr(s, false));
    }
  });
});
