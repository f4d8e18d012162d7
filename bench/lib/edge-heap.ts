/**
 * The user Worker's V8 heap, read through wrangler's inspector proxy with the DevTools protocol
 * (`Runtime.getHeapUsage`): the isolate alone, without the R2/Cache/queue simulators that share
 * the workerd process. `usedSize` is the JS heap in use; `backingStorageSize` (when this V8
 * reports it) is the memory behind ArrayBuffers/Uint8Arrays, which lives outside the JS heap but
 * counts against an isolate's memory all the same. Both include garbage not yet collected
 * (workerd's inspector does not answer HeapProfiler.collectGarbage); a heap snapshot collects
 * first, so "live" samples take one.
 */
import { writeFile } from 'node:fs/promises';

export interface HeapUsage {
  usedSize: number;
  totalSize: number;
  backingStorageSize?: number;
  embedderHeapUsedSize?: number;
}

export interface HeapSampler {
  stop(): Promise<{ samples: number; maxUsed: number; maxBacking: number; maxUsedPlusBacking: number; first: HeapUsage | null; last: HeapUsage | null; maxGapMs: number }>;
}

/** One live sample: what a heap snapshot holds (reachable objects only, after its full GC). */
export interface LiveSample {
  /** When the snapshot was asked for and how long until it and heapUsage came back (ms). */
  atMs: number;
  /** When the snapshot's last chunk and reply had arrived (ms from the sampler's start). */
  snappedMs: number;
  tookMs: number;
  /** JS heap objects in the snapshot (self sizes, ArrayBuffer data excluded). */
  heap: number;
  /** ArrayBuffer backing stores in the snapshot ("system / JSArrayBufferData" nodes). */
  buffers: number;
  /** Runtime.getHeapUsage right after: may still count buffers freed but not yet swept. */
  usage: HeapUsage;
}

export interface LiveSampler {
  /** Peak of heap + buffers over the snapshots (maxUsed/maxBacking: that sample's parts). */
  stop(): Promise<{ samples: number; maxLive: number; maxUsed: number; maxBacking: number; all: LiveSample[] }>;
}

export interface LiveOptions {
  /** Pause between samples (default 0: back to back). */
  everyMs?: number;
  /** Keep the snapshot of the largest live sample (heap + buffers) in this file (.heapsnapshot, for DevTools). */
  keepLargestTo?: string;
}

export interface Inspector {
  heapUsage(): Promise<HeapUsage>;
  /**
   * Back to back until stop(): a heap snapshot (HeapProfiler.takeHeapSnapshot, which collects
   * garbage first), summed: reachable JS objects and reachable ArrayBuffer data. So each sample is
   * live memory, at the cost of pausing the isolate while the snapshot is written. (heapUsage
   * right after a snapshot is no live figure: V8 sweeps freed ArrayBuffers concurrently, after
   * the GC, so `backingStorageSize` may still count them.) With `everyMs`, one
   * sample per period (a periodic forced GC over a long phase).
   */
  sampleLive(options?: LiveOptions): LiveSampler;
  /** Polls heapUsage every `everyMs` (one call in flight at a time) until stop(). */
  sample(everyMs?: number): HeapSampler;
  close(): void;
}

/** Totals of a V8 heap snapshot (JSON text): live JS heap and live ArrayBuffer backing stores. */
export function snapshotTotals(text: string): { heap: number; buffers: number } {
  const snap = JSON.parse(text) as { snapshot: { meta: { node_fields: string[] } }; nodes: number[]; strings: string[] };
  const fields = snap.snapshot.meta.node_fields;
  const width = fields.length;
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  let heap = 0;
  let buffers = 0;
  for (let i = 0; i < snap.nodes.length; i += width) {
    const size = snap.nodes[i + sizeAt] as number;
    if (snap.strings[snap.nodes[i + nameAt] as number] === 'system / JSArrayBufferData') buffers += size;
    else heap += size;
  }
  return { heap, buffers };
}

