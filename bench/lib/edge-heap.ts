/**
 * The user Worker's V8 heap, read through wrangler's inspector proxy with the DevTools protocol
 * (`Runtime.getHeapUsage`): the isolate alone, without the R2/Cache/queue simulators that share
 * the workerd process. `usedSize` is the JS heap in use; `backingStorageSize` (when this V8
 * reports it) is the memory behind ArrayBuffers/Uint8Arrays, which lives outside the JS heap but
 * counts against an isolate's memory all the same. Both include garbage not yet collected
 * (workerd's inspector does not answer HeapProfiler.collectGarbage, so no GC can be forced).
 */
export interface HeapUsage {
  usedSize: number;
  totalSize: number;
  backingStorageSize?: number;
  embedderHeapUsedSize?: number;
}

export interface HeapSampler {
  stop(): Promise<{ samples: number; maxUsed: number; maxBacking: number; maxUsedPlusBacking: number; first: HeapUsage | null; last: HeapUsage | null }>;
}

export interface LiveSampler {
  stop(): Promise<{ samples: number; maxLive: number; maxUsed: number; maxBacking: number }>;
}

export interface Inspector {
  heapUsage(): Promise<HeapUsage>;
  /**
   * Back to back until stop(): a heap snapshot (HeapProfiler.takeHeapSnapshot, which collects
   * garbage first; its chunks are discarded), then heapUsage. So each sample is live memory,
   * at the cost of pausing the isolate while the snapshot is written.
   */
  sampleLive(): LiveSampler;
  /** Polls heapUsage every `everyMs` (one call in flight at a time) until stop(). */
  sample(everyMs?: number): HeapSampler;
  close(): void;
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
  ws.addEventListener('message', (ev) => {
    // snapshot chunks (events) can be large and are not needed: skip them unparsed
    const text = String(ev.data);
    if (text.startsWith('{"method"')) return;
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
    sampleLive() {
      const xs: HeapUsage[] = [];
      let running = true;
      const loop = (async () => {
        while (running) {
          await call('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
          xs.push(await heapUsage());
        }
      })();
      return {
        async stop() {
          running = false;
          await loop;
          const backing = (u: HeapUsage): number => u.backingStorageSize ?? 0;
          return {
            samples: xs.length,
            maxLive: Math.max(0, ...xs.map((u) => u.usedSize + backing(u))),
            maxUsed: Math.max(0, ...xs.map((u) => u.usedSize)),
            maxBacking: Math.max(0, ...xs.map(backing)),
          };
        },
      };
    },

    sample(everyMs = 200) {
      const xs: HeapUsage[] = [];
      let running = true;
      const loop = (async () => {
        while (running) {
          xs.push(await heapUsage());
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
          };
        },
      };
    },
    close: () => ws.close(),
  };
}
