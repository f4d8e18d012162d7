// The tap that lets publish read a package while it streams into staging: the reader sees every
// chunk once, in order; the writer waits for the reader (never more than one chunk between them);
// a reader that stops early no longer holds the writer up; an error reaches the reader.
import { describe, expect, it } from 'vitest';
import { ByteTap } from '../../src/repo/byte-tap.js';

const chunk = (n: number): Uint8Array => new Uint8Array([n]);

describe('ByteTap', () => {
  it('hands every chunk to the reader in order, one at a time', async () => {
    const tap = new ByteTap();
    const seen: number[] = [];
    const reader = (async () => {
      for await (const c of tap) seen.push(c[0] as number);
    })();
    for (let i = 0; i < 5; i++) await tap.push(chunk(i));
    tap.end();
    await reader;
    expect(seen).toEqual([0, 1, 2, 3, 4]);
  });

  it('a push waits until the reader takes the chunk', async () => {
    const tap = new ByteTap();
    let taken = false;
    const pushed = tap.push(chunk(1)).then(() => (taken = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(taken).toBe(false); // nobody read yet: the writer is held
    const it = tap[Symbol.asyncIterator]();
    const first = await it.next();
    await pushed;
    expect(taken).toBe(true);
    expect(first.value).toEqual(chunk(1));
    tap.end();
    expect((await it.next()).done).toBe(true);
  });

  it('a reader that stops early releases the writer', async () => {
    const tap = new ByteTap();
    const reader = (async () => {
      for await (const c of tap) if (c[0] === 1) break;
    })();
    await tap.push(chunk(0));
    await tap.push(chunk(1));
    await reader;
    // no reader any more: pushes resolve at once
    await tap.push(chunk(2));
    await tap.push(chunk(3));
  });

  it('an error after some chunks reaches the reader once it has them', async () => {
    const tap = new ByteTap();
    const seen: number[] = [];
    const reader = (async () => {
      for await (const c of tap) seen.push(c[0] as number);
    })();
    await tap.push(chunk(7));
    const boom = new Error('body broke');
    tap.fail(boom);
    await expect(reader).rejects.toBe(boom);
    expect(seen).toEqual([7]);
  });
});
