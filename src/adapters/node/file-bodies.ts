/**
 * Large files on Node without web streams: a streamed answer whose body the store can read
 * directly (the fs store, storage/direct-body.ts) is written to the socket here, through a pool
 * of reused buffers, instead of through the ReadableStream @hono/node-server would pump chunk by
 * chunk (a fresh 256 KiB buffer per read, two stream hops and their promises per chunk). Status,
 * header record and bytes are those the app built (serve-blob.ts `streamedAnswerOf`); a buffer
 * goes back to the pool only when the socket has written it (the write callback). Everything
 * else, and every answer the app returns synchronously, passes through untouched.
 */
import type { ServerResponse } from 'node:http';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { streamedAnswerOf, type StreamedAnswer } from '../../http/serve-blob.js';
import { directBodyOf, type DirectBody } from '../../storage/direct-body.js';

const CHUNK = 256 * 1024;
/** Buffers kept for reuse (8 MiB); more are allocated under load and left to the GC. */
const POOL_MAX = 32;
const pool: Buffer[] = [];
/** How many answers were written here (diagnostics, tests). */
export const fileBodyStats = { sent: 0 };

type Fetch<E> = (req: Request, env: E) => Response | Promise<Response>;

/** Wraps the app's fetch for @hono/node-server (whose env carries the ServerResponse). */
export function sendingFileBodies<E extends { outgoing?: unknown }>(fetch: Fetch<E>): Fetch<E> {
  return (req, env) => {
    const res = fetch(req, env);
    // answers built in the same turn come from memory: never a file body
    if (!(res instanceof Promise)) return res;
    return res.then((r) => {
      const answer = streamedAnswerOf(r);
      const direct = answer === undefined ? undefined : directBodyOf(answer.body);
      const out = env.outgoing as ServerResponse | undefined;
      if (answer === undefined || direct === undefined || out === undefined || typeof out.writeHead !== 'function') return r;
      return send(out, answer, direct).then(() => RESPONSE_ALREADY_SENT);
    });
  };
}

function writable(out: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      out.off('drain', done);
      out.off('close', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
  });
}

async function send(out: ServerResponse, answer: StreamedAnswer, direct: DirectBody): Promise<void> {
  let offset = 0;
  fileBodyStats.sent++;
  try {
    out.writeHead(answer.status, answer.headers);
    while (offset < direct.length && !out.destroyed) {
      const buf = pool.pop() ?? Buffer.allocUnsafeSlow(CHUNK);
      let n: number;
      try {
        n = await direct.read(buf, offset, Math.min(CHUNK, direct.length - offset));
      } catch (err) {
        pool.push(buf);
        throw err;
      }
      if (n <= 0) throw new Error('file shrank while reading');
      offset += n;
      const more = out.write(buf.subarray(0, n), () => {
        if (pool.length < POOL_MAX) pool.push(buf);
      });
      if (!more && !out.destroyed) await writable(out);
    }
    if (!out.destroyed) out.end();
  } catch (err) {
    // headers are out: the client sees a short body and a closed connection, as with a stream error
    out.destroy(err as Error);
  } finally {
    await answer.body.cancel().catch(() => undefined); // releases the file
  }
}
