/**
 * What `berth serve`'s memory was made of at its peak (docs/benchmarks.md, Scale): the server is
 * started with bench/lib/memory-sampler.mjs preloaded (`nodeArgs`, `env`), and after it stopped
 * `peakRow` reads what that wrote and makes a table row of it.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

interface Dump {
  pid: number;
  argv: string[];
  execArgv: string[];
  samples: number;
  VmHWM: number;
  peak: {
    rss: number; heapTotal: number; heapUsed: number; external: number; arrayBuffers: number;
    spaces: Record<string, number>; RssAnon: number; RssFile: number;
  } | null;
}

export const MEMORY_HEADER = [
  '| packages | what | load | VmHWM MiB | sampled peak RSS | young gen (new space) | old space | other heap spaces | ArrayBuffers | other external | file-backed RSS (binary) | rest (native: malloc, stacks, zlib) | V8 flags |',
  '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
];

export interface MemoryProbe {
  /** Node flags that load the sampler. */
  nodeArgs: string[];
  /** Environment of the server (the directory the sampler writes to). */
  env: Record<string, string>;
  /** After the server stopped: the row for the process that listened (`pid`), or null when it wrote nothing. */
  row(pid: number, packages: number, what: string, load: string): string | null;
}

export function memoryProbe(dir: string): MemoryProbe {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const sampler = pathToFileURL(join(import.meta.dirname, 'memory-sampler.mjs')).href;
  return {
    nodeArgs: ['--import', sampler],
    env: { BERTH_BENCH_MEMORY_DIR: dir },
    row(pid, packages, what, load) {
      const file = readdirSync(dir).find((f) => f === `${pid}.json`);
      if (!file) return null;
      const d = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Dump;
      const p = d.peak;
      if (!p) return null;
      const mib = (b: number): string => (b / 1048576).toFixed(1);
      const young = (p.spaces['new_space'] ?? 0) + (p.spaces['new_large_object_space'] ?? 0);
      const old = p.spaces['old_space'] ?? 0;
      const otherHeap = p.heapTotal - young - old;
      const otherExternal = Math.max(0, p.external - p.arrayBuffers);
      const rest = p.RssAnon - p.heapTotal - p.external;
      const flags = d.execArgv.filter((a) => !a.startsWith('--import') && !a.includes('memory-sampler')).join(' ') || '–';
      return `| ${packages.toLocaleString('en')} | ${what} | ${load} | ${mib(d.VmHWM)} | ${mib(p.rss)} | ${mib(young)} | ${mib(old)} | ${mib(otherHeap)} | ${mib(p.arrayBuffers)} | ${mib(otherExternal)} | ${mib(p.RssFile)} | ${mib(rest)} | ${flags} |`;
    },
  };
}
