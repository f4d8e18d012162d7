import { describe, expect, it } from 'vitest';
import { decodeXml, packageElements } from '../../../src/core/repodata/package-elements.js';

async function* chunks(text: string, size: number): AsyncGenerator<string> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

async function all(texts: AsyncIterable<string>, close?: string): Promise<string[]> {
  const out: string[] = [];
  for await (const el of packageElements(texts, close)) out.push(el);
  return out;
}

const doc = [
  '<?xml version="1.0" encoding="UTF-8"?>',
  '<metadata xmlns="http://linux.duke.edu/metadata/common" packages="3">',
  '<package type="rpm"><name>a</name><summary>1 &lt; 2</summary></package>',
  '<package pkgid="ff" name="b" arch="noarch">\n  <file>/x</file>\n</package>',
  '<package>\n<name>c</name>\n</package>',
  '</metadata>',
  '',
].join('\n');
const expected = [
  '<package type="rpm"><name>a</name><summary>1 &lt; 2</summary></package>',
  '<package pkgid="ff" name="b" arch="noarch">\n  <file>/x</file>\n</package>',
  '<package>\n<name>c</name>\n</package>',
];

describe('packageElements', () => {
  it('yields every element in order whatever the chunking, never the <packages attribute of the root', async () => {
    for (const size of [1, 3, 7, 16, 64, doc.length]) expect(await all(chunks(doc, size)), `chunks of ${size}`).toEqual(expected);
  });

  it('with close `</package>\\n` keeps the line break after each element', async () => {
    for (const size of [1, 5, doc.length]) expect(await all(chunks(doc, size), '</package>\n')).toEqual(expected.map((e) => `${e}\n`));
  });

  it('drops an unterminated trailing element and yields nothing from a document without packages', async () => {
    expect(await all(chunks(`${expected[0]}\n<package type="rpm"><name>cut`, 4))).toEqual([expected[0]]);
    expect(await all(chunks('<metadata packages="0">\n</metadata>\n', 2))).toEqual([]);
  });
});

describe('decodeXml', () => {
  it('decodes the predefined entities and decimal and hex character references', () => {
    expect(decodeXml('a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos; &#233;&#xE9;&#x1F600;')).toBe('a & b <c> "d" \'e\' éé😀');
  });

  it('leaves unknown entities and bare ampersands as they are', () => {
    expect(decodeXml('&nbsp; & &amp')).toBe('&nbsp; & &amp');
  });
});
