/**
 * A bounded single-consumer queue between a producer loop and an async-iterating consumer:
 * `push` waits while `limit` items are unconsumed, so memory stays bounded; `close` ends the
 * iteration after the queued items.
 */
export class Channel<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private closed = false;
  private wakeConsumer: (() => void) | null = null;
  private wakeProducer: (() => void) | null = null;

  constructor(private readonly limit: number) {}

  async push(item: T): Promise<void> {
    if (this.closed) return;
    while (this.items.length >= this.limit && !this.closed) {
      await new Promise<void>((resolve) => (this.wakeProducer = resolve));
    }
    if (this.closed) return;
    this.items.push(item);
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
        this.wakeProducer?.();
        yield item;
      } else if (this.closed) {
        return;
      } else {
        await new Promise<void>((resolve) => (this.wakeConsumer = resolve));
        this.wakeConsumer = null;
      }
    }
  }
}
