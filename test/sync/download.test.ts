// download(): resume with Range, fall back to a full download on 200, redo a stale prefix,
// refuse a checksum mismatch — against a small in-process server that can ignore ranges.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { download } from '../../src/sync/download.js';
import { Source } from '../../src/sync/http.js';

const body = randomBytes(200_000);
const checksum = { type: 'sha256', value: createHash('sha256').update(body).digest('hex') };
const work = mkdtempSync(join(tmpdir(), 'berth-dl-'));
let server: Server;
let base = '';
let honourRanges = true;
let failNext = 0;
const seen: (string | null)[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.headers.range ?? null);
    if (failNext > 0) {
      failNext--;
      res.writeHead(503).end();
      return;
    }
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (m && honourRanges) {
      const start = Number(m[1]);
      res.writeHead(206, { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}`, 'content-length': body.length - start });
      res.end(body.subarray(start));
      return;
    }
    res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(work, { recursive: true, force: true });
});

const source = (): Source => new Source({ baseUrl: base, attempts: 3, baseDelayMs: 1 });

describe('download', () => {
  it('resumes a partial file with a Range request (206)', async () => {
    const partial = join(work, 'a.part');
    writeFileSync(partial, body.subarray(0, 50_000));
    seen.length = 0;
    const r = await download(source(), 'x.rpm', partial, join(work, 'a'), { size: body.length, checksum });
    expect(r).toEqual({ bytes: 150_000, resumed: true });
    expect(seen).toEqual(['bytes=50000-']);
    expect(readFileSync(join(work, 'a'))).toEqual(body);
    expect(existsSync(partial)).toBe(false);
  });

  it('starts over when the server answers a range with 200', async () => {
    honourRanges = false;
    const partial = join(work, 'b.part');
    writeFileSync(partial, body.subarray(0, 50_000));
    const r = await download(source(), 'x.rpm', partial, join(work, 'b'), { size: body.length, checksum });
    honourRanges = true;
    expect(r).toEqual({ bytes: body.length, resumed: false });
    expect(readFileSync(join(work, 'b'))).toEqual(body);
  });

  it('redoes a stale prefix once, retries 5xx, and refuses bytes that do not match', async () => {
    const partial = join(work, 'c.part');
    writeFileSync(partial, randomBytes(50_000)); // not a prefix of the file
    failNext = 1;
    seen.length = 0;
    await download(source(), 'x.rpm', partial, join(work, 'c'), { size: body.length, checksum });
    expect(seen).toEqual(['bytes=50000-', 'bytes=50000-', null]); // 503, resumed (bad), then fresh
    expect(readFileSync(join(work, 'c'))).toEqual(body);

    const wrong = { type: 'sha256', value: '0'.repeat(64) };
    await expect(download(source(), 'x.rpm', join(work, 'd.part'), join(work, 'd'), { size: body.length, checksum: wrong }))
      .rejects.toMatchObject({ code: 'sync.checksum' });
    expect(existsSync(join(work, 'd'))).toBe(false);
    await expect(download(source(), 'x.rpm', join(work, 'e.part'), join(work, 'e'), { size: body.length + 1, checksum }))
      .rejects.toMatchObject({ code: 'sync.checksum' });
  });
});
