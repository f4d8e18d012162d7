/**
 * A dnf-like reader of a served repo for benchmarks and tests: wait for repomd.xml to name a
 * revision, list its files, and download a file to the end, checking its size and SHA-256 as it
 * streams (nothing is kept).
 */
import { createHash } from 'node:crypto';

export interface RepomdFile {
  type: string;
  href: string;
  checksum: string;
  size: number;
  openSize: number | null;
}

export interface PublishedPackage {
  sha256: string;
  location: string;
  size: number;
  revision: number;
}

export function repomdRevision(xml: string): number {
  return Number(/<revision>(\d+)<\/revision>/.exec(xml)?.[1] ?? NaN);
}

/** repomd.xml of `<base>/<path>` once it names `revision` or later; throws after `timeoutS`. */
export async function repomdAt(base: string, path: string, revision: number, timeoutS = 3600, headers: Record<string, string> = {}): Promise<string> {
  for (const deadline = Date.now() + timeoutS * 1000; ;) {
    const res = await fetch(`${base}/${path}/repodata/repomd.xml`, { headers });
    const text = await res.text();
    if (res.ok && repomdRevision(text) >= revision) return text;
    if (Date.now() > deadline) throw new Error(`metadata for revision ${revision} never appeared (last: ${res.status} ${text.slice(0, 200)})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export function repomdFiles(xml: string): RepomdFile[] {
  const out: RepomdFile[] = [];
  for (const [, type, body] of xml.matchAll(/<data type="([^"]+)">([\s\S]*?)<\/data>/g)) {
    const b = body as string;
    const href = /<location href="([^"]+)"/.exec(b)?.[1];
    const checksum = /<checksum type="sha256">([0-9a-f]{64})<\/checksum>/.exec(b)?.[1];
    const size = /<size>(\d+)<\/size>/.exec(b)?.[1];
    if (!href || !checksum || !size) throw new Error(`repomd.xml: incomplete <data type="${type}">`);
    const open = /<open-size>(\d+)<\/open-size>/.exec(b)?.[1];
    out.push({ type: type as string, href, checksum, size: Number(size), openSize: open ? Number(open) : null });
  }
  return out;
}

/** GET `url` to the end; throws unless the status is 200 and the bytes have this size and SHA-256. */
export async function fetchVerified(url: string, sha256: string, size: number, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(url, { headers });
  if (res.status !== 200 || !res.body) throw new Error(`GET ${url}: ${res.status}`);
  const h = createHash('sha256');
  let n = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    h.update(value);
    n += value.length;
  }
  const got = h.digest('hex');
  if (n !== size || got !== sha256) throw new Error(`GET ${url}: ${n} bytes, sha256 ${got}; expected ${size} bytes, ${sha256}`);
  return n;
}

/** PUT an RPM through the API; the published package (201 or an idempotent 200). */
export async function publishRpm(base: string, token: string, path: string, bytes: Uint8Array): Promise<PublishedPackage> {
  const res = await fetch(`${base}/api/v1/repos/${path}/packages`, {
    method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-rpm' }, body: bytes as Uint8Array<ArrayBuffer>,
  });
  const text = await res.text();
  if (res.status !== 201 && res.status !== 200) throw new Error(`publish into ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as PublishedPackage;
}
