/** Which process listens on a loopback port, and its resident memory sampled from /proc. */
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

/** The pid listening on 127.0.0.1:<port> (`ss -ltnpH`; our own processes, or any as root). */
export function pidListeningOn(port: number): number {
  const r = spawnSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
  const pid = /pid=(\d+)/.exec(r.stdout)?.[1];
  if (!pid) throw new Error(`no process found listening on port ${port} (ss: ${r.stdout.trim() || r.stderr.trim()})`);
  return Number(pid);
}

export function processName(pid: number): string {
  return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
}

function statusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no ${field} for pid ${pid}`);
  return Number(m[1]);
}

export const rssKiB = (pid: number): number => statusKiB(pid, 'VmRSS');

export interface RssSampler {
  stop(): { samples: number; minKiB: number; maxKiB: number; lastKiB: number };
}

/** VmRSS every `everyMs` until stop(). */
export function sampleRss(pid: number, everyMs = 200): RssSampler {
  const xs: number[] = [rssKiB(pid)];
  const timer = setInterval(() => xs.push(rssKiB(pid)), everyMs);
  return {
    stop() {
      clearInterval(timer);
      xs.push(rssKiB(pid));
      return { samples: xs.length, minKiB: Math.min(...xs), maxKiB: Math.max(...xs), lastKiB: xs.at(-1)! };
    },
  };
}
