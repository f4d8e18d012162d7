/**
 * `berth serve --dir DIR --read-only`: a plain directory repo (what `berth sync` or
 * createrepo_c produced) served to the LAN — GET and HEAD of files only, through the same
 * serve-blob helpers as the service (ETag, Last-Modified, 304, ranges, 416), anonymous, no API.
 * Dot-files and dot-directories (.berth-sync with its pinned key and partial downloads) are
 * never served; nor is anything outside DIR.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { serveSource, type ByteSourceInfo } from '../http/serve-blob.js';
import { ProblemError, problemResponse } from '../http/problem.js';

export interface DirServerOptions {
  dir: string;
  log?: (fields: Record<string, unknown>) => void;
}

const TYPES: [RegExp, string][] = [
  [/\.rpm$/, 'application/x-rpm'],
  [/\.xml$/, 'text/xml; charset=utf-8'],
  [/\.asc$/, 'application/pgp-signature'],
  [/\.key$/, 'application/pgp-keys'],
  [/\.gz$/, 'application/gzip'],
  [/\.zst$/, 'application/zstd'],
];
const CHECKSUM_NAMED = /^repodata\/[0-9a-f]{32,128}-[^/]+$/;

/** An fs file as a servable source: strong ETag from size, mtime and inode (like nginx's). */
export async function fileSource(path: string): Promise<ByteSourceInfo | null> {
  let s;
  try {
    s = await stat(path);
  } catch {
    return null;
  }
  if (!s.isFile()) return null;
  return {
    size: s.size,
    etag: `"${s.ino.toString(16)}-${s.size.toString(16)}-${Math.floor(s.mtimeMs).toString(16)}"`,
    lastModified: s.mtime,
    async open(offset, length) {
      const start = offset ?? 0;
      const end = length === undefined ? undefined : start + length - 1;
      const stream = createReadStream(path, { start, ...(end === undefined ? {} : { end }) });
      return Readable.toWeb(stream) as unknown as ReadableStream<Uint8Array>;
    },
  };
}

const notFound = (): ProblemError => new ProblemError(404, 'not_found', 'no such file');

export function dirHandler(opts: DirServerOptions): (req: Request) => Promise<Response> {
  const root = resolve(opts.dir);
  let realRoot: Promise<string> | null = null;
  return async (req) => {
    const started = performance.now();
    const url = new URL(req.url);
    let res: Response;
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        throw new ProblemError(405, 'method_not_allowed', 'this server is read-only: GET and HEAD only', {}, { allow: 'GET, HEAD' });
      }
      let rel: string;
      try {
        rel = decodeURIComponent(url.pathname).replace(/^\/+/, '');
      } catch {
        throw notFound();
      }
      const parts = rel.split('/');
      if (rel === '' || rel.includes('\0') || rel.includes('\\') || parts.some((p) => p === '' || p.startsWith('.'))) throw notFound();
      const path = resolve(root, rel);
      realRoot ??= realpath(root);
      // symlinks may not lead out of DIR
      const real = await realpath(path).catch(() => null);
      const base = await realRoot;
      if (!real || !(real === base || real.startsWith(base + sep))) throw notFound();
      const src = await fileSource(real);
      if (!src) throw notFound();
      const type = TYPES.find(([re]) => re.test(rel))?.[1] ?? 'application/octet-stream';
      const cache = rel.startsWith('repodata/repomd.xml') ? 'public, no-cache' : CHECKSUM_NAMED.test(rel) ? 'public, max-age=31536000, immutable' : 'public, max-age=300';
      res = await serveSource(req, src, { contentType: type, cacheControl: cache });
    } catch (e) {
      if (!(e instanceof ProblemError)) throw e;
      res = problemResponse(e, crypto.randomUUID());
    }
    opts.log?.({ method: req.method, path: url.pathname, status: res.status, range: req.headers.get('range') ?? undefined,
      length: res.headers.get('content-length') ?? undefined, ms: Math.round((performance.now() - started) * 10) / 10 });
    return res;
  };
}

export interface DirServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Listens on host:port and serves DIR; `logger.info('listening', {url, …})` once bound. */
export async function startDirServer(
  opts: { dir: string; host: string; port: number },
  logger: { info(msg: string, fields?: Record<string, unknown>): void },
): Promise<DirServer> {
  const { serve } = await import('@hono/node-server');
  const handler = dirHandler({ dir: opts.dir, log: (f) => logger.info('request', f) });
  const server = await new Promise<ReturnType<typeof serve>>((resolveServer, reject) => {
    const s = serve({ fetch: handler, port: opts.port, hostname: opts.host }, () => resolveServer(s));
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;
  logger.info('listening', { url, port, host: opts.host, dir: resolve(opts.dir), readOnly: true });
  return {
    url,
    port,
    close: () => new Promise<void>((r) => {
      server.close(() => r());
      (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
    }),
  };
}
