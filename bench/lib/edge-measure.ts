/**
 * Phases of a workerd benchmark (bench/edge-memory.ts, bench/edge-scale.ts), each measured the
 * same way: a 1 s baseline, then, while the phase runs, workerd's VmRSS (/proc, every 200 ms), the
 * user isolate's `Runtime.getHeapUsage` (JS heap in use + ArrayBuffer backing stores, every
 * 200 ms, garbage included), optionally live samples (a heap snapshot, which forces a full GC,
 * summed), and workerd's CPU seconds (user + system: the Worker and Miniflare's simulators).
 *
 * Pass/fail judges, per phase, the live peak when the phase has live samples and the inspector
 * answered within COVERED_MS throughout (workerd answers it only between the isolate's tasks, so a
 * busy isolate can leave a stretch unsampled), else the sampled peak (the conservative figure).
 */
import { readFileSync } from 'node:fs';
import type { HeapSampler, Inspector } from './edge-heap.js';
import { sampleRss, type RssSampler } from './rss.js';

export const MiB = 1024 * 1024;
export const mib = (bytes: number): string => (bytes / MiB).toFixed(1);
/** The isolate memory limit on Cloudflare. */
export const ISOLATE_LIMIT = 128 * MiB;
/** Longest wait for a getHeapUsage answer under which a phase's live samples count as covering it. */
export const COVERED_MS = 1000;

export interface Phase {
  label: string; seconds: number; rssBase: number; rssPeak: number; heapBase: number; heapPeak: number; usedPeak: number; backingPeak: number;
  /** workerd's CPU seconds (user + system) over the phase: the Worker plus the simulators. */
  cpuSeconds: number;
  /** Max of live samples (heap snapshot first, i.e. after a full GC), when taken. */
  live?: { peak: number; used: number; backing: number; samples: number };
  note?: string;
  /** Which figure pass/fail used, and the longest wait for a getHeapUsage answer. */
  judged?: 'live' | 'sampled';
  maxGapMs?: number;
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSecondsOf(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(f[11]) + Number(f[12])) / 100;
}

export interface LiveOption {
  /** Pause between live samples (0: back to back). */
  everyMs: number;
  /** Keep the largest live sample's heap snapshot here. */
  snapshot?: string;
}

export class Meter {
  readonly phases: Phase[] = [];
  /** What pass/fail judges: per phase, the live peak when live samples exist, else the sampled peak. */
  worst = 0;
  worstWhat = '';

  constructor(private readonly say: (line: string) => void) {}

