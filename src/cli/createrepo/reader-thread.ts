/**
 * A reader thread of createrepo (protocol: reader-protocol.ts). It may be started before the
 * command knows its arguments (threads.ts): the first message says which repository to read.
 * For each pass it claims batch after batch from the shared counter, reads and encodes it and
 * transfers it to the main thread, without waiting for a request; it waits (blocked, using no
 * CPU) only when it is as far ahead of the writer as it may be.
 */
import { parentPort, receiveMessageOnPort } from 'node:worker_threads';
import { describeBatch } from './batch.js';
import { PackageReader } from './describe.js';
import { PackageList, readIn, type PassJobs } from './package-list.js';
import { NEXT, STOP, WRITTEN, type PassMessage, type ReaderConfig } from './reader-protocol.js';

type Message = { config: ReaderConfig } | { recycle: ArrayBuffer } | PassMessage;

const port = parentPort!;
let config: ReaderConfig | null = null;
let reader: PackageReader | null = null;
// buffers of batches the writer is done with, sent back to be written into again
const spare: ArrayBuffer[] = [];
const passes: PassMessage[] = [];
let running = false;

function handle(m: Message): void {
  if ('config' in m) {
    config = m.config;
    reader = new PackageReader(config.root);
  } else if ('recycle' in m) {
    spare.push(m.recycle);
  } else {
    passes.push(m);
    if (!running) void run();
  }
}

/** Messages that arrived while a pass kept this thread busy (recycled buffers, mostly). */
function drain(): void {
  for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) handle(m.message as Message);
}

async function run(): Promise<void> {
  running = true;
  for (let p = passes.shift(); p !== undefined; p = passes.shift()) await readPass(p);
  running = false;
}

async function readPass(p: PassMessage): Promise<void> {
  const { shared, batch: size, ahead } = p;
  const jobs: PassJobs = { list: PackageList.from(p.list), state: p.state };
  const batches = Math.ceil(jobs.list.length / size);
  for (;;) {
    if (Atomics.load(shared, STOP) !== 0) return;
    const next = Atomics.load(shared, NEXT);
    if (next >= batches) return;
    const written = Atomics.load(shared, WRITTEN);
    if (next - written >= ahead) {
      // as far ahead as allowed: sleep until the writer is done with a batch (or the pass ends)
      Atomics.wait(shared, WRITTEN, written, 1000);
      continue;
    }
    if (Atomics.compareExchange(shared, NEXT, next, next + 1) !== next) continue;
    drain();
    const slice = readIn(jobs, next * size, (next + 1) * size);
    const batch = await describeBatch(reader!, slice, config!.changelogLimit, spare.pop());
    config!.replies.postMessage({ pass: p.pass, index: next, batch }, [batch.xml.buffer, batch.times.buffer, batch.ends.buffer] as ArrayBuffer[]);
  }
}

port.on('message', handle);
