/** Small helpers of bench/edge.ts and bench/edge-memory.ts: a free loopback port, a random file, a slow download, API calls. */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';

const MiB = 1024 * 1024;

export { freePort } from '../../test/helpers/net.js';

/** `bytes` random bytes into `file`, 1 MiB at a time; returns the sha256. */
export async function writeRandom(file: string, bytes: number): Promise<string> {
  const h = createHash('sha256');
  const out = createWriteStream(file);
  for (let left = bytes; left > 0; left -= MiB) {
    const chunk = randomBytes(Math.min(MiB, left));
    h.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return h.digest('hex');
}

export interface Download { bytes: number; sha256: string; seconds: number; cache: string }

/** `curl --limit-rate <rate>` of `url` (a slow reader), hashing what arrives. */
export async function slowDownload(url: string, headersFile: string, rate: string, extra: string[]): Promise<Download> {
  const start = Date.now();
  const curl = spawn('curl', ['-sS', '--fail', '--limit-rate', rate, '-D', headersFile, ...extra, url], { stdio: ['ignore', 'pipe', 'inherit'] });
  const h = createHash('sha256');
  let bytes = 0;
  curl.stdout.on('data', (b: Buffer) => {
    bytes += b.length;
    h.update(b);
  });
  const code = await new Promise<number | null>((r) => curl.once('close', r));
  if (code !== 0) throw new Error(`curl ${url} exited ${code}`);
  const cache = /^x-berth-edge-cache:\s*(\S+)/im.exec(await readFile(headersFile, 'utf8'))?.[1] ?? '-';
  return { bytes, sha256: h.digest('hex'), seconds: (Date.now() - start) / 1000, cache };
}

export type Api = (method: string, path: string, body?: unknown) => Promise<unknown>;

/** JSON API calls to a Berth at `base` as `token` (a Uint8Array body is sent as an RPM); throws on non-2xx. */
export function apiAt(base: string, token: string): Api {
  return async (method, path, body) => {
    const bytes = body instanceof Uint8Array;
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': bytes ? 'application/x-rpm' : 'application/json' }) },
      ...(body === undefined ? {} : { body: bytes ? (body as Uint8Array<ArrayBuffer>) : JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${base}${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
}
