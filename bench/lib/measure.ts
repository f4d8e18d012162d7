/** Runs a command under GNU time and returns wall seconds, CPU seconds and peak RSS (KiB). */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface Measurement {
  seconds: number;
  /** User + system CPU seconds, all threads. */
  cpuSeconds: number;
  maxRssKiB: number;
  stdout: string;
}

export function hasGnuTime(): boolean {
  return existsSync('/usr/bin/time');
}

export function measure(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Measurement {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M %U %S', cmd, ...args], {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    ...(opts.timeoutMs !== undefined ? { timeout: opts.timeoutMs } : {}),
  });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  const last = r.stderr.trim().split('\n').pop() ?? '';
  const [seconds, rss, user, sys] = last.split(' ').map(Number);
  return { seconds: seconds!, cpuSeconds: user! + sys!, maxRssKiB: rss!, stdout: r.stdout };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
