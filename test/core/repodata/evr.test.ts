import { describe, expect, it } from 'vitest';
import { flagName, parseEvr, rpmvercmp } from '../../../src/core/repodata/evr.js';

describe('parseEvr', () => {
  it('splits [E:]V[-R] like cr_str_to_evr', () => {
    expect(parseEvr('')).toBeNull();
    expect(parseEvr('1.0')).toEqual({ epoch: '0', ver: '1.0', rel: '' });
    expect(parseEvr('3:1.0-2.fc40')).toEqual({ epoch: '3', ver: '1.0', rel: '2.fc40' });
    expect(parseEvr(':1.0')).toEqual({ epoch: '0', ver: '1.0', rel: '' });
    expect(parseEvr('1.0-')).toEqual({ epoch: '0', ver: '1.0', rel: '' });
    expect(parseEvr('-1:2')).toEqual({ epoch: '-1', ver: '2', rel: '' });
    expect(parseEvr('a:1')).toBe('bad-epoch');
    expect(parseEvr('1a:1')).toBe('bad-epoch');
    expect(parseEvr(' :1')).toBe('bad-epoch');
  });

  it('names only the five sense combinations', () => {
    expect([0, 2, 4, 6, 8, 10, 12, 14, 0x10000008].map(flagName)).toEqual([null, 'LT', 'GT', null, 'EQ', 'LE', 'GE', null, 'EQ']);
  });
});

describe('rpmvercmp', () => {
  const cases: [string, string, number][] = [
    ['1.0', '1.0', 0],
    ['1.0', '2.0', -1],
    ['2.10', '2.9', 1],
    ['1.05', '1.5', 0],
    ['1.0a', '1.0', 1],
    ['1.0~rc1', '1.0', -1],
    ['1.0^git1', '1.0', 1],
    ['1.0^git1', '1.0.1', -1],
    ['a', '1', -1],
    ['2.3', '2.17', -1],
    ['1_0', '1.0', 0],
  ];
  it.each(cases)('%s vs %s', (a, b, r) => {
    expect(rpmvercmp(a, b)).toBe(r);
    expect(rpmvercmp(b, a)).toBe(r === 0 ? 0 : -r);
  });
});
