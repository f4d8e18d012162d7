// Loaded into `berth serve` by the scale bench (`node --import <this file> bin/berth.js serve …`,
// bench/lib/memory-peak.ts): samples the process's RSS every 10 ms and, at each new high, what
// it is made of (V8's heap spaces, ArrayBuffers, anonymous and file-backed RSS); at exit it
// writes the breakdown at the highest sample and the kernel's high-water mark (VmHWM) to
// `$BERTH_BENCH_MEMORY_DIR/<pid>.json`. Every process of the server writes its own (`--workers`).
// Bench-only: nothing in Berth loads it. Plain JavaScript, so it loads before any TypeScript
// loader.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { setInterval } from 'node:timers';
import { getHeapSpaceStatistics } from 'node:v8';

const dir = process.env['BERTH_BENCH_MEMORY_DIR'];

/** KiB fields of /proc/self/status, as bytes. */
function status(...fields) {
  const text = readFileSync('/proc/self/status', 'utf8');
  return Object.fromEntries(fields.map((f) => [f, Number(new RegExp(`^${f}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) * 1024]));
}

if (dir) {
  let peak = null;
  let samples = 0;
  const sample = () => {
    samples++;
    const rss = process.memoryUsage.rss();
    if (peak !== null && rss <= peak.rss) return;
    const m = process.memoryUsage();
    const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, s.space_size]));
    peak = { rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, spaces, ...status('RssAnon', 'RssFile'), at: new Date().toISOString() };
  };
  setInterval(sample, 10).unref();
  process.on('exit', () => {
    sample();
    writeFileSync(join(dir, `${process.pid}.json`), JSON.stringify({ pid: process.pid, argv: process.argv.slice(2), execArgv: process.execArgv, samples, peak, ...status('VmHWM') }));
  });
}
