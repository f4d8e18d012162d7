// One table of createrepo's options (src/cli/createrepo/options.ts): the command parses with it,
// and the I/O thread's early start reads from it which arguments are values, not DIR.
import { describe, expect, it } from 'vitest';
import { CREATEREPO_OPTIONS, valuedOptionNames } from '../../src/cli/createrepo/options.js';

describe('valuedOptionNames', () => {
  it('names every option that takes a value, long and short, and no flag', () => {
    const valued = valuedOptionNames(CREATEREPO_OPTIONS);
    expect([...valued].sort()).toEqual(
      ['--changelog-limit', '--checksum', '--compress', '--general-compress-type', '--groupfile', '--revision', '--workers', '-g', '-s'].sort(),
    );
  });

  it('follows the table: a new valued option is a value at once', () => {
    const valued = valuedOptionNames({ ...CREATEREPO_OPTIONS, 'new-option': { type: 'string', short: 'n' }, flag: { type: 'boolean', short: 'f' } });
    expect(valued.has('--new-option')).toBe(true);
    expect(valued.has('-n')).toBe(true);
    expect(valued.has('--flag')).toBe(false);
    expect(valued.has('-f')).toBe(false);
  });
});
