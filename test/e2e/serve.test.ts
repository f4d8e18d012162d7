// `berth serve` as a process: first-start operator token, configuration errors, shutdown.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { berth, berthCliPresent } from '../helpers/berth.js';
import { berthAs, startBerthServer } from '../helpers/service.js';
import { announceSkip } from '../helpers/tools.js';

const reason = berthCliPresent() ? null : 'berth CLI not present';
announceSkip('berth serve process', reason);
const work = mkdtempSync(join(tmpdir(), 'berth-serve-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(reason !== null)('berth serve (process)', () => {
  it('generates the operator token on first start, prints it once, and keeps it across restarts', async () => {
    const data = join(work, 'first');
    const first = await startBerthServer({ data });
    const token = /^(berth_op_\S+)$/m.exec(first.stdout())?.[1];
    expect(token, first.stdout()).toBeDefined();
    expect((await berthAs(first, token!, ['tenant', 'create', 'one'])).code).toBe(0);
    expect(first.stderr()).not.toContain(token!);
    expect(await first.stop()).toBe(0);

    const second = await startBerthServer({ data });
    expect(second.stdout()).toBe('');
    expect((await berthAs(second, token!, ['tenant', 'create', 'two'])).code).toBe(0);
    expect((await berthAs(second, 'berth_op_wrong', ['tenant', 'create', 'three'])).code).toBe(1);
    expect(await second.stop()).toBe(0);
  }, 60_000);

  it('listens on loopback by default and serves health and the OpenAPI document', async () => {
    const s = await startBerthServer({ data: join(work, 'health'), env: { BERTH_ADMIN_TOKEN: 'operator-token-for-tests' } });
    expect(new URL(s.url).hostname).toBe('127.0.0.1');
    const h = await fetch(`${s.url}/healthz`);
    expect(h.status).toBe(200);
    expect(h.headers.get('x-request-id')).toBeTruthy();
    const doc = (await (await fetch(`${s.url}/api/v1/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    for (const p of ['/api/v1/tenants', '/api/v1/repos/{tenant}/{repo}/packages', '/api/v1/tenants/{tenant}/tokens']) {
      expect(Object.keys(doc.paths)).toContain(p);
    }
    const missing = await fetch(`${s.url}/api/v1/nothing-here`, { headers: { authorization: 'Bearer operator-token-for-tests' } });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { code: string }).code).toBe('not_found');
    expect(await s.stop()).toBe(0);
    const log = s.stderr().split('\n').filter((l) => l.includes('"msg":"request"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(log.map((e) => [e['method'], e['path'], e['status']])).toEqual([
      ['GET', '/healthz', 200], ['GET', '/api/v1/openapi.json', 200], ['GET', '/api/v1/nothing-here', 404],
    ]);
    expect(log.every((e) => typeof e['requestId'] === 'string')).toBe(true);
    expect(s.stderr()).not.toContain('operator-token-for-tests');
  }, 60_000);

  it('refuses a bad setting at start with its name (exit 2)', async () => {
    const r = await berth(['serve', '--data', join(work, 'bad')], { allowFail: true, env: { BERTH_MAX_UPLOAD_BYTES: 'lots' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/BERTH_MAX_UPLOAD_BYTES/);
    const u = await berth(['serve', '--port', 'eighty'], { allowFail: true });
    expect(u.code).toBe(2);
  }, 60_000);
});
