/**
 * Reader-thread entry for createrepo: describes the batches pool.ts sends, one at a time (the
 * reader's buffer is reused from package to package), and transfers each encoded batch back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { describeBatch } from './batch.js';
import { PackageReader, type DescribeJob } from './describe.js';

interface Request {
  id: number;
  jobs: DescribeJob[];
}

const { root, changelogLimit } = workerData as { root: string; changelogLimit: number };
const reader = new PackageReader(root);
const queue: Request[] = [];
// buffers of batches the writer is done with, sent back to be written into again
const spare: ArrayBuffer[] = [];
let busy = false;

async function work(): Promise<void> {
  busy = true;
  for (let r = queue.shift(); r !== undefined; r = queue.shift()) {
    const batch = await describeBatch(reader, r.jobs, changelogLimit, spare.pop());
    parentPort!.postMessage({ id: r.id, batch }, [batch.xml.buffer, batch.times.buffer, batch.ends.buffer] as ArrayBuffer[]);
  }
  busy = false;
}

parentPort!.on('message', (r: Request | { recycle: ArrayBuffer }) => {
  if ('recycle' in r) {
    spare.push(r.recycle);
    return;
  }
  queue.push(r);
  if (!busy) void work();
});
// loaded: batches can come (until then the main thread reads them itself)
parentPort!.postMessage({ ready: true });
