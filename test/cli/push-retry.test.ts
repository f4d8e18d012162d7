// `berth push` retries what the server answers "not now" (503 busy, 429), honouring Retry-After,
// with bounded attempts — and nothing else.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiError, parseRetryAfter } from '../../src/cli/api-client.js';
import { pushCommand } from '../../src/cli/commands/push.js';
import { withRetry } from '../../src/cli/retry.js';

const busy = (retryAfter?: number): ApiError => new ApiError(503, 'busy', 'busy', {}, retryAfter);

describe('withRetry', () => {
  it('waits at least what Retry-After says (plus jitter below as much again), then succeeds', async () => {
    const waits: number[] = [];
    let calls = 0;
    const r = await withRetry(async () => {
      if (++calls < 3) throw busy(7);
      return 'ok';
    }, { sleep: async (ms) => void waits.push(ms), random: () => 0.5 });
    expect(r).toEqual({ value: 'ok', attempts: 3 });
    expect(waits).toEqual([10_500, 10_500]);
  });

  it('without Retry-After backs off exponentially from 1 s; stops after 5 attempts in all', async () => {
    const waits: number[] = [];
    let calls = 0;
    await expect(withRetry(async () => {
      calls++;
      throw new ApiError(429, 'rate_limited', 'slow', {});
    }, { sleep: async (ms) => void waits.push(ms), random: () => 0 })).rejects.toMatchObject({ status: 429 });
    expect(calls).toBe(5);
    expect(waits).toEqual([1000, 2000, 4000, 8000]);
  });

  it('never retries other failures, nor waits longer than the cap', async () => {
    for (const err of [new ApiError(422, 'unsigned', 'no', {}), new ApiError(500, 'internal', 'x', {}), new Error('network'), busy(3600)]) {
      let calls = 0;
      const sleep = vi.fn(async () => undefined);
      await expect(withRetry(async () => {
        calls++;
        throw err;
      }, { sleep })).rejects.toBe(err);
      expect(calls).toBe(1);
      expect(sleep).not.toHaveBeenCalled();
    }
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('2')).toBe(2);
    expect(parseRetryAfter(new Date(10_000 + 5000).toUTCString(), 10_000)).toBe(5);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});

describe('berth push against a busy server', () => {
  const work = mkdtempSync(join(tmpdir(), 'berth-push-retry-'));
  const rpm = join(work, 'a.rpm');
  let server: Server;
  let busyAnswers = 0;
  const received: { bytes: number; status: number }[] = [];

  beforeAll(async () => {
    writeFileSync(rpm, Buffer.alloc(3000, 7));
    server = createServer((req, res) => {
      let bytes = 0;
      req.on('data', (b: Buffer) => (bytes += b.length));
      req.on('end', () => {
        const status = busyAnswers > 0 ? 503 : 201;
        received.push({ bytes, status });
        if (busyAnswers > 0) {
          busyAnswers--;
          res.writeHead(503, { 'content-type': 'application/problem+json', 'retry-after': '0' });
          res.end(JSON.stringify({ status: 503, code: 'busy', detail: 'too many concurrent changes' }));
          return;
        }
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ sha256: 'a'.repeat(64), nevra: 'a-1-1.noarch', location: 'Packages/a/a-1-1.noarch.rpm', revision: 1 }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    vi.stubEnv('BERTH_URL', `http://127.0.0.1:${(server.address() as { port: number }).port}`);
    vi.stubEnv('BERTH_TOKEN', 'berth_test_token');
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await new Promise((r) => server.close(r));
    rmSync(work, { recursive: true, force: true });
  });

  const push = async (): Promise<{ code: number; out: { results: { ok: boolean; status: number; attempts: number }[] } }> => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const code = await pushCommand.run(['acme/main', rpm, '--json']);
      return { code, out: JSON.parse(String(log.mock.calls.at(-1)?.[0])) as never };
    } finally {
      log.mockRestore();
    }
  };

  it('retries 503 busy, sending the whole file each time, and succeeds', async () => {
    busyAnswers = 2;
    received.length = 0;
    const { code, out } = await push();
    expect(code).toBe(0);
    expect(received).toEqual([{ bytes: 3000, status: 503 }, { bytes: 3000, status: 503 }, { bytes: 3000, status: 201 }]);
    expect(out.results[0]).toMatchObject({ ok: true, status: 201, attempts: 3 });
  });

  it('gives up after 5 attempts and reports the refusal', async () => {
    busyAnswers = 100;
    received.length = 0;
    const { code, out } = await push();
    expect(code).toBe(1);
    expect(received).toHaveLength(5);
    expect(out.results[0]).toMatchObject({ ok: false, status: 503, attempts: 5 });
    busyAnswers = 0;
  });
});