  /** A 1 s baseline, then samplers on the workerd pid and the isolate while `run` runs. */
  async measure(label: string, pid: number, insp: Inspector, run: () => Promise<string | undefined>, live: LiveOption | null = null): Promise<Phase> {
    const { say } = this;
    const b = sampleRss(pid);
    const hb = insp.sample();
    await new Promise((r) => setTimeout(r, 1000));
    const rssBase = b.stop().maxKiB * 1024;
    const heapBaseS = await hb.stop();
    const rs: RssSampler = sampleRss(pid);
    const hs: HeapSampler = insp.sample();
    const ls = live ? insp.sampleLive({ everyMs: live.everyMs, ...(live.snapshot ? { keepLargestTo: live.snapshot } : {}) }) : null;
    const cpu0 = cpuSecondsOf(pid);
    const start = Date.now();
    const note = await run();
    const seconds = (Date.now() - start) / 1000;
    const cpuSeconds = cpuSecondsOf(pid) - cpu0;
    const l = await ls?.stop();
    if (l) {
      say(`${label}: live samples (s from start: snapshot heap + buffers MiB | getHeapUsage used + backing MiB right after): ${l.all.map((x) =>
        `${(x.atMs / 1000).toFixed(1)}s→${(x.snappedMs / 1000).toFixed(1)}s ${mib(x.heap)}+${mib(x.buffers)} | ${mib(x.usage.usedSize)}+${mib(x.usage.backingStorageSize ?? 0)}`).join(', ')}`);
    }
    await new Promise((r) => setTimeout(r, 1000));
    const r = rs.stop();
    const h = await hs.stop();
    say(`${label}: ${h.samples} getHeapUsage samples, longest wait for one ${h.maxGapMs} ms`);
    const p: Phase = {
      label, seconds, cpuSeconds, rssBase, rssPeak: r.maxKiB * 1024,
      heapBase: heapBaseS.maxUsedPlusBacking, heapPeak: h.maxUsedPlusBacking, usedPeak: h.maxUsed, backingPeak: h.maxBacking,
      ...(l ? { live: { peak: l.maxLive, used: l.maxUsed, backing: l.maxBacking, samples: l.samples } } : {}),
      ...(note ? { note } : {}),
    };
    // Live samples are judged only when the inspector was answering throughout.
    const useLive = p.live !== undefined && p.live.samples > 0 && h.maxGapMs <= COVERED_MS;
    p.judged = useLive ? 'live' : 'sampled';
    p.maxGapMs = h.maxGapMs;
    const judged = useLive ? p.live!.peak : p.heapPeak;
    if (judged > this.worst) {
      this.worst = judged;
      this.worstWhat = `${useLive ? 'live peak' : `sampled peak (garbage included; ${p.live ? `live samples not judged: the inspector waited up to ${(h.maxGapMs / 1000).toFixed(1)} s for the isolate` : 'no live samples'})`} of "${label}"`;
    }
    this.phases.push(p);
    const liveSay = p.live ? `, live peak ${mib(p.live.peak)} MiB (${mib(p.live.used)} heap / ${mib(p.live.backing)} buffers, ${p.live.samples} samples)` : '';
    say(`${label}: ${seconds.toFixed(1)} s (workerd CPU ${cpuSeconds.toFixed(1)} s), RSS ${mib(p.rssBase)} → peak ${mib(p.rssPeak)} MiB, isolate ${mib(p.heapBase)} → peak ${mib(p.heapPeak)} MiB${liveSay}${note ? ` (${note})` : ''}`);
    return p;
  }

  /** The markdown table of every phase. */
  table(): string[] {
    const out = [
      '| phase | seconds | workerd CPU s | RSS base MiB | RSS peak MiB | RSS growth MiB | isolate base MiB | isolate peak MiB (heap / buffers) | isolate live peak MiB (heap / buffers; samples) | longest inspector wait s | judged | note |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|',
    ];
    for (const p of this.phases) {
      const live = p.live ? `${mib(p.live.peak)} (${mib(p.live.used)} / ${mib(p.live.backing)}; ${p.live.samples})` : '-';
      out.push(`| ${p.label} | ${p.seconds.toFixed(1)} | ${p.cpuSeconds.toFixed(1)} | ${mib(p.rssBase)} | ${mib(p.rssPeak)} | ${mib(p.rssPeak - p.rssBase)} | ${mib(p.heapBase)} | ${mib(p.heapPeak)} (${mib(p.usedPeak)} / ${mib(p.backingPeak)}) | ${live} | ${((p.maxGapMs ?? 0) / 1000).toFixed(1)} | ${p.judged ?? ''} | ${p.note ?? ''} |`);
    }
    return out;
  }

  /** One line on what was judged; throws when the isolate reached the limit. */
  verdict(): string {
    const line = `judged: per phase the live peak (heap snapshot totals, after its forced GC) when the phase has live samples and the inspector answered within ${COVERED_MS / 1000} s throughout, else the sampled peak (getHeapUsage every 200 ms, garbage included); worst ${mib(this.worst)} MiB, the ${this.worstWhat}; limit 128 MiB`;
    if (this.worst >= ISOLATE_LIMIT) throw new Error(`the isolate reached ${mib(this.worst)} MiB (${this.worstWhat}; limit 128 MiB)`);
    return line;
  }
}
