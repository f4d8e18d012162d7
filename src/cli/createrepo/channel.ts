/**
 * A bounded single-consumer queue between a producer loop and an async-iterating consumer:
 * `push` waits while `limit` items are unconsumed, so memory stays bounded; `close` ends the
 * iteration after the queued items. An item's `done` callback runs once the consumer is through
 * with it (it asks for the next item, or stops): its memory may then be reused.
 */
export class Channel<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private readonly dones: ((() => void) | undefined)[] = [];
  private closed = false;
  private wakeConsumer: (() => void) | null = null;
  private wakeProducer: (() => void) | null = null;

  constructor(private readonly limit: number) {}

  async push(item: T, done?: () => void): Promise<void> {
    if (this.closed) return;
    while (this.items.length >= this.limit && !this.closed) {
      await new Promise<void>((resolve) => (this.wakeProducer = resolve));
    }
    if (this.closed) return;
    this.items.push(item);
    this.dones.push(done);
    this.wakeConsumer?.();
  }

  /** Ends the stream; items pushed afterwards are dropped. */
  close(): void {
    this.closed = true;
    this.wakeConsumer?.();
    this.wakeProducer?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for (;;) {
      if (this.items.length > 0) {
        const item = this.items.shift()!;
        const done = this.dones.shift();
        this.wakeProducer?.();
        try {
          yield item;
        } finally {
          done?.();
        }
      } else if (this.closed) {
        return;
      } else {
        await new Promise<void>((resolve) => (this.wakeConsumer = resolve));
        this.wakeConsumer = null;
      }
    }
  }
}
