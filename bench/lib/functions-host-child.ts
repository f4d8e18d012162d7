/**
 * Child process of bench/edge-scale.ts `--runtime functions`: the Azure Functions app
 * (functions/index.ts) in a Node worker process of its own, as the host runs it, without a host:
 * the registrations are captured by a stand-in for `@azure/functions-core`
 * (test/azure/fake-functions-core.ts), the HTTP function is served on 127.0.0.1 by
 * test/azure/functions-bridge.ts, and the queue function is invoked once per Storage Queue
 * message, with the message parsed as the host hands JSON over, exactly as the host's trigger
 * would. Settings come from the environment (AzureWebJobsStorage, BERTH_CONTAINER, BERTH_QUEUE,
 * BERTH_ADMIN_TOKEN_SHA256).
 *
 * Prints one JSON line `{"url": <app>, "control": <control>}`. Control routes:
 * - POST /reset: starts a phase (peaks and CPU from now on);
 * - POST /drain: delivers every queued message to the queue function, one invocation each,
 *   awaited one after another; answers `[{ms}]`, one per invocation;
 * - GET /peaks: this process's peaks since /reset, sampled every 5 ms and after each invocation:
 *   V8 used heap, ArrayBuffers, RSS; CPU seconds since /reset; VmHWM (the process's lifetime peak).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getHeapStatistics } from 'node:v8';
import { InvocationContext } from '@azure/functions';
import { QueueServiceClient } from '@azure/storage-queue';
import { startBridge } from '../../test/azure/functions-bridge.js';
import { installFakeFunctionsCore } from '../../test/azure/fake-functions-core.js';

const core = installFakeFunctionsCore();
await import('../../functions/index.js');
for (const hook of core.hooks.get('appStart') ?? []) await hook({});
const handler = (name: string): ((...args: unknown[]) => unknown) => {
  const r = core.registrations.get(name);
  if (!r) throw new Error(`${name} is not registered`);
  return r.handler;
};
const bridge = await startBridge(handler('berth'));
const queue = QueueServiceClient.fromConnectionString(process.env['AzureWebJobsStorage'] as string).getQueueClient(process.env['BERTH_QUEUE'] as string);

let peaks = { heap: 0, buffers: 0, rss: 0 };
let cpu0 = process.cpuUsage();
const sample = (): void => {
  const m = process.memoryUsage();
  peaks.heap = Math.max(peaks.heap, getHeapStatistics().used_heap_size);
  peaks.buffers = Math.max(peaks.buffers, m.arrayBuffers);
  peaks.rss = Math.max(peaks.rss, m.rss);
};
setInterval(sample, 5).unref();

async function drain(): Promise<{ ms: number }[]> {
  const out: { ms: number }[] = [];
  for (;;) {
    const batch = (await queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 3600 })).receivedMessageItems;
    if (batch.length === 0) return out;
    for (const m of batch) {
      const text = Buffer.from(m.messageText, 'base64').toString('utf8');
      let payload: unknown = text;
      try {
        payload = JSON.parse(text);
      } catch {
        // plain text stays a string
      }
      const context = new InvocationContext({
        functionName: 'regenerate', invocationId: randomUUID(), logHandler: () => undefined,
        triggerMetadata: { id: m.messageId, dequeueCount: m.dequeueCount },
      });
      const t = performance.now();
      await handler('regenerate')(payload, context);
      out.push({ ms: performance.now() - t });
      sample();
      await queue.deleteMessage(m.messageId, m.popReceipt);
    }
  }
}

const control = createServer((req, res) => {
  void (async () => {
    let body: unknown = null;
    if (req.method === 'POST' && req.url === '/reset') {
      peaks = { heap: 0, buffers: 0, rss: 0 };
      cpu0 = process.cpuUsage();
      sample();
    } else if (req.method === 'POST' && req.url === '/drain') {
      body = await drain();
    } else if (req.url === '/peaks') {
      sample();
      const c = process.cpuUsage(cpu0);
      const hwm = Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) * 1024;
      body = { ...peaks, cpuSeconds: (c.user + c.system) / 1e6, vmHwm: hwm, heapLimit: getHeapStatistics().heap_size_limit };
    } else {
      res.statusCode = 404;
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(body));
  })().catch((e: unknown) => {
    res.statusCode = 500;
    res.end(JSON.stringify({ error: e instanceof Error ? e.stack : String(e) }));
  });
});
await new Promise<void>((r) => control.listen(0, '127.0.0.1', r));
process.stdout.write(`${JSON.stringify({ url: bridge.url, control: `http://127.0.0.1:${(control.address() as AddressInfo).port}` })}\n`);
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
