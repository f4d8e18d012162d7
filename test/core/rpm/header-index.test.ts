// The header's tag index: rpm writes tags in ascending order (looked up by binary search), but a
// header with tags out of order is still a header, and a tag may appear only once either way.
import { describe, expect, it } from 'vitest';
import { RpmFormatError } from '../../../src/core/errors.js';
import { Header } from '../../../src/core/rpm/header.js';

const enc = new TextEncoder();

/** A v3 header (no region) with STRING entries in exactly the given order, data in that order. */
function rawHeader(entries: [tag: number, value: string][]): Uint8Array {
  const store: number[] = [];
  const index: number[][] = [];
  for (const [tag, value] of entries) {
    index.push([tag, 6, store.length, 1]);
    store.push(...enc.encode(`${value}\0`));
  }
  const out = new Uint8Array(16 + 16 * index.length + store.length);
  const dv = new DataView(out.buffer);
  out.set([0x8e, 0xad, 0xe8, 0x01], 0);
  dv.setUint32(8, index.length);
  dv.setUint32(12, store.length);
  index.forEach((e, i) => e.forEach((x, j) => dv.setUint32(16 + 16 * i + 4 * j, x)));
  out.set(store, 16 + 16 * index.length);
  return out;
}

const parse = (entries: [number, string][]) => new Header('main', rawHeader(entries), { required: false, full: false });

function code(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    expect(e).toBeInstanceOf(RpmFormatError);
    return (e as RpmFormatError).code;
  }
}

describe('header tag index', () => {
  it('finds every tag of a sorted header, and reports absent ones', () => {
    const entries: [number, string][] = Array.from({ length: 300 }, (_, i) => [1000 + 3 * i, `v${i}`]);
    const h = parse(entries);
    for (const [tag, value] of entries) expect(h.string(tag)).toBe(value);
    for (const tag of [999, 1001, 1002, 1000 + 3 * 300, 5000]) {
      expect(h.has(tag)).toBe(false);
      expect(h.string(tag)).toBeNull();
    }
  });

  it('reads a header whose tags are out of order', () => {
    const h = parse([[1004, 'summary'], [1000, 'name'], [1002, 'release'], [1001, 'version']]);
    expect([1000, 1001, 1002, 1004].map((t) => h.string(t))).toEqual(['name', 'version', 'release', 'summary']);
    expect(h.has(1003)).toBe(false);
  });

  it('refuses a tag that appears twice, next to each other or apart, sorted or not', () => {
    expect(code(() => parse([[1000, 'a'], [1000, 'b']]))).toBe('rpm.header.duplicate-tag');
    expect(code(() => parse([[1000, 'a'], [1004, 'b'], [1000, 'c']]))).toBe('rpm.header.duplicate-tag');
    expect(code(() => parse([[1004, 'a'], [1000, 'b'], [1002, 'c'], [1004, 'd']]))).toBe('rpm.header.duplicate-tag');
    expect(code(() => parse([[1000, 'a'], [1002, 'b'], [1004, 'c']]))).toBe('ok');
  });
});
