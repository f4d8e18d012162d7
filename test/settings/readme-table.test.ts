// The README's settings table is generated from the schema (src/settings/table.ts): this fails
// when the two disagree. BERTH_UPDATE_DOCS=1 rewrites the table in README.md instead.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { settingsTable } from '../../src/settings/table.js';
import { repoRoot } from '../helpers/tools.js';

const BEGIN = '<!-- settings table: generated from src/settings/schema.ts (test/settings/readme-table.test.ts) -->';
const END = '<!-- end of settings table -->';

describe('README settings table', () => {
  it('is the table the schema generates', () => {
    const path = join(repoRoot(), 'README.md');
    const readme = readFileSync(path, 'utf8');
    const start = readme.indexOf(BEGIN);
    const end = readme.indexOf(END);
    expect(start, 'README.md has the settings table markers').toBeGreaterThan(0);
    expect(end).toBeGreaterThan(start);
    const current = readme.slice(start + BEGIN.length, end).trim();
    const wanted = settingsTable();
    if (current !== wanted && process.env['BERTH_UPDATE_DOCS'] === '1') {
      writeFileSync(path, `${readme.slice(0, start + BEGIN.length)}\n${wanted}\n${readme.slice(end)}`);
      return;
    }
    expect(current, 'README.md settings table is stale: run BERTH_UPDATE_DOCS=1 npx vitest run test/settings/readme-table.test.ts').toBe(wanted);
  });
});
