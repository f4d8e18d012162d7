/**
 * An append-only list of XML fragments that stays in memory up to a budget and spills to a
 * file beyond it, so a repository of any size is generated with bounded memory. Fragments are
 * separated by NUL, which XML 1.0 text can never contain.
 */
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';

const SEP = '\0';

export class FragmentSpool {
  private memory: string[] = [];
  private memoryBytes = 0;
  private file: WriteStream | null = null;
  count = 0;

  constructor(
    private readonly path: string,
    private readonly budgetBytes = 4 * 1024 * 1024,
  ) {}

  async add(fragment: string): Promise<void> {
    this.count++;
    if (this.file === null && this.memoryBytes + fragment.length <= this.budgetBytes) {
      this.memory.push(fragment);
      this.memoryBytes += fragment.length;
      return;
    }
    if (this.file === null) {
      this.file = createWriteStream(this.path);
      for (const f of this.memory) await this.write(f + SEP);
      this.memory = [];
      this.memoryBytes = 0;
    }
    await this.write(fragment + SEP);
  }

  private async write(s: string): Promise<void> {
    if (!this.file!.write(s)) await once(this.file!, 'drain');
  }

  /** Yields the fragments in insertion order; call once, after the last `add`. */
  async *fragments(): AsyncGenerator<string> {
    if (this.file === null) {
      yield* this.memory;
      return;
    }
    this.file.end();
    await once(this.file, 'finish');
    let rest = '';
    for await (const chunk of createReadStream(this.path, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
      const parts = (rest + (chunk as string)).split(SEP);
      rest = parts.pop() ?? '';
      yield* parts;
    }
  }
}
