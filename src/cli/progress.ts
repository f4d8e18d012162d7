/** A one-line progress counter on a TTY (stderr); silent when stderr is not a terminal. */
import { fstatSync } from 'node:fs';

export interface Progress {
  tick(n?: number): void;
  done(): void;
}

/**
 * `given`: where to draw (default: stderr, looked at only when it is a terminal: Node sets up
 * process.stderr on first use, which for a pipe costs a short command ~15 ms of CPU).
 */
export function createProgress(label: string, total: number, given?: NodeJS.WriteStream): Progress {
  const enabled = total >= 100 && (given ? Boolean(given.isTTY) : stderrIsTerminal());
  const stream = given ?? (enabled ? process.stderr : null);
  let count = 0;
  let last = 0;
  const render = () => stream?.write(`\r${label} ${count}/${total}`);
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
        stream?.write('\n');
      }
    },
  };
}

/** Whether fd 2 is a terminal; node:tty (which loads the network modules) only for a character device. */
function stderrIsTerminal(): boolean {
  try {
    return fstatSync(2).isCharacterDevice() && process.getBuiltinModule('node:tty').isatty(2);
  } catch {
    return false;
  }
}
