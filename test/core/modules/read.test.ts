// modules.yaml read with a real YAML parser and checked as dnf's reader (libmodulemd) checks
// it: each refusal names the document and the field. Hostile streams are refused by counting:
// the read stops at the first alias, at the nesting bound, one document past the document bound.
import { describe, expect, it } from 'vitest';
import { checkModules, moduleDocuments } from '../../../src/core/modules/documents.js';
import { isModulesError, type ModulesError } from '../../../src/core/modules/errors.js';
import { nevraKey, parseNevra } from '../../../src/core/modules/nevra.js';
import { MODULES_LIMITS, yamlDocuments, type YamlStats } from '../../../src/core/modules/yaml-stream.js';
import { defaults, obsoletes, stream, translations } from './fixtures.js';

const refusal = (f: () => unknown): ModulesError => {
  try {
    f();
  } catch (e) {
    if (isModulesError(e)) return e;
    throw e;
  }
  throw new Error('not refused');
};
const stats = (): YamlStats => ({ offset: 0, documents: 0, depth: 0 });

describe('modules.yaml documents', () => {
  it('reads every kind of document; scalars stay strings (a 64-bit version, a zero context)', () => {
    const text = stream('nodejs', ['nodejs-1:12.22.1-1.module_el8+1234+abcdef01.x86_64', 'npm-1:6.14.12-1.12.22.1.1.module_el8+1234+abcdef01.x86_64', 'nodejs-1:12.22.1-1.module_el8+1234+abcdef01.src'], { arch: 'x86_64' }) +
      defaults('nodejs') + obsoletes('nodejs') + translations('nodejs');
    expect(checkModules(text)).toEqual({ modulemd: 1, defaults: 1, obsoletes: 1, translations: 1 });
    const [s, d] = [...moduleDocuments(text)];
    expect(s).toMatchObject({ kind: 'modulemd', index: 1, name: 'nodejs', stream: '1', version: '8030020201124131330', context: '00000000', arch: 'x86_64' });
    expect(s?.kind === 'modulemd' ? s.artifacts.map((a) => a.nevra) : []).toEqual([
      { name: 'nodejs', epoch: '1', version: '12.22.1', release: '1.module_el8+1234+abcdef01', arch: 'x86_64' },
      { name: 'npm', epoch: '1', version: '6.14.12', release: '1.12.22.1.1.module_el8+1234+abcdef01', arch: 'x86_64' },
      { name: 'nodejs', epoch: '1', version: '12.22.1', release: '1.module_el8+1234+abcdef01', arch: 'src' },
    ]);
    expect(d).toMatchObject({ kind: 'modulemd-defaults', index: 2, module: 'nodejs' });
    // each document keeps its own text
    expect(d?.text).toBe(defaults('nodejs'));
  });

  it('documents without markers, comments and a directive still come with a --- line each', () => {
    const docs = [...yamlDocuments('# head\na: 1\n---\nb: [x, {c: 00}]\n...\n%YAML 1.2\n---\nc: d')];
    expect(docs.map((d) => d.value)).toEqual([{ a: '1' }, { b: ['x', { c: '00' }] }, { c: 'd' }]);
    expect(docs.map((d) => d.text)).toEqual(['---\na: 1\n', '---\nb: [x, {c: 00}]\n...\n', '---\nc: d\n']);
  });

  it('NEVRAs: epoch mandatory, read from the end', () => {
    expect(parseNevra('python3-foo-bar-0:1.2-3.el8.noarch')).toEqual({ name: 'python3-foo-bar', epoch: '0', version: '1.2', release: '3.el8', arch: 'noarch' });
    for (const bad of ['foo-1.0-1.noarch', 'foo-0:1.0-1', 'foo-0:1.0.noarch', '-0:1-1.x86_64', 'foo-x:1-1.x86_64', 'foo-0:1-1.', 'a b-0:1-1.x86_64']) expect(parseNevra(bad), bad).toBeNull();
    expect(nevraKey({ name: 'foo', epoch: 0, version: '1', release: '2', arch: 'noarch' })).toBe('foo-0:1-2.noarch');
    expect(nevraKey({ name: 'foo', epoch: '007', version: '1', release: '2', arch: 'noarch' })).toBe('foo-7:1-2.noarch');
  });

  it.each([
    ['a document type dnf does not know', 'document: modulemd-foo\nversion: 1\ndata: {}\n', 1, 'document'],
    ['a packager document', 'document: modulemd-packager\nversion: 3\ndata: {name: x}\n', 1, 'document'],
    ['a modulemd version dnf does not read', 'document: modulemd\nversion: 3\ndata: {}\n', 1, 'version'],
    ['a version that is not a number', 'document: modulemd\nversion: two\ndata: {}\n', 1, 'version'],
    ['no data', 'document: modulemd-defaults\nversion: 1\n', 1, 'data'],
    ['a stream without context', defaults('x') + stream('y', []).replace(/ {2}context: .*\n/, ''), 2, 'data.context'],
    ['a stream without summary', stream('y', []).replace(/ {2}summary: .*\n/, ''), 1, 'data.summary'],
    ['a stream version past 64 bits', stream('y', [], { version: '18446744073709551616' }), 1, 'data.version'],
    ['a stream name that is a list', stream('y', []).replace('name: y', 'name: [y]'), 1, 'data.name'],
    ['an artifact that is no NEVRA', stream('y', ['y-0:1-1.noarch', 'y-1-1.noarch']), 1, 'data.artifacts.rpms[1]'],
    ['an empty module license', stream('y', []).replace(/ {4}module:\n {4}- MIT\n/, '    module: []\n'), 1, 'data.license.module'],
    ['obsoletes without message', obsoletes('y').replace(/ {2}message: .*\n/, ''), 1, 'data.message'],
    ['obsoletes with a bad time', obsoletes('y').replace('2026-01-02T03:04Z', '2026-01-02'), 1, 'data.modified'],
    ['defaults without module', defaults('y').replace(/ {2}module: .*\n/, ''), 1, 'data.module'],
    ['an empty document', `${defaults('y')}---\n`, 2, null],
    ['a document that is a list', '- a\n- b\n', 1, null],
  ])('refuses %s, naming the document and field', (_what, text, document, field) => {
    const e = refusal(() => checkModules(text));
    expect(e.code).toBe('invalid_modules');
    expect({ document: e.document, field: e.field }).toEqual({ document, field });
    expect(e.message).toContain(`document ${document}`);
    if (field !== null) expect(e.message).toContain(field);
  });

  it('refuses what is not YAML, duplicate keys, and a stream with no document', () => {
    expect(refusal(() => checkModules('a: [1, 2\nb: }\n')).message).toMatch(/^document 1 \(line \d+\)/);
    expect(refusal(() => checkModules(defaults('y').replace('  stream: "1"\n', '  stream: "1"\n  stream: "2"\n'))).message).toMatch(/unique/);
    expect(refusal(() => checkModules('# only a comment\n')).message).toBe('modules.yaml holds no YAML document');
  });

  it('an alias bomb is refused at its first alias, never expanded', () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    const bomb = `${lines.join('\n')}\n`;
    const s = stats();
    const e = refusal(() => [...yamlDocuments(bomb, {}, s)]);
    expect(e.message).toMatch(/aliases/);
    // stopped on the second line, where the first alias is
    expect(s.offset).toBeLessThanOrEqual(bomb.indexOf('*a') + 2);
    expect(s.offset).toBeLessThan(bomb.length / 4);
  });

  it.each([
    ['block sequences', '- '.repeat(500_000) + 'x\n'],
    ['flow sequences', '['.repeat(1_000_000)],
    ['flow mappings', '{a: '.repeat(250_000)],
    ['block mappings', Array.from({ length: 2000 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') + ' x\n'],
  ])('nesting of %s stops at the bound', (_what, text) => {
    const s = stats();
    const e = refusal(() => [...yamlDocuments(text, {}, s)]);
    expect(e.message).toContain(`nested deeper than ${MODULES_LIMITS.maxDepth} levels`);
    expect(s.depth).toBe(MODULES_LIMITS.maxDepth + 1);
    expect(s.offset).toBeLessThan(text.length / 20);
  });

  it('a stream of too many documents stops one past the bound', () => {
    const text = defaults('m').repeat(20_000);
    const s = stats();
    let yielded = 0;
    const e = refusal(() => {
      for (const d of moduleDocuments(text, { maxDocuments: 100 }, s)) void (d && yielded++);
    });
    expect(e.message).toBe('more than 100 YAML documents');
    expect(s.documents).toBe(101);
    expect(yielded).toBeLessThanOrEqual(100);
    expect(s.offset).toBeLessThanOrEqual(defaults('m').length * 102);
    expect(MODULES_LIMITS.maxDocuments).toBe(100_000);
  });
});
