/**
 * The import graph of src/ and functions/: no cycles between files, and every relative import
 * runs down the layers eslint.config.js lists (eslint enforces it too; this test keeps the two
 * from drifting and catches cycles, which eslint does not).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
// the same list eslint enforces (a .js config file, so imported untyped)
const { LAYERS } = (await import(join(ROOT, 'eslint.config.js'))) as { LAYERS: string[] };

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

/** Relative imports (static `import … from`, `export … from`, `import '…'`), as repo paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'|^import\s+'(\.[^']+)'/gms)) {
    const spec = (m[1] ?? m[2]) as string;
    out.push(relative(ROOT, resolve(ROOT, dirname(file), spec)).replace(/\.js$/, '.ts'));
  }
  return out;
}

const files = [...sources('src'), ...sources('functions')];
const graph = new Map(files.map((f) => [f, importsOf(f).filter((t) => t.startsWith('src/') || t.startsWith('functions/'))]));

describe('import structure', () => {
  it('every relative import names a file that exists', () => {
    const missing = [...graph].flatMap(([f, ts]) => ts.filter((t) => !graph.has(t)).map((t) => `${f} -> ${t}`));
    expect(missing).toEqual([]);
  });

  it('has no import cycle', () => {
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (f: string, path: string[]): void => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') {
        cycles.push([...path.slice(path.indexOf(f)), f].join(' -> '));
        return;
      }
      state.set(f, 'open');
      for (const t of graph.get(f) ?? []) visit(t, [...path, f]);
      state.set(f, 'done');
    };
    for (const f of graph.keys()) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it('imports run down the layers', () => {
    const layerOf = (f: string): number => (f.startsWith('src/') ? LAYERS.indexOf(f.split('/')[1] as string) : LAYERS.length);
    const upward = [...graph].flatMap(([f, ts]) => ts.filter((t) => layerOf(t) > layerOf(f)).map((t) => `${f} -> ${t}`));
    expect(upward).toEqual([]);
  });

  it('finds the imports it checks (the parser is not blind)', () => {
    expect(graph.get('src/repo/publish.ts')).toContain('src/repo/index-store.ts');
    expect([...graph.values()].reduce((n, ts) => n + ts.length, 0)).toBeGreaterThan(300);
  });
});
