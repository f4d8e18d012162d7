/**
 * One verified download: into a partial file, resumed with `Range` when a previous run (or
 * attempt) left a prefix, checked against size and checksum, and only then renamed to where
 * the caller wants it. A 206 is used only when its Content-Range starts exactly at our prefix
 * and names the expected total; a 200 (server ignores ranges) restarts from zero. A checksum
 * mismatch after a resume retries once from scratch, since the prefix may be stale. Reading
 * stops at the declared size: a source that sends more is refused, never written past it.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, truncate, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebStream } from 'node:stream/web';
import { isOutboundError } from '../net/errors.js';
import { SyncError } from './errors.js';
import type { Source } from './http.js';
import type { Checksum } from './metadata.js';
import { hashFile, sizeOf } from './target.js';

export interface Expected {
  size?: number | undefined;
  checksum: Checksum;
}

export interface DownloadResult {
  /** Bytes received for this file (resumed prefixes not counted). */
  bytes: number;
  resumed: boolean;
}

function contentRange(h: string | null): { start: number; total: number | null } | null {
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(h?.trim() ?? '');
  return m ? { start: Number(m[1]), total: m[3] === '*' ? null : Number(m[3]) } : null;
}

const tooLong = (url: string, size: number): SyncError =>
  new SyncError('sync.checksum', `${url} sends more than the ${size} bytes its metadata declares (tampered or changed upstream?)`);

async function reset(path: string): Promise<void> {
  await unlink(path).catch(() => undefined);
}

export async function download(
  source: Source,
  url: string,
  partial: string,
  dest: string,
  expected: Expected,
  onBytes: (n: number) => void = () => undefined,
): Promise<DownloadResult> {
  await mkdir(dirname(partial), { recursive: true });
  let bytes = 0;
  let resumedEver = false;
  let freshRetry = false;
  for (let attempt = 1; ; attempt++) {
    let have = (await sizeOf(partial)) ?? 0;
    if (expected.size !== undefined && have > expected.size) {
      await reset(partial);
      have = 0;
    }
    const complete = expected.size !== undefined && have === expected.size;
    if (!complete) {
      try {
        // never more than the whole file the metadata declares (a 206 is held to the rest below)
        const maxBytes = expected.size ?? source.limits.maxMetadataBytes;
        const res = await source.get(url, { from: have, maxBytes, onBytes: (n) => {
          bytes += n;
          onBytes(n);
        } });
        if (!res) throw new SyncError('sync.http', `GET ${source.url(url)} answered without a body`);
        let append = false;
        if (res.status === 206) {
          const cr = contentRange(res.headers.get('content-range'));
          if (!cr || cr.start !== have || (expected.size !== undefined && cr.total !== null && cr.total !== expected.size)) {
            await res.body.cancel().catch(() => undefined);
            await reset(partial);
            if (attempt >= source.attempts) throw new SyncError('sync.http', `GET ${source.url(url)}: unusable Content-Range ${JSON.stringify(res.headers.get('content-range'))}`);
            continue; // start over without a range
          }
          append = have > 0;
          resumedEver ||= append;
        }
        if (!append) await truncate(partial).catch(() => undefined);
        const allowed = append ? maxBytes - have : maxBytes;
        let written = 0;
        const bound = new Transform({
          transform(chunk: Buffer, _enc, cb) {
            written += chunk.length;
            if (written > allowed) cb(tooLong(source.url(url), maxBytes));
            else cb(null, chunk);
          },
        });
        await pipeline(Readable.fromWeb(res.body as WebStream<Uint8Array>), bound, createWriteStream(partial, { flags: append ? 'a' : 'w' }));
      } catch (e) {
        // Statuses were retried by Source.get; a dropped connection keeps its prefix and resumes.
        if (e instanceof SyncError) {
          if (e.code === 'sync.checksum') await reset(partial); // more than declared: nothing of it is kept
          throw e;
        }
        if (isOutboundError(e) && e.outboundCode === 'upstream_too_large') {
          await reset(partial);
          throw tooLong(source.url(url), expected.size ?? source.limits.maxMetadataBytes);
        }
        if (attempt >= source.attempts) {
          throw e instanceof SyncError ? e : new SyncError('sync.network', `downloading ${source.url(url)} failed: ${(e as Error).message}`);
        }
        await source.backoff(attempt);
        continue;
      }
    }
    const size = (await sizeOf(partial)) ?? 0;
    const sizeOk = expected.size === undefined || size === expected.size;
    if (sizeOk && (await hashFile(partial, expected.checksum.type)) === expected.checksum.value) {
      await mkdir(dirname(dest), { recursive: true });
      await rename(partial, dest);
      return { bytes, resumed: resumedEver };
    }
    await reset(partial);
    if ((resumedEver || complete) && !freshRetry) {
      freshRetry = true; // the kept prefix may belong to older bytes: one clean download
      continue;
    }
    throw new SyncError('sync.checksum', `${source.url(url)} does not match the metadata: ${sizeOk ? `${expected.checksum.type} differs` : `size ${size}, expected ${expected.size}`} (tampered or changed upstream?)`);
  }
}
