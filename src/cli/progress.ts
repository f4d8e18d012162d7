/** A one-line progress counter on a TTY (stderr); silent when stderr is not a terminal. */
export interface Progress {
  tick(n?: number): void;
  done(): void;
}

export function createProgress(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  const enabled = Boolean(stream.isTTY) && total >= 100;
  let count = 0;
  let last = 0;
  const render = () => stream.write(`\r${label} ${count}/${total}`);
  return {
    tick(n = 1) {
      count += n;
      if (!enabled) return;
      const now = Date.now();
      if (now - last >= 100 || count === total) {
        last = now;
        render();
      }
    },
    done() {
      if (enabled) {
        render();
        stream.write('\n');
      }
    },
  };
}
