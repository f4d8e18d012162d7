// Child-process entry for bench/edge.ts: starts the Worker from infra/cloudflare/wrangler.jsonc in
// workerd as wrangler's unstable_startWorker does (DevEnv.startWorker; local R2 persisted under
// argv[2], local queue, Cache API) and prints one JSON line: the dev-proxy URL wrangler hands out
// and the user Worker's own workerd entry (what the proxy forwards to; production has no such
// proxy), which only the reloadComplete event names. Disposes on SIGTERM/SIGINT or when stdin
// closes. The parent sets the offline/telemetry environment.
import { disposeOnExit } from '../../test/cloudflare/workerd.js';
const [persist = '', adminToken = '', extraJson = '{}'] = process.argv.slice(2);
/** Optional: more bindings (e.g. BERTH_STORAGE=azure-sas) and an inspector port (V8 heap figures). */
const extra = JSON.parse(extraJson) as { bindings?: Record<string, unknown>; inspectorPort?: number; logLevel?: string };

interface ReloadComplete {
  proxyData?: { userWorkerUrl?: { protocol: string; hostname: string; port: string } };
}
interface Started {
  ready: Promise<void>;
  url: Promise<URL>;
  dispose(): Promise<void>;
}
interface DevEnv {
  on(event: 'reloadComplete', fn: (e: ReloadComplete) => void): void;
  startWorker(input: Record<string, unknown>): Promise<Started>;
}

// What unstable_startWorker does, with the listener attached before the start.
const { unstable_DevEnv } = (await import('wrangler')) as unknown as { unstable_DevEnv: new () => DevEnv };
const devEnv = new unstable_DevEnv();
let direct: string | null = null;
devEnv.on('reloadComplete', (e) => {
  const u = e.proxyData?.userWorkerUrl;
  if (u) direct = `${u.protocol}//${u.hostname}:${u.port}`;
});
const worker = await devEnv.startWorker({
  config: 'infra/cloudflare/wrangler.jsonc',
  bindings: { BERTH_ADMIN_TOKEN: { type: 'secret_text', value: adminToken }, ...extra.bindings },
  dev: {
    server: { hostname: '127.0.0.1', port: 0 },
    inspector: extra.inspectorPort ? { hostname: '127.0.0.1', port: extra.inspectorPort } : false,
    logLevel: extra.logLevel ?? 'warn', persist, watch: false,
  },
});
await worker.ready;
const url = String(await worker.url).replace(/\/$/, '');
for (let i = 0; direct === null && i < 1200; i++) await new Promise((r) => setTimeout(r, 100));
process.stdout.write(`${JSON.stringify({ url, direct })}\n`);

disposeOnExit(worker);
