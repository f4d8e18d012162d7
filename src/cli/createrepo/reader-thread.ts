/**
 * A reader thread of createrepo: describes the batches pool.ts sends, one at a time (the
 * reader's buffer is reused from package to package), and transfers each encoded batch back.
 * It may be started before the command knows its arguments (threads.ts): the first message
 * says which repository to read.
 */
import { parentPort } from 'node:worker_threads';
import { describeBatch } from './batch.js';
import { PackageReader, type DescribeJob } from './describe.js';

export interface ReaderConfig {
  root: string;
  changelogLimit: number;
}

interface Request {
  id: number;
  jobs: DescribeJob[];
}

let config: ReaderConfig | null = null;
let reader: PackageReader | null = null;
const queue: Request[] = [];
// buffers of batches the writer is done with, sent back to be written into again
const spare: ArrayBuffer[] = [];
let busy = false;

async function work(): Promise<void> {
  busy = true;
  for (let r = queue.shift(); r !== undefined; r = queue.shift()) {
    const batch = await describeBatch(reader!, r.jobs, config!.changelogLimit, spare.pop());
    parentPort!.postMessage({ id: r.id, batch }, [batch.xml.buffer, batch.times.buffer, batch.ends.buffer] as ArrayBuffer[]);
  }
  busy = false;
}

parentPort!.on('message', (r: Request | { recycle: ArrayBuffer } | { config: ReaderConfig }) => {
  if ('config' in r) {
    config = r.config;
    reader = new PackageReader(config.root);
    // configured: batches can come (until then the main thread reads them itself)
    parentPort!.postMessage({ ready: true });
    return;
  }
  if ('recycle' in r) {
    spare.push(r.recycle);
    return;
  }
  queue.push(r);
  if (!busy) void work();
});
