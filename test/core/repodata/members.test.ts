// Member maps: the wire form round-trips; every defect a hostile map can have is refused with
// bounded work; a delta plan copies what the old file has, fetches the rest in merged runs, and
// resumes from any offset.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MEMBER_MAP_LIMITS, describedFiles, encodeMemberMap, fileMembers, isMemberMapName, memberMapName, MemberMapError, parseMemberMap, piecesFrom, planDelta, worthRanges,
} from '../../../src/core/repodata/members.js';

const enc = (doc: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(doc));
const file = (members: unknown[], extra: Record<string, unknown> = {}): unknown => ({ href: 'repodata/a-primary.xml.gz', type: 'primary', size: 10, members, ...extra });
const map = (files: unknown[]): Uint8Array => enc({ format: 'berth-members-1', files });
const id = (c: string): string => c.repeat(32);

describe('member map wire form', () => {
  it('round-trips, offsets following the sizes', () => {
    const f = fileMembers('repodata/x-primary.xml.gz', 'primary', [{ size: 3, id: id('a') }, { size: 7, id: id('b') }]);
    expect(f.members.map((m) => m.offset)).toEqual([0, 3]);
    expect(f.size).toBe(10);
    expect(parseMemberMap(encodeMemberMap([f]))).toEqual([f]);
  });

  it('is named by the sha256 of its repomd.xml, and nothing else', () => {
    expect(memberMapName('a'.repeat(64))).toBe(`${'a'.repeat(64)}-members.json`);
    expect(isMemberMapName(`${'a'.repeat(64)}-members.json`)).toBe(true);
    expect(() => memberMapName('../x')).toThrow(MemberMapError);
  });

  it.each([
    ['not JSON', new TextEncoder().encode('{"format":')],
    ['not UTF-8', new Uint8Array([0x7b, 0xff, 0x7d])],
    ['another format', enc({ format: 'other', files: [] })],
    ['a member that is not a triple', map([file([[0, 10]])])],
    ['a zero-size member', map([file([[0, 0, id('a')], [0, 10, id('b')]])])],
    ['a gap between members', map([file([[0, 4, id('a')], [5, 5, id('b')]])])],
    ['members that do not add up', map([file([[0, 4, id('a')]])])],
    ['a negative or fractional number', map([file([[0, 4.5, id('a')], [4.5, 5.5, id('b')]])])],
    ['an id that is not hex', map([file([[0, 10, 'zz'.repeat(16)]])])],
    ['an href outside the character set', map([file([[0, 10, id('a')]], { href: 'repodata/a b' })])],
    ['no type', map([file([[0, 10, id('a')]], { type: undefined })])],
    ['a file named twice', map([file([[0, 10, id('a')]]), file([[0, 10, id('a')]], { type: 'other' })])],
  ])('refuses %s', (_what, bytes) => {
    expect(() => parseMemberMap(bytes)).toThrow(MemberMapError);
  });

  it('bounds the files and members it accepts', () => {
    const limits = { maxFiles: 2, maxMembers: 3 };
    const many = Array.from({ length: 4 }, (_, i) => [i, 1, id('a')]);
    expect(() => parseMemberMap(map([file(many, { size: 4 })]), limits)).toThrow(/more than 3 members/);
    const files = ['a', 'b', 'c'].map((t) => file([[0, 10, id('a')]], { href: `repodata/${t}`, type: t }));
    expect(() => parseMemberMap(map(files), limits)).toThrow(/more than 2 files/);
    expect(DEFAULT_MEMBER_MAP_LIMITS.maxMembers).toBeGreaterThan(0);
  });
});

describe('delta plans', () => {
  const old = fileMembers('repodata/o', 'primary', [{ size: 5, id: id('h') }, { size: 10, id: id('a') }, { size: 20, id: id('b') }, { size: 30, id: id('c') }]);

  it('copies the members the old file has, fetches the others, one range per run of changed members', () => {
    const next = fileMembers('repodata/n', 'primary', [{ size: 6, id: id('i') }, { size: 10, id: id('a') }, { size: 25, id: id('d') }, { size: 4, id: id('e') }, { size: 30, id: id('c') }]);
    const plan = planDelta(old, next);
    expect(plan.pieces).toEqual([
      { source: 'new', start: 0, length: 6, at: 0 },
      { source: 'old', start: 5, length: 10, at: 6 },
      { source: 'new', start: 16, length: 29, at: 16 },
      { source: 'old', start: 35, length: 30, at: 45 },
    ]);
    expect(plan).toMatchObject({ fetchBytes: 35, ranges: 2, copyBytes: 40 });
  });

  it('merges neighbouring copies that are neighbours in the old file too', () => {
    const next = fileMembers('repodata/n', 'primary', [{ size: 10, id: id('a') }, { size: 20, id: id('b') }]);
    expect(planDelta(old, next).pieces).toEqual([{ source: 'old', start: 5, length: 30, at: 0 }]);
  });

  it('never copies a member whose size differs from the one with its id', () => {
    const next = fileMembers('repodata/n', 'primary', [{ size: 11, id: id('a') }]);
    expect(planDelta(old, next).pieces).toEqual([{ source: 'new', start: 0, length: 11, at: 0 }]);
  });

  it('resumes from any offset of the new file', () => {
    const next = fileMembers('repodata/n', 'primary', [{ size: 6, id: id('i') }, { size: 10, id: id('a') }, { size: 4, id: id('e') }]);
    const { pieces } = planDelta(old, next);
    expect(piecesFrom(pieces, 0)).toEqual(pieces);
    expect(piecesFrom(pieces, 9)).toEqual([{ source: 'old', start: 8, length: 7, at: 9 }, { source: 'new', start: 16, length: 4, at: 16 }]);
    expect(piecesFrom(pieces, 20)).toEqual([]);
  });

  it('is not worth ranges when most of the file changed or it takes too many requests', () => {
    expect(worthRanges({ pieces: [], fetchBytes: 10, ranges: 1, copyBytes: 90 }, 100)).toBe(true);
    expect(worthRanges({ pieces: [], fetchBytes: 50, ranges: 1, copyBytes: 50 }, 100)).toBe(false);
    expect(worthRanges({ pieces: [], fetchBytes: 10, ranges: 65, copyBytes: 90 }, 100)).toBe(false);
  });
});

describe('files a map describes for a repomd.xml', () => {
  it('are the ones with the same href, type and size as a record, by type', () => {
    const ok = fileMembers('repodata/a-primary.xml.gz', 'primary', [{ size: 10, id: id('a') }]);
    const otherSize = fileMembers('repodata/b-filelists.xml.gz', 'filelists', [{ size: 5, id: id('b') }]);
    const otherType = fileMembers('repodata/c-other.xml.gz', 'updateinfo', [{ size: 7, id: id('c') }]);
    const unlisted = fileMembers('repodata/d-modules.yaml.gz', 'modules', [{ size: 3, id: id('d') }]);
    const records = [
      { type: 'primary', href: 'repodata/a-primary.xml.gz', size: 10 },
      { type: 'filelists', href: 'repodata/b-filelists.xml.gz', size: 6 },
      { type: 'other', href: 'repodata/c-other.xml.gz', size: 7 },
      { type: 'group', href: 'repodata/e-comps.xml', size: null },
    ];
    expect(describedFiles([ok, otherSize, otherType, unlisted], records)).toEqual(new Map([['primary', ok]]));
  });
});
