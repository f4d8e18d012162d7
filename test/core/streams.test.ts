import { describe, expect, it } from 'vitest';
import { concatStreams, fillExactly, type StreamPart } from '../../src/core/streams.js';

const bytes = (...xs: number[]) => new Uint8Array(xs);

/** A stream of the given chunks that records how far it was read and whether it was cancelled. */
function source(chunks: Uint8Array[], log: string[], name: string, failAt = -1): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (i === failAt) throw new Error(`${name} broke`);
      const next = chunks[i++];
      log.push(`${name}.read`);
      if (next) c.enqueue(next);
      else c.close();
    },
    cancel() {
      log.push(`${name}.cancel`);
    },
  }, { highWaterMark: 0 });
}

async function readAll(s: ReadableStream<Uint8Array>): Promise<number[]> {
  const out: number[] = [];
  const reader = s.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) out.push(...r.value);
  return out;
}

describe('concatStreams', () => {
  it('yields every part in order, sync and async parts alike, and ends after the last', async () => {
    const log: string[] = [];
    const parts: StreamPart[] = [
      () => source([bytes(1, 2), bytes(3)], log, 'a'),
      async () => source([], log, 'empty'),
      async () => source([bytes(4)], log, 'b'),
    ];
    expect(await readAll(concatStreams(parts))).toEqual([1, 2, 3, 4]);
  });

  it('opens a part only when the one before has ended (one open reader at a time)', async () => {
    const opened: string[] = [];
    const log: string[] = [];
    const part = (name: string, chunks: Uint8Array[]): StreamPart => () => {
      opened.push(name);
      return source(chunks, log, name);
    };
    const reader = concatStreams([part('a', [bytes(1), bytes(2)]), part('b', [bytes(3)])]).getReader();
    expect(opened).toEqual([]); // nothing opened before the first read
    expect((await reader.read()).value).toEqual(bytes(1));
    expect(opened).toEqual(['a']);
    expect((await reader.read()).value).toEqual(bytes(2));
    expect(opened).toEqual(['a']); // a has not ended yet: b stays closed
    expect((await reader.read()).value).toEqual(bytes(3));
    expect(opened).toEqual(['a', 'b']);
    expect((await reader.read()).done).toBe(true);
  });

  it('errors the whole stream when a part fails, and opens nothing after it', async () => {
    const opened: string[] = [];
    const log: string[] = [];
    const parts: StreamPart[] = [
      () => { opened.push('a'); return source([bytes(1), bytes(2)], log, 'a', 1); },
      () => { opened.push('b'); return source([bytes(3)], log, 'b'); },
    ];
    await expect(readAll(concatStreams(parts))).rejects.toThrow('a broke');
    expect(opened).toEqual(['a']);
  });

  it('errors when a part cannot be opened', async () => {
    const parts: StreamPart[] = [() => source([bytes(1)], [], 'a'), () => Promise.reject(new Error('gone'))];
    await expect(readAll(concatStreams(parts))).rejects.toThrow('gone');
  });

  it('cancelling cancels the part being read and opens no more', async () => {
    const opened: string[] = [];
    const log: string[] = [];
    const parts: StreamPart[] = [
      () => { opened.push('a'); return source([bytes(1), bytes(2)], log, 'a'); },
      () => { opened.push('b'); return source([bytes(3)], log, 'b'); },
    ];
    const reader = concatStreams(parts).getReader();
    await reader.read();
    await reader.cancel('enough');
    expect(log).toContain('a.cancel');
    expect(opened).toEqual(['a']);
  });
});

describe('fillExactly', () => {
  it('fills a buffer from a stream of exactly its length', async () => {
    const out = new Uint8Array(3);
    expect(await fillExactly(source([bytes(1), bytes(2, 3)], [], 's'), out)).toBe(true);
    expect([...out]).toEqual([1, 2, 3]);
  });

  it('says no for a short stream, and for a long one stops reading and cancels it', async () => {
    expect(await fillExactly(source([bytes(1)], [], 's'), new Uint8Array(2))).toBe(false);
    const log: string[] = [];
    expect(await fillExactly(source([bytes(1, 2), bytes(3, 4), bytes(5)], log, 'long'), new Uint8Array(3))).toBe(false);
    expect(log).toEqual(['long.read', 'long.read', 'long.cancel']);
  });
});
