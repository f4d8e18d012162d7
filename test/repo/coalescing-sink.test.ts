// The in-process regeneration consumer: one run per repo at a time, events during a run coalesce
// into one more run, and during a burst the next run waits PAUSE_FACTOR times as long as the last
// one took (capped),
// so regenerations cannot starve the publishes that trigger them.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CoalescingSink, PAUSE_FACTOR } from '../../src/repo/coalescing-sink.js';
import type { RepoChanged } from '../../src/repo/events.js';
import { memoryLogger } from './support.js';

const event: RepoChanged = { tenant: 'acme', repo: 'main', revision: 1 };

describe('CoalescingSink', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('a lone event runs at once; events during a run make one more run, after a pause PAUSE_FACTOR times the run (capped)', async () => {
    expect(PAUSE_FACTOR).toBe(4);
    const starts: number[] = [];
    const runMs = [300, 300, 20_000, 300];
    const sink = new CoalescingSink(async () => {
      starts.push(Date.now());
      await new Promise((r) => setTimeout(r, runMs[starts.length - 1]));
    }, memoryLogger(), 5_000);
    const t0 = Date.now();
    await sink.send(event);
    await vi.advanceTimersByTimeAsync(0);
    expect(starts).toEqual([t0]); // at once
    await sink.send(event);
    await sink.send(event); // three events during the first run: one more run
    await sink.send(event);
    await vi.advanceTimersByTimeAsync(300 + 1199);
    expect(starts).toHaveLength(1); // the pause after a 300 ms run lasts 1,200 ms
    await vi.advanceTimersByTimeAsync(1);
    expect(starts).toEqual([t0, t0 + 1500]);
    await sink.send(event); // during the second run
    await vi.advanceTimersByTimeAsync(1500);
    expect(starts).toEqual([t0, t0 + 1500, t0 + 3000]);
    await sink.send(event); // during the third, a 20 s run: the pause is capped at 5 s
    await vi.advanceTimersByTimeAsync(20_000 + 4_999);
    expect(starts).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(starts[3]).toBe(t0 + 3000 + 25_000);
    await vi.advanceTimersByTimeAsync(300);
    await sink.idle();
    expect(sink.pending).toEqual([]);
    // nothing dirty at the end of a run: no pause, the next lone event runs at once again
    const before = starts.length;
    await sink.send(event);
    await vi.advanceTimersByTimeAsync(0);
    expect(starts).toHaveLength(before + 1);
  });
});