export async function connectInspector(port: number, timeoutMs = 60_000): Promise<Inspector> {
  let targets: { webSocketDebuggerUrl?: string; title?: string }[] = [];
  for (const deadline = Date.now() + timeoutMs; ;) {
    try {
      targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as typeof targets;
      if (targets.some((t) => t.webSocketDebuggerUrl)) break;
    } catch {
      // the proxy is not up yet
    }
    if (Date.now() > deadline) throw new Error(`no inspector target on 127.0.0.1:${port}/json: ${JSON.stringify(targets)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const url = targets.find((t) => t.webSocketDebuggerUrl)?.webSocketDebuggerUrl as string;
  // the proxy wants an Origin it allows (a local one); undici's WebSocket takes headers here
  const ws = new WebSocket(url, { headers: { origin: 'http://localhost' } } as unknown as string[]);
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true });
    ws.addEventListener('error', () => reject(new Error(`inspector websocket ${url} failed`)), { once: true });
  });
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  // snapshot chunks are only kept while a caller wants the snapshot itself
  let chunks: string[] | null = null;
  ws.addEventListener('message', (ev) => {
    const text = String(ev.data);
    if (text.startsWith('{"method"')) {
      if (chunks && text.startsWith('{"method":"HeapProfiler.addHeapSnapshotChunk"')) {
        chunks.push((JSON.parse(text) as { params: { chunk: string } }).params.chunk);
      }
      return;
    }
    const msg = JSON.parse(text) as { id?: number; result?: unknown; error?: { message: string } };
    if (msg.id === undefined) return;
    const p = pending.get(msg.id);
    pending.delete(msg.id);
    if (msg.error) p?.reject(new Error(msg.error.message));
    else p?.resolve(msg.result);
  });
  const call = (method: string, params: object = {}): Promise<unknown> => {
    const id = nextId++;
    ws.send(JSON.stringify({ id, method, params }));
    return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
  };
  const heapUsage = async (): Promise<HeapUsage> => (await call('Runtime.getHeapUsage')) as HeapUsage;
  return {
    heapUsage,
    sampleLive(options = {}) {
      const xs: LiveSample[] = [];
      let running = true;
      let wake: (() => void) | null = null;
      let largest = -1;
      const t0 = Date.now();
      const loop = (async () => {
        while (running) {
          chunks = [];
          const asked = Date.now() - t0;
          await call('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
          const snappedMs = Date.now() - t0;
          const taken = chunks.join('');
          chunks = null;
          const u = await heapUsage();
          const t = snapshotTotals(taken);
          xs.push({ atMs: asked, snappedMs, tookMs: Date.now() - t0 - asked, usage: u, ...t });
          if (options.keepLargestTo && t.heap + t.buffers > largest) {
            largest = t.heap + t.buffers;
            await writeFile(options.keepLargestTo, taken);
          }
          if (options.everyMs && running) {
            await new Promise<void>((r) => {
              const timer = setTimeout(r, options.everyMs);
              wake = () => {
                clearTimeout(timer);
                r();
              };
            });
            wake = null;
          }
        }
      })();
      return {
        async stop() {
          running = false;
          (wake as (() => void) | null)?.();
          await loop;
          const peak = xs.reduce<LiveSample | null>((a, x) => (a && a.heap + a.buffers >= x.heap + x.buffers ? a : x), null);
          return {
            samples: xs.length,
            maxLive: peak ? peak.heap + peak.buffers : 0,
            maxUsed: peak?.heap ?? 0,
            maxBacking: peak?.buffers ?? 0,
            all: xs,
          };
        },
      };
    },

    sample(everyMs = 200) {
      const xs: HeapUsage[] = [];
      let running = true;
      // the longest wait for an answer: the inspector is only served between the isolate's tasks
      let maxGapMs = 0;
      const loop = (async () => {
        while (running) {
          const asked = Date.now();
          xs.push(await heapUsage());
          maxGapMs = Math.max(maxGapMs, Date.now() - asked);
          await new Promise((r) => setTimeout(r, everyMs));
        }
      })();
      return {
        async stop() {
          running = false;
          await loop;
          const backing = (u: HeapUsage): number => u.backingStorageSize ?? 0;
          return {
            samples: xs.length,
            maxUsed: Math.max(0, ...xs.map((u) => u.usedSize)),
            maxBacking: Math.max(0, ...xs.map(backing)),
            maxUsedPlusBacking: Math.max(0, ...xs.map((u) => u.usedSize + backing(u))),
            first: xs[0] ?? null,
            last: xs.at(-1) ?? null,
            maxGapMs,
          };
        },
      };
    },
    close: () => ws.close(),
  };
}
