// Loopback plumbing for the child servers tests and benchmarks start: a free port, waiting until
// one answers HTTP, stopping it.
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** A TCP port free on 127.0.0.1 right now (another process may still take it before we bind). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** True once `url` answers HTTP at all; false when `child` exits first or `timeoutMs` passes. */
export async function answersHttp(url: string, child: ChildProcess, timeoutMs: number, intervalMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    try {
      await fetch(url);
      return true;
    } catch {
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
  return false;
}

/** Sends `signal`, and SIGKILL if the child is still there after `killAfterMs`; resolves on exit. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals, killAfterMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill(signal);
  const t = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  await exited;
  clearTimeout(t);
}
