// Child-process entry: starts one local Worker (wrangler unstable_startWorker, input as JSON in
// argv[2]), prints `{"url": …}` on stdout, and disposes it on SIGTERM/SIGINT or when stdin
// closes. A separate process keeps Miniflare's storage (and wrangler's memory) out of the test
// process, whose ArrayBuffer memory the conformance suite measures.
import { disposeOnExit, startLocalWorker } from '../workerd.js';

const input = JSON.parse(process.argv[2] ?? '{}') as Record<string, unknown>;
const worker = await startLocalWorker(input);
process.stdout.write(`${JSON.stringify({ url: String(worker.url) })}\n`);

disposeOnExit(worker);
