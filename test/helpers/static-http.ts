// A static file server on 127.0.0.1 (node:http) for tests that need an upstream repository
// without nginx: GET/HEAD of files under `root`, 404 otherwise, every request logged as
// `METHOD path STATUS`. Files are streamed, never read whole.
import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize, sep } from 'node:path';

export interface StaticServer {
  /** e.g. http://127.0.0.1:41234 (no trailing slash) */
  url: string;
  /** Requests so far, as `METHOD path STATUS`. */
  requests: string[];
  close(): Promise<void>;
}

export async function startStaticServer(root: string, host = '127.0.0.1'): Promise<StaticServer> {
  const requests: string[] = [];
  const base = normalize(root + sep);
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = normalize(join(base, path));
    const answer = (status: number): void => {
      requests.push(`${req.method ?? '?'} ${path} ${status}`);
      res.statusCode = status;
    };
    let size = -1;
    try {
      const st = statSync(file);
      if (st.isFile()) size = st.size;
    } catch {
      // absent: 404 below
    }
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !file.startsWith(base) || size < 0) {
      answer(req.method === 'GET' || req.method === 'HEAD' ? 404 : 405);
      res.end();
      return;
    }
    answer(200);
    res.setHeader('content-length', String(size));
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(file).on('error', (e) => res.destroy(e)).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
