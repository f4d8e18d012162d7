// Per-token rate limits on the runtimes: `berth serve` (Node) and the Worker in workerd, each
// configured with BERTH_RATE_LIMIT=5: five requests of a token pass, the sixth in the window is
// 429 rate_limited with Retry-After; the operator is not held back.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startWorkerProcess, workerdUnavailableReason } from '../cloudflare/workerd.js';
import { berthCliPresent } from '../helpers/berth.js';
import { startBerthServer } from '../helpers/service.js';
import { announceSkip } from '../helpers/tools.js';

const ADMIN = `op-rate-limit-${process.pid}-secret`;
const LIMIT = 5;
// one window for the whole test: a day, so a window boundary does not fall inside it
const WINDOW = '1d';

const nodeReason = berthCliPresent() ? null : 'berth CLI not present';
const workerReason = workerdUnavailableReason();
announceSkip('rate limit on berth serve', nodeReason);
announceSkip('rate limit on the Worker (workerd)', workerReason);

/** fetch that gives up after 60 s (a hung request fails the test with the runtime's log). */
const fetch = (url: string, init: RequestInit = {}): Promise<Response> => globalThis.fetch(url, { ...init, signal: AbortSignal.timeout(60_000) });

/** Makes a tenant and a read token as the operator, then counts the token's requests. */
async function exercise(url: string): Promise<void> {
  const op = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
  expect((await fetch(`${url}/api/v1/tenants`, { method: 'POST', headers: op, body: JSON.stringify({ name: 'acme' }) })).status).toBe(201);
  const created = await fetch(`${url}/api/v1/tenants/acme/tokens`, { method: 'POST', headers: op, body: JSON.stringify({ scopes: ['read'] }) });
  expect(created.status).toBe(201);
  const { token } = (await created.json()) as { token: string };
  const as = { authorization: `Bearer ${token}` };
  for (let i = 1; i <= LIMIT; i++) expect((await fetch(`${url}/api/v1/tenants/acme`, { headers: as })).status, `request ${i}`).toBe(200);
  const over = await fetch(`${url}/api/v1/tenants/acme`, { headers: as });
  expect(over.status).toBe(429);
  expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(await over.json()).toMatchObject({ code: 'rate_limited' });
  // dnf paths count too
  expect((await fetch(`${url}/acme/nothing/repodata/repomd.xml`, { headers: as })).status).toBe(429);
  for (let i = 0; i <= LIMIT; i++) expect((await fetch(`${url}/api/v1/tenants/acme`, { headers: op })).status).toBe(200);
}

describe.skipIf(nodeReason !== null)('rate limit: berth serve', () => {
  const work = mkdtempSync(join(tmpdir(), 'berth-rate-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it(`request ${LIMIT + 1} of a token gets 429 with Retry-After`, async () => {
    const server = await startBerthServer({ data: join(work, 'data'), env: { BERTH_ADMIN_TOKEN: ADMIN, BERTH_RATE_LIMIT: String(LIMIT), BERTH_RATE_LIMIT_WINDOW: WINDOW } });
    try {
      await exercise(server.url);
    } finally {
      await server.stop();
    }
  }, 120_000);
});

describe.skipIf(workerReason !== null)('rate limit: the Worker in workerd', () => {
  it(`request ${LIMIT + 1} of a token gets 429 with Retry-After`, async () => {
    let logs = '';
    const started = Date.now();
    const worker = await startWorkerProcess({
      config: 'infra/cloudflare/wrangler.jsonc',
      bindings: {
        BERTH_ADMIN_TOKEN: { type: 'secret_text', value: ADMIN },
        BERTH_RATE_LIMIT: { type: 'plain_text', value: String(LIMIT) },
        BERTH_RATE_LIMIT_WINDOW: { type: 'plain_text', value: WINDOW },
      },
      dev: { persist: false },
    }, (text) => (logs += text));
    console.log(`[rate-limit] worker up after ${Math.round((Date.now() - started) / 1000)} s`);
    try {
      await exercise(worker.url.origin);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${logs.slice(-3000)}`, { cause: e });
    } finally {
      await worker.dispose();
    }
  }, 600_000);
});
