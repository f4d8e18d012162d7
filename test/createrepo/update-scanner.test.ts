// createrepo --update's byte scanner (old-elements.ts) gives exactly the elements, bytes and fields
// the full repodata reader gives for metadata in the subset it accepts, however the bytes are cut
// into chunks, and refuses (NotFast) everything else — having yielded only the elements before it.
import { describe, expect, it } from 'vitest';
import { NotFast, scanPackages, type ScanLimits, type ScannedPackage } from '../../src/cli/createrepo/old-elements.js';
import { packageElements } from '../../src/core/repodata/read/packages.js';

const LIMITS: ScanLimits = { maxElementBytes: 1 << 20, maxDepth: 64, maxAttributes: 256 };
const enc = new TextEncoder();
const dec = new TextDecoder();

const PRIMARY = `<?xml version="1.0" encoding="UTF-8"?>
<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="2">
<package type="rpm">
  <name>a</name>
  <checksum type="sha256" pkgid="YES">00ff</checksum>
  <summary>x &amp; y &lt;z&gt; &#233; &#x1F600; é 😀 ]] > "q" 'a'</summary>
  <time file="12" build="3"/>
  <size package="345" installed="1"/>
  <location href="a&amp;b-1.0 é.rpm"/>
  <format><rpm:requires><rpm:entry name="b" flags="GE" ver='1 &gt; 0'/></rpm:requires></format>
</package>
<package type="rpm"><checksum type="sha256" pkgid="YES">
 abcd </checksum><time file="1"/><size package="2"/><location href="b.rpm"/></package>
</metadata>
`;
const OTHER = `<?xml version="1.0" encoding="UTF-8"?>\n<otherdata xmlns="http://linux.duke.edu/metadata/other" packages="1">\n<package pkgid="00ff" name="a" arch="noarch"><changelog author="A &lt;a@b&gt;" date="1">- x</changelog></package>\n</otherdata>\n`;

async function* chunks(text: string | Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  const bytes = typeof text === 'string' ? enc.encode(text) : text;
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
}

async function scan(text: string | Uint8Array, primary: boolean, size = 7, limits = LIMITS): Promise<{ els: ScannedPackage[]; error?: unknown }> {
  const els: ScannedPackage[] = [];
  try {
    for await (const el of scanPackages(chunks(text, size), primary, limits)) els.push(el);
    return { els };
  } catch (error) {
    return { els, error };
  }
}

async function fullRaw(text: string): Promise<string[]> {
  const out: string[] = [];
  async function* one(): AsyncGenerator<string> { yield text; }
  for await (const el of packageElements(one(), { raw: true })) out.push(`${el.raw}\n`);
  return out;
}

describe('the --update byte scanner', () => {
  it.each([1, 7, 64, 1 << 16])('gives the full reader\'s elements verbatim, with the join\'s fields (chunks of %i bytes)', async (size) => {
    const { els, error } = await scan(PRIMARY, true, size);
    expect(error).toBeUndefined();
    expect(els.map((e) => dec.decode(e.bytes))).toEqual(await fullRaw(PRIMARY));
    expect(els.map(({ pkgid, href, size: s, time }) => ({ pkgid, href, size: s, time }))).toEqual([
      { pkgid: '00ff', href: 'a&b-1.0 é.rpm', size: '345', time: '12' },
      { pkgid: 'abcd', href: 'b.rpm', size: '2', time: '1' },
    ]);
    const other = await scan(OTHER, false, size);
    expect(other.error).toBeUndefined();
    expect(other.els.map((e) => [dec.decode(e.bytes), e.pkgid])).toEqual([[(await fullRaw(OTHER))[0], '00ff']]);
  });

  const inSecond = (inner: string): string => PRIMARY.replace('<time file="1"/>', `<time file="1"/>${inner}`);
  it.each([
    ['a comment', '<!-- x -->'],
    ['CDATA', '<x><![CDATA[y]]></x>'],
    ['a processing instruction', '<?pi x?>'],
    ['an attribute given twice', '<x a="1" a="2"/>'],
    ['attributes without space', '<x a="1"b="2"/>'],
    ['an unquoted attribute', '<x a=1/>'],
    ['< in an attribute', '<x a="<"/>'],
    ['an undeclared entity', '<x>&nbsp;</x>'],
    ['a bare &', '<x>a & b</x>'],
    ['a reference to a forbidden character', '<x>&#1;</x>'],
    ['a reference past Unicode', '<x>&#x110000;</x>'],
    ['a control character', '<x>\u0001</x>'],
    ['U+FFFF', '<x>\uffff</x>'],
    [']]> in text', '<x>]]></x>'],
    ['a mismatched end tag', '<x></y>'],
    ['a non-ASCII name', '<é/>'],
  ])('refuses %s, after the elements before it', async (_, inner) => {
    const { els, error } = await scan(inSecond(inner), true);
    expect(error).toBeInstanceOf(NotFast);
    expect(els).toHaveLength(1);
  });

  it('refuses invalid UTF-8 and overlong forms', async () => {
    for (const bad of [[0xff], [0xc0, 0xaf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xc3]]) {
      const [head, tail] = inSecond('<x>@</x>').split('@') as [string, string];
      const bytes = new Uint8Array([...enc.encode(head), ...bad, ...enc.encode(tail)]);
      const { els, error } = await scan(bytes, true);
      expect(error).toBeInstanceOf(NotFast);
      expect(els).toHaveLength(1);
    }
  });

  it('refuses a DOCTYPE, another XML declaration, other elements and a truncated document', async () => {
    for (const doc of [
      PRIMARY.replace('<metadata', '<!DOCTYPE metadata [<!ENTITY e "x">]><metadata'),
      PRIMARY.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"'),
      PRIMARY.replace('<package type="rpm"><checksum', '<other/><package type="rpm"><checksum'),
      PRIMARY.slice(0, PRIMARY.lastIndexOf('</package>')),
    ]) expect((await scan(doc, true)).error).toBeInstanceOf(NotFast);
  });

  it('holds its bounds: nesting depth, attributes per element, element size (counted in bytes buffered)', async () => {
    expect((await scan(inSecond('<x>'.repeat(70) + '</x>'.repeat(70)), true)).error).toBeInstanceOf(NotFast);
    const attrs = Array.from({ length: 300 }, (_, i) => `a${i}="1"`).join(' ');
    expect((await scan(inSecond(`<x ${attrs}/>`), true)).error).toBeInstanceOf(NotFast);
    // an endless element: the scan stops once it holds a little over the bound, never reads on
    let read = 0;
    async function* endless(): AsyncGenerator<Uint8Array> {
      const head = enc.encode('<metadata><package><name>');
      read += head.length;
      yield head;
      for (;;) {
        read += 4096;
        yield new Uint8Array(4096).fill(0x61);
      }
    }
    const limits = { ...LIMITS, maxElementBytes: 64 * 1024 };
    await expect((async () => { for await (const _ of scanPackages(endless(), true, limits)) void _; })()).rejects.toBeInstanceOf(NotFast);
    expect(read).toBeLessThan(3 * 64 * 1024);
  });
});
