/**
 * createrepo's I/O thread: opens, stats, reads and hashes the package files of a pass, in order,
 * ahead of the main thread, which parses them (the ring: io-ring.ts; the main side: io-feed.ts).
 * Its JavaScript is this file and the ring's constants, so its start and warm-up cost little
 * beside the isolate's own; it runs synchronously, blocked in Atomics.wait (no CPU) while the
 * ring is full. It may start before the command knows its arguments (threads.ts): the first
 * message says which repository and which ring.
 *
 * A file it cannot read (missing, a directory, no permission…) gets a FAILED record: the main
 * thread then reads that file itself, so the reason it reports is the one it always reported.
 */
import { createHash, hash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { sep } from 'node:path';
import { parentPort } from 'node:worker_threads';
import * as L from './io-ring.js';

/**
 * How long the thread sleeps at a time while the ring is full: far less than the main thread
 * takes to parse half a ring of packages (tens of milliseconds), so it is refilled in time.
 */
const ROOM_POLL_MS = 2;

/** Read size for the part of a large file beyond its prefix (hashed, not delivered). */
const REST_BYTES = 1 << 20;

type Message = { config: L.IoConfig } | L.IoClose | L.IoPass;

const port = parentPort!;
let root = '';
let ring: L.IoRing;
let control: Int32Array;
let ints: Int32Array;
let floats: Float64Array;
let digests: Uint8Array;
let bytes: Uint8Array;
/** Per slot: the value of `allocated` once its record's bytes were placed. */
let ends: Float64Array;
/** Bytes placed in the byte ring so far, skipped ends of the ring included (never reset). */
let allocated = 0;
/** Records published so far (only this thread writes PUBLISHED). */
let published = 0;
/** The most bytes of the ring in use at once (reported with the CPU time: the bound, counted). */
let maxBytes = 0;
let rest: Uint8Array | null = null;
const passes: L.IoPass[] = [];
let running = false;

port.on('message', (m: Message) => {
  if ('config' in m) {
    root = m.config.root;
    ring = m.config.ring;
    control = new Int32Array(ring.control);
    ints = new Int32Array(ring.ints);
    floats = new Float64Array(ring.floats);
    digests = new Uint8Array(ring.digests);
    bytes = new Uint8Array(ring.bytes);
    ends = new Float64Array(ring.records);
    published = Atomics.load(control, L.PUBLISHED);
    return;
  }
  if ('close' in m) {
    port.postMessage({ cpu: process.threadCpuUsage(), maxBytes } satisfies L.IoIdle);
    port.close();
    return;
  }
  passes.push(m);
  if (running) return;
  running = true;
  for (let p = passes.shift(); p !== undefined; p = passes.shift()) readPass(p);
  running = false;
  port.postMessage({ cpu: process.threadCpuUsage(), maxBytes } satisfies L.IoIdle);
});

/** Claims the pass's jobs one by one (the main thread may claim some itself) and reads them. */
function readPass(p: L.IoPass): void {
  const pass = new Int32Array(p.control);
  const hrefs = p.hrefs;
  // where the href of job `job` starts in `hrefs` (jobs are claimed in increasing order)
  let job = 0;
  let from = 0;
  for (;;) {
    if (Atomics.load(pass, L.PASS_STOP) !== 0) return;
    // a free record slot first: a claimed job is read at once
    const consumed = Atomics.load(control, L.CONSUMED);
    if (published - consumed >= ring.records) {
      waitForRoom(pass, consumed, published - (ring.records >> 1));
      continue;
    }
    const next = Atomics.load(pass, L.PASS_NEXT);
    if (next >= p.count) return;
    if (Atomics.compareExchange(pass, L.PASS_NEXT, next, next + 1) !== next) continue;
    for (; job < next; job++) from = hrefs.indexOf('\0', from) + 1;
    let to = hrefs.indexOf('\0', from);
    if (to < 0) to = hrefs.length;
    const href = hrefs.slice(from, to);
    if (!readFile(pass, p.pass, next, href)) return;
  }
}

/**
 * Reads one file into the next record and publishes it; false if the pass stopped while it
 * waited for room in the byte ring (nothing is published then).
 */
function readFile(pass: Int32Array, passId: number, job: number, href: string): boolean {
  const slot = published % ring.records;
  const at = slot * L.RECORD_INTS;
  const fat = slot * L.RECORD_FLOATS;
  ints[at + L.R_PASS] = passId;
  ints[at + L.R_JOB] = job;
  ints[at + L.R_START] = 0;
  ints[at + L.R_LENGTH] = 0;
  ints[at + L.R_STATUS] = L.FAILED;
  let placed = false;
  let fd = -1;
  try {
    fd = openSync(root + sep + href, 'r');
    const st = fstatSync(fd);
    const want = Math.min(st.size, ring.prefixBytes);
    const start = reserve(pass, slot, want);
    if (start < 0) return false;
    placed = true;
    const got = readSync(fd, bytes, start, want, 0);
    const prefix = bytes.subarray(start, start + got);
    let size = got;
    if (st.size <= ring.prefixBytes) {
      digests.set(hash('sha256', prefix, 'buffer'), slot * L.SHA256_BYTES);
    } else {
      const h = createHash('sha256').update(prefix);
      const buf = (rest ??= new Uint8Array(REST_BYTES));
      while (size < st.size) {
        const n = readSync(fd, buf, 0, Math.min(buf.length, st.size - size), size);
        if (n === 0) break;
        h.update(buf.subarray(0, n));
        size += n;
      }
      digests.set(h.digest(), slot * L.SHA256_BYTES);
    }
    ints[at + L.R_START] = start;
    ints[at + L.R_LENGTH] = got;
    floats[fat + L.R_SIZE] = size;
    floats[fat + L.R_MTIME_MS] = st.mtimeMs;
    ints[at + L.R_STATUS] = L.OK;
  } catch {
    // FAILED: the main thread reads the file again and reports why
  } finally {
    if (fd >= 0) {
      try {
        closeSync(fd);
      } catch {
        ints[at + L.R_STATUS] = L.FAILED;
      }
    }
  }
  // a record without bytes (the file could not be opened or stated) ends where the last one did;
  // only now is the slot's end written over: until then it may be the end of the records freed
  if (!placed) ends[slot] = allocated;
  Atomics.store(control, L.PUBLISHED, ++published);
  if (Atomics.load(control, L.MAIN_WAITS) !== 0) Atomics.notify(control, L.PUBLISHED);
  return true;
}

/**
 * Room for `n` contiguous bytes in the byte ring for the record in `slot`: its offset, once the
 * main thread has freed enough records (-1 if the pass stops meanwhile). A record never wraps
 * around the end of the ring: the end is skipped instead.
 */
function reserve(pass: Int32Array, slot: number, n: number): number {
  const size = ring.ringBytes;
  for (;;) {
    const consumed = Atomics.load(control, L.CONSUMED);
    // bytes up to the end of the newest record the main thread is done with are free
    const freed = consumed === 0 ? 0 : ends[(consumed - 1) % ring.records]!;
    const pos = allocated % size;
    const skip = pos + n > size ? size - pos : 0;
    if (consumed === published || allocated + skip + n - freed <= size) {
      allocated += skip + n;
      ends[slot] = allocated;
      if (consumed !== published) maxBytes = Math.max(maxBytes, allocated - freed);
      else maxBytes = Math.max(maxBytes, n);
      return (pos + skip) % size;
    }
    if (Atomics.load(pass, L.PASS_STOP) !== 0) return -1;
    waitForRoom(pass, consumed, consumed + 1);
  }
}

/**
 * Sleeps (no CPU) until the main thread has freed the records before `until`, or the pass
 * stops: in timed waits of ROOM_POLL_MS, as the main thread does not notify when it frees a
 * record (only when a pass ends).
 */
function waitForRoom(pass: Int32Array, consumed: number, until: number): void {
  for (let c = consumed; c < until && Atomics.load(pass, L.PASS_STOP) === 0; c = Atomics.load(control, L.CONSUMED)) {
    Atomics.wait(control, L.CONSUMED, c, ROOM_POLL_MS);
  }
}
