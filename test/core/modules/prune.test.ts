// modules.yaml pruned to the packages a filtered mirror keeps: a module stream stays only whole
// (every artifact that counts kept), the packages only dropped streams name are reported as
// orphaned, defaults/obsoletes/translations follow their module, kept documents are written
// back as they were, and the result reads again.
import { describe, expect, it } from 'vitest';
import { moduleDocuments } from '../../../src/core/modules/documents.js';
import { nsvca, pruneModules, type PruneOptions } from '../../../src/core/modules/prune.js';
import { yamlDocuments } from '../../../src/core/modules/yaml-stream.js';
import { defaults, obsoletes, stream, translations } from './fixtures.js';

const UP = stream('keep', ['a-0:1-1.x86_64', 'a-0:1-1.src', 'shared-0:1-1.noarch']) +
  defaults('keep') +
  stream('gone', ['b-0:1-1.x86_64', 'c-0:1-1.x86_64', 'shared-0:1-1.noarch'], { context: 'c0ffee42' }) +
  defaults('gone') + obsoletes('gone') + translations('keep') + translations('gone') +
  stream('multi', ['m-0:1-1.x86_64', 'm-0:1-1.i686'], { context: 'deadbeef' });

// upstream holds every binary artifact, no source package
const HELD = new Set(['a-0:1-1.x86_64', 'shared-0:1-1.noarch', 'b-0:1-1.x86_64', 'c-0:1-1.x86_64', 'm-0:1-1.x86_64', 'm-0:1-1.i686']);
const opts = (kept: string[], arches: string[] = []): PruneOptions => ({
  kept: (k) => kept.includes(k),
  considered: (k, n) => HELD.has(k) && (arches.length === 0 || [...arches, 'noarch'].includes(n.arch)),
});

describe('pruneModules', () => {
  it('keeps whole streams and what belongs to their modules; the packages only dropped streams name are orphaned', () => {
    const docs = [...moduleDocuments(UP)];
    // c is not kept: "gone" is partly dropped, so it goes whole; b only it names; shared is kept by "keep"
    const p = pruneModules(docs, opts(['a-0:1-1.x86_64', 'shared-0:1-1.noarch', 'b-0:1-1.x86_64', 'm-0:1-1.x86_64', 'm-0:1-1.i686']));
    expect(p.kept.map(nsvca)).toEqual(['keep:1:8030020201124131330:00000000:noarch', 'multi:1:8030020201124131330:deadbeef:noarch']);
    expect(p.dropped.map((s) => s.name)).toEqual(['gone']);
    expect([...p.orphaned].sort()).toEqual(['b-0:1-1.x86_64', 'c-0:1-1.x86_64']);
    // the kept documents, as they were, in their order
    expect(p.text).toBe(stream('keep', ['a-0:1-1.x86_64', 'a-0:1-1.src', 'shared-0:1-1.noarch']) + defaults('keep') + translations('keep') +
      stream('multi', ['m-0:1-1.x86_64', 'm-0:1-1.i686'], { context: 'deadbeef' }));
    const again = [...moduleDocuments(p.text!)];
    expect(again.map((d) => (d.kind === 'modulemd' ? d.name : `${d.kind} ${d.module}`))).toEqual(['keep', 'modulemd-defaults keep', 'modulemd-translations keep', 'multi']);
  });

  it('an artifact of an arch the mirror does not keep does not count; one upstream lacks never counts', () => {
    const docs = [...moduleDocuments(UP)];
    const p = pruneModules(docs, opts(['a-0:1-1.x86_64', 'shared-0:1-1.noarch', 'm-0:1-1.x86_64'], ['x86_64']));
    expect(p.kept.map((s) => s.name)).toEqual(['keep', 'multi']);
    // without the arch list the i686 package counts, and multi goes with its x86_64 package
    const all = pruneModules(docs, opts(['a-0:1-1.x86_64', 'shared-0:1-1.noarch', 'm-0:1-1.x86_64']));
    expect(all.kept.map((s) => s.name)).toEqual(['keep']);
    expect([...all.orphaned].sort()).toEqual(['b-0:1-1.x86_64', 'c-0:1-1.x86_64', 'm-0:1-1.i686', 'm-0:1-1.x86_64']);
  });

  it('no stream left: no document at all, defaults and obsoletes included', () => {
    const p = pruneModules([...moduleDocuments(UP)], opts([]));
    expect(p.text).toBeNull();
    expect(p.kept).toEqual([]);
    expect(p.dropped).toHaveLength(3);
  });

  it('writes a closing ... when the last kept document has none, and reads back the same values', () => {
    const text = 'document: modulemd-defaults\nversion: 1\ndata: {module: x}\n' + stream('x', ['x-0:1-1.noarch']).replace(/\.\.\.\n$/, '');
    const p = pruneModules([...moduleDocuments(text)], { kept: () => true, considered: () => true });
    expect(p.text?.endsWith('...\n')).toBe(true);
    expect(p.text?.startsWith('---\ndocument: modulemd-defaults\n')).toBe(true);
    expect([...yamlDocuments(p.text!)].map((d) => d.value)).toEqual([...yamlDocuments(text)].map((d) => d.value));
  });
});
