import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { filelistsFragment } from '../../../src/core/repodata/filelists.js';
import { fragments, isExcluded } from '../../../src/core/repodata/fragments.js';
import { otherFragment } from '../../../src/core/repodata/other.js';
import { primaryFragment } from '../../../src/core/repodata/primary.js';
import { xmlFooter, xmlHeader } from '../../../src/core/repodata/xml-file.js';
import { helloNoarch, helloSrc } from './hello-demo.fixture.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const xmlDir = path.join(repoRoot, '..', 'shared', 'docs', 'example', 'xml');
const present = existsSync(xmlDir);

/** The `<package>` elements of a createrepo_c file, each with its trailing newline. */
function packagesOf(file: string): string[] {
  const xml = readFileSync(path.join(xmlDir, file), 'utf8');
  return xml.match(/<package[ >][\s\S]*?<\/package>\n/g) ?? [];
}

describe.skipIf(!present)('hello-demo fragments vs createrepo_c 0.17.3 (shared/docs/example/xml)', () => {
  it('primary.xml packages are byte-identical', () => {
    const [noarch, src] = packagesOf('primary.xml');
    expect(primaryFragment(helloNoarch)).toBe(noarch);
    expect(primaryFragment(helloSrc)).toBe(src);
  });

  it('filelists.xml packages are byte-identical', () => {
    const [noarch, src] = packagesOf('filelists.xml');
    expect(filelistsFragment(helloNoarch)).toBe(noarch);
    expect(filelistsFragment(helloSrc)).toBe(src);
  });

  it('other.xml packages are byte-identical', () => {
    const [noarch, src] = packagesOf('other.xml');
    expect(otherFragment(helloNoarch, { changelogLimit: 10 })).toBe(noarch);
    expect(otherFragment(helloSrc)).toBe(src);
  });

  it('header + fragments + footer reproduce the whole files', () => {
    const parts = [fragments(helloNoarch), fragments(helloSrc)];
    const ok = parts.map((p) => {
      if (isExcluded(p)) throw new Error(p.excluded.message);
      return p;
    });
    for (const kind of ['primary', 'filelists', 'other'] as const) {
      const whole = xmlHeader(kind, 2) + ok.map((p) => p[kind]).join('') + xmlFooter(kind);
      expect(whole).toBe(readFileSync(path.join(xmlDir, `${kind}.xml`), 'utf8'));
    }
  });
});
