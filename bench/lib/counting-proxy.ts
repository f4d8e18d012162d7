/**
 * A loopback HTTP proxy in front of a storage emulator that logs every request it relays, one
 * line each: `<ms since start> <ms taken> <method> <path without query> <query's comp=… (and :prefix= of a listing)> <status> <bytes in> <bytes out>`.
 * For counting a server's store calls (per publish, per regeneration) without touching the server:
 * point its connection string's endpoint at the proxy. Costs one more loopback hop per call, so
 * figures measured through it are not the plain ones.
 */
import { createWriteStream } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CountingProxy {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  stop(): Promise<void>;
}

export async function startCountingProxy(target: string, logFile: string): Promise<CountingProxy> {
  const to = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const log = createWriteStream(logFile);
  const t0 = performance.now();
  const server = createServer((req, res) => {
    const began = performance.now();
    let bytesIn = 0;
    let bytesOut = 0;
    const up = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers, agent }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.on('data', (d: Buffer) => (bytesOut += d.length));
      answer.pipe(res);
      answer.on('end', () => {
        const u = new URL(req.url ?? '/', 'http://x');
        const prefix = u.searchParams.get('prefix');
        const comp = `${u.searchParams.get('comp') ?? u.searchParams.get('restype') ?? '-'}${prefix === null ? '' : `:${prefix}`}`;
        log.write(`${(performance.now() - t0).toFixed(1)} ${(performance.now() - began).toFixed(1)} ${req.method} ${u.pathname} ${comp} ${answer.statusCode} ${bytesIn} ${bytesOut}\n`);
      });
    });
    up.on('error', (e) => {
      res.writeHead(502);
      res.end(String(e));
    });
    req.on('data', (d: Buffer) => (bytesIn += d.length));
    req.pipe(up);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      agent.destroy();
      await new Promise((r) => log.end(r));
    },
  };
}
