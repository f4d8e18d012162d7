// SIGTERM of `berth serve` while a mirror run hangs on an upstream that sent its headers and then
// nothing (far longer than any timeout the test allows): the run's fetch is aborted, the request
// that started the run gets its answer, and the process exits on its own — exit code 0, not the
// SIGKILL the helper sends after its grace period. The upstream's counter shows the drop.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berthCliPresent } from '../helpers/berth.js';
import { startBerthServer, type BerthServer } from '../helpers/service.js';
import { announceSkip } from '../helpers/tools.js';
import { startHostile, until, type Hostile } from '../net/hostile-upstream.js';

const reason = berthCliPresent() ? null : 'berth CLI not present';
announceSkip('mirror shutdown', reason);

const ADMIN = `op-shutdown-${process.pid}-secret`;

describe.skipIf(reason !== null)('SIGTERM during a mirror run', () => {
  let up: Hostile;
  let server: BerthServer | undefined;
  beforeAll(async () => {
    up = await startHostile('127.0.0.1');
    up.set('/stuck/repodata/repomd.xml', { kind: 'stall' });
  });
  afterAll(async () => {
    await server?.stop(1000);
    await up?.close();
  });

  it('aborts the in-flight upstream fetch and exits', async () => {
    server = await startBerthServer({
      data: mkdtempSync(join(tmpdir(), 'berth-shutdown-')),
      env: { BERTH_ADMIN_TOKEN: ADMIN, BERTH_MIRROR_INTERVAL: '0', BERTH_EGRESS_ALLOW: '127.0.0.1', BERTH_UPSTREAM_IDLE_TIMEOUT: '1h' },
    });
    const api = (method: string, path: string, body?: unknown): Promise<Response> => fetch(`${server!.url}${path}`, {
      method, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}),
    });
    expect((await api('POST', '/api/v1/tenants', { name: 'acme' })).status).toBe(201);
    expect((await api('POST', '/api/v1/tenants/acme/repos', { name: 'm' })).status).toBe(201);
    expect((await api('POST', '/api/v1/repos/acme/m/mirror', { from: `${up.url}/stuck/`, verify: false })).status).toBe(201);

    const run = api('POST', '/api/v1/repos/acme/m/mirror/run');
    await until('the upstream request to hang', () => up.stats('/stuck/repodata/repomd.xml').open === 1);
    const code = await server.stop(15_000);
    expect(code).toBe(0);
    // the request that started the run got its summary: the run failed, stopped by the shutdown
    const summary = (await (await run).json()) as { ok: boolean; error?: { code: string } };
    expect(summary).toMatchObject({ ok: false, error: { code: 'mirror_aborted' } });
    await until('the upstream to see the drop', () => up.stats('/stuck/repodata/repomd.xml').open === 0);
    expect(up.stats('/stuck/repodata/repomd.xml').dropped).toBe(1);
  }, 60_000);
});
