// Comps pruned to kept packages: packagereqs of dropped packages go, a group left empty goes,
// categories and environments lose the groups that went (and go when empty); text is escaped.
import { describe, expect, it } from 'vitest';
import { pruneComps } from '../../../src/core/repodata/comps-prune.js';
import { readComps } from '../../../src/core/repodata/read/comps.js';

const COMPS = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE-free-comment-->
<comps>
  <group>
    <id>web</id><name>Web &amp; more</name><name xml:lang="de">Netz</name>
    <packagelist>
      <packagereq type="mandatory">foo</packagereq>
      <packagereq type="default">baz</packagereq>
    </packagelist>
  </group>
  <group>
    <id>gone</id><name>Gone</name>
    <packagelist><packagereq>baz</packagereq></packagelist>
  </group>
  <category><id>servers</id><grouplist><groupid>web</groupid><groupid>gone</groupid></grouplist></category>
  <category><id>empty</id><grouplist><groupid>gone</groupid></grouplist></category>
  <environment><id>env</id><grouplist><groupid>gone</groupid></grouplist><optionlist><groupid>web</groupid></optionlist></environment>
</comps>`.replace('<!DOCTYPE-free-comment-->', '<!-- a comment -->');

describe('pruneComps', () => {
  it('keeps only kept packages and the groups, categories and environments left with something', () => {
    const out = pruneComps(COMPS, new Set(['foo', 'bar']));
    expect(out).not.toBeNull();
    const summary = readComps(out!);
    expect(summary).toEqual({ groups: ['web'], categories: ['servers'], environments: ['env'], packages: ['foo'] });
    expect(out).toContain('<name>Web &amp; more</name>');
    expect(out).toContain('<name xml:lang="de">Netz</name>');
    expect(out).toContain('<packagereq type="mandatory">foo</packagereq>');
    expect(out).not.toContain('gone');
  });

  it('is null when no group keeps a package', () => {
    expect(pruneComps(COMPS, new Set(['other']))).toBeNull();
  });

  it('refuses what is not comps', () => {
    expect(() => pruneComps('<updates/>', new Set())).toThrow(/comps/);
  });
});
