// The channel between the package readers and the file writers tells the producer when the
// consumer is through with an item: only then may the item's memory (a batch buffer) be reused.
import { describe, expect, it } from 'vitest';
import { Channel } from '../../src/cli/createrepo/channel.js';

describe('Channel', () => {
  it("runs an item's done callback only once the consumer asks for the next item", async () => {
    const ch = new Channel<number>(2);
    const done: number[] = [];
    await ch.push(1, () => done.push(1));
    await ch.push(2, () => done.push(2));
    ch.close();
    const it = ch[Symbol.asyncIterator]();
    expect((await it.next()).value).toBe(1);
    expect(done).toEqual([]); // the consumer still holds item 1
    expect((await it.next()).value).toBe(2);
    expect(done).toEqual([1]);
    expect((await it.next()).done).toBe(true);
    expect(done).toEqual([1, 2]);
  });

  it('runs the done callback of the item held when the consumer stops early', async () => {
    const ch = new Channel<number>(2);
    const done: number[] = [];
    await ch.push(1, () => done.push(1));
    await ch.push(2, () => done.push(2));
    for await (const x of ch) {
      expect(x).toBe(1);
      break;
    }
    expect(done).toEqual([1]);
  });
});
