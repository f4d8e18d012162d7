// A hostile upstream for the outbound, mirror and sync tests (node:http on 127.0.0.1): per path it
// answers a fixed body, redirects, streams without end, drips one byte at a time, or serves a
// file; and it COUNTS what it did — bytes written per path, requests, connections the client
// dropped — so tests bound the client's behaviour by these counters, not by wall-clock.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Answer =
  | { kind: 'body'; body: Uint8Array | string; status?: number; headers?: Record<string, string> }
  | { kind: 'redirect'; location: string; status?: number }
  /** Sends `chunk` again and again (honouring back-pressure) until the client goes away. */
  | { kind: 'endless'; chunk: Uint8Array | string; prefix?: Uint8Array | string; headers?: Record<string, string> }
  /** One byte every `everyMs`, from `body` (repeated) until the client goes away. */
  | { kind: 'drip'; body: Uint8Array | string; everyMs: number; headers?: Record<string, string> }
  /** Headers, then silence. */
  | { kind: 'stall' };

export interface PathStats {
  requests: number;
  bytesSent: number;
  /** Responses the client closed before they ended. */
  dropped: number;
  /** Responses in progress right now. */
  open: number;
}

export interface Hostile {
  url: string;
  /** Answer `path` (exact, without query) like this from now on. */
  set(path: string, answer: Answer): void;
  stats(path: string): PathStats;
  /** Every request as `GET /path`, in order. */
  log: string[];
  /** The `authorization` header of each request, by path (undefined when absent). */
  auth: Map<string, (string | undefined)[]>;
  close(): Promise<void>;
}

const bytes = (b: Uint8Array | string): Buffer => (typeof b === 'string' ? Buffer.from(b) : Buffer.from(b));

export async function startHostile(host = '127.0.0.1'): Promise<Hostile> {
  const answers = new Map<string, Answer>();
  const stats = new Map<string, PathStats>();
  const log: string[] = [];
  const auth = new Map<string, (string | undefined)[]>();
  const statsOf = (p: string): PathStats => {
    let s = stats.get(p);
    if (!s) stats.set(p, (s = { requests: 0, bytesSent: 0, dropped: 0, open: 0 }));
    return s;
  };
  const timers = new Set<ReturnType<typeof setInterval>>();

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    log.push(`${req.method ?? '?'} ${path}`);
    auth.set(path, [...(auth.get(path) ?? []), req.headers.authorization]);
    const s = statsOf(path);
    s.requests++;
    const a = answers.get(path);
    if (!a) {
      res.writeHead(404).end();
      return;
    }
    s.open++;
    let ended = false;
    res.on('close', () => {
      s.open--;
      if (!ended) s.dropped++;
    });
    const write = (chunk: Buffer): boolean => {
      s.bytesSent += chunk.length;
      return res.write(chunk);
    };
    const finish = (): void => {
      ended = true;
      res.end();
    };
    switch (a.kind) {
      case 'body': {
        const b = bytes(a.body);
        res.writeHead(a.status ?? 200, { 'content-length': String(b.length), ...a.headers });
        if (req.method !== 'HEAD') write(b);
        finish();
        return;
      }
      case 'redirect':
        res.writeHead(a.status ?? 302, { location: a.location, 'content-length': '0' });
        finish();
        return;
      case 'stall':
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.flushHeaders();
        return;
      case 'endless': {
        res.writeHead(200, { 'content-type': 'application/octet-stream', ...a.headers });
        const chunk = bytes(a.chunk);
        if (a.prefix !== undefined) write(bytes(a.prefix));
        const pump = (): void => {
          while (!res.destroyed && !res.writableEnded) {
            if (!write(chunk)) {
              res.once('drain', pump);
              return;
            }
          }
        };
        pump();
        return;
      }
      case 'drip': {
        res.writeHead(200, { 'content-type': 'application/octet-stream', ...a.headers });
        res.flushHeaders();
        const b = bytes(a.body);
        let i = 0;
        const t = setInterval(() => {
          if (res.destroyed) {
            clearInterval(t);
            timers.delete(t);
            return;
          }
          write(b.subarray(i % b.length, (i % b.length) + 1));
          i++;
        }, a.everyMs);
        timers.add(t);
        res.on('close', () => {
          clearInterval(t);
          timers.delete(t);
        });
        return;
      }
    }
  };

  const server: Server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    set: (path, answer) => void answers.set(path, answer),
    stats: statsOf,
    log,
    auth,
    close: () => new Promise<void>((resolve) => {
      for (const t of timers) clearInterval(t);
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** Resolves once `check` holds, polling every 10 ms (for counters the server updates asynchronously). */
export async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
