/** Small helpers of bench/edge-memory.ts: a free loopback port, a random file, a slow download. */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';

const MiB = 1024 * 1024;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

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
