// The documentation points only at things in this repository and speaks to its users: every
// relative link and every repository path it names exists, and it names no work items, sessions
// or paths of the machine it was written on.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/tools.js';

const root = repoRoot();
const DOCS = [
  'README.md',
  ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`),
  ...['azure', 'cloudflare'].map((d) => `infra/${d}/README.md`).filter((f) => existsSync(join(root, f))),
];

/** Markdown link targets that are not URLs or in-page anchors, with their line numbers. */
function relativeLinks(text: string): { target: string; line: number }[] {
  const out: { target: string; line: number }[] = [];
  text.split('\n').forEach((l, i) => {
    for (const m of l.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = m[1]!;
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue;
      out.push({ target, line: i + 1 });
    }
  });
  return out;
}

/** Repository paths named in the text (src/…, test/…): generated `dist/…` output excluded. */
function namedPaths(text: string): string[] {
  return [...text.matchAll(/(?<![\w./-])((?:src|test|docs|infra|bench|bin|functions)\/[A-Za-z0-9_./-]*[A-Za-z0-9_-]\.(?:ts|md|js|mjs|json|jsonc|bicep|spec))\b/g)].map((m) => m[1]!);
}

const FORBIDDEN: [RegExp, string][] = [
  [/\.\.\/shared|\/work\//, 'a path of the machine the docs were written on'],
  [/\b(formats|style|platform|landscape)\.md\b|\bHELPERS\.md|\bTEAM\.md/, 'a file that is not in this repository'],
  [/\bissues? ?#?\d+|\(issue[:)]|\bwork items?\b|\bsessions?\b|\bwp-[a-z]+\b/i, 'a work item or a session'],
  [/\bdev VM\b|\bthis (machine|VM)\b/i, 'the machine the docs were written on'],
];

describe('documentation', () => {
  it.each(DOCS)('%s: every relative link resolves to a file or directory in the repository', (doc) => {
    const text = readFileSync(join(root, doc), 'utf8');
    const broken = relativeLinks(text)
      .map(({ target, line }) => ({ line, target, path: resolve(root, dirname(doc), decodeURIComponent(target.split('#')[0]!)) }))
      .filter(({ path }) => relative(root, path).startsWith('..') || !existsSync(path))
      .map(({ line, target }) => `${doc}:${line} → ${target}`);
    expect(broken).toEqual([]);
  });

  it.each(DOCS)('%s: every repository path it names exists', (doc) => {
    const text = readFileSync(join(root, doc), 'utf8');
    const missing = namedPaths(text).filter((p) => !existsSync(join(root, p)) && !existsSync(join(root, dirname(doc), p)));
    expect(missing).toEqual([]);
  });

  it.each(DOCS)('%s: speaks to users (no work items, sessions or machine paths)', (doc) => {
    const lines = readFileSync(join(root, doc), 'utf8').split('\n');
    const found = lines.flatMap((l, i) => FORBIDDEN.filter(([re]) => re.test(l)).map(([, what]) => `${doc}:${i + 1}: ${what}: ${l.trim()}`));
    expect(found).toEqual([]);
  });

  it('finds the links and paths it checks (the patterns are not dead)', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(relativeLinks(readme).length).toBeGreaterThan(5);
    expect(namedPaths('see src/cli/main.ts and `test/e2e/serve.test.ts`, not dist/src/cli/main.js')).toEqual(['src/cli/main.ts', 'test/e2e/serve.test.ts']);
    expect(FORBIDDEN.some(([re]) => re.test('as issue 10 asks'))).toBe(true);
  });
});
