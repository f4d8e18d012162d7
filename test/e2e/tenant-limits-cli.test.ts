// End to end through the `berth` CLI against `berth serve`: what a tenant stores (`berth tenant
// usage`) and the operator's per-tenant limits (`berth tenant limits`).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berthCliPresent } from '../helpers/berth.js';
import { berthAs, jsonOf, startBerthServer, type BerthServer } from '../helpers/service.js';
import { announceSkip } from '../helpers/tools.js';
import { syntheticRpm } from '../repo/support.js';

const reason = berthCliPresent() ? null : 'berth CLI not present';
announceSkip('CLI tenant usage and limits', reason);

const OPERATOR = `op-limits-${process.pid}-secret-value`;

describe.skipIf(reason !== null)('berth tenant usage / limits', () => {
  const work = mkdtempSync(join(tmpdir(), 'berth-limits-cli-'));
  let server: BerthServer;
  const as = (token: string, args: string[]) => berthAs(server, token, args);

  beforeAll(async () => {
    server = await startBerthServer({ data: join(work, 'data'), env: { BERTH_ADMIN_TOKEN: OPERATOR, BERTH_TENANT_QUOTA: '10M' } });
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('usage: bytes and packages stored, the quota; only for the tenant\'s admin or the operator', async () => {
    expect((await as(OPERATOR, ['tenant', 'create', 'acme'])).code).toBe(0);
    expect((await as(OPERATOR, ['repo', 'create', 'acme/main', '--allow-unsigned'])).code).toBe(0);
    const admin = jsonOf<{ token: string }>(await as(OPERATOR, ['token', 'create', 'acme', '--scope', 'admin', '--json']));
    const read = jsonOf<{ token: string }>(await as(OPERATOR, ['token', 'create', 'acme', '--scope', 'read', '--json']));
    const file = join(work, 'u.rpm');
    const bytes = syntheticRpm('usage');
    writeFileSync(file, bytes);
    expect((await as(admin.token, ['push', 'acme/main', file])).code).toBe(0);
    expect(jsonOf(await as(admin.token, ['tenant', 'usage', 'acme', '--json']))).toEqual({ tenant: 'acme', bytes: bytes.length, packages: 1, quotaBytes: 10 * 1024 * 1024 });
    const text = await as(admin.token, ['tenant', 'usage', 'acme']);
    expect(text.stdout).toMatch(new RegExp(`tenant acme stores 1 package, .*${bytes.length} bytes.*; quota 10\\.0 MiB`));
    const refused = await as(read.token, ['tenant', 'usage', 'acme']);
    expect([refused.code, refused.stderr]).toEqual([1, expect.stringContaining('forbidden')]);
  }, 120_000);

  it('limits: the operator sets the tenant\'s own quota and rate limit; its admin only reads them', async () => {
    const admin = jsonOf<{ token: string }>(await as(OPERATOR, ['token', 'create', 'acme', '--scope', 'admin', '--json']));
    const shown = await as(admin.token, ['tenant', 'limits', 'acme']);
    expect(shown.stdout).toMatch(/quota: +10\.0 MiB .*\(server default\)/);
    expect(shown.stdout).toMatch(/rate limit: none \(server default\)/);
    const denied = await as(admin.token, ['tenant', 'limits', 'acme', '--quota', '1G']);
    expect([denied.code, denied.stderr]).toEqual([1, expect.stringContaining('forbidden')]);
    const bad = await as(OPERATOR, ['tenant', 'limits', 'acme', '--rate-limit', '0']);
    expect(bad.code).toBe(2);
    expect(jsonOf(await as(OPERATOR, ['tenant', 'limits', 'acme', '--quota', '1M', '--rate-limit', '1000', '--json']))).toMatchObject({
      quotaBytes: 1024 * 1024, rateLimit: { requests: 1000, windowSeconds: 60 }, overrides: { quotaBytes: 1024 * 1024, rateLimit: 1000 },
    });
    expect(jsonOf(await as(admin.token, ['tenant', 'usage', 'acme', '--json']))).toMatchObject({ quotaBytes: 1024 * 1024 });
    expect(jsonOf(await as(OPERATOR, ['tenant', 'limits', 'acme', '--quota', 'unlimited', '--rate-limit', 'default', '--json']))).toMatchObject({
      quotaBytes: null, rateLimit: null, overrides: { quotaBytes: 'unlimited' },
    });
    const audit = await as(admin.token, ['audit', 'acme', '--json']);
    expect(audit.stdout).toContain('tenant.limits');
  }, 120_000);
});
