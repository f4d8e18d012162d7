// `berth serve` on a data root other users can read (what older versions created): it tightens
// the root and everything below it, says so in its log, and everything it writes afterwards —
// repo signing keys, operator.json — is 0600 in 0700 directories. Real processes, real modes.
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { berth, berthCliPresent } from '../helpers/berth.js';
import { berthAs, startBerthServer } from '../helpers/service.js';
import { announceSkip } from '../helpers/tools.js';

const reason = berthCliPresent() ? null : 'berth CLI not present';
announceSkip('data root modes end-to-end', reason);

const ADMIN = `op-data-root-${process.pid}-0123456789`;
const work = mkdtempSync(join(tmpdir(), 'berth-data-root-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const mode = (p: string): string => (statSync(p).mode & 0o777).toString(8);

describe.skipIf(reason !== null)('berth serve and the data root', () => {
  it('tightens a loose root, logs it, and writes keys and operator.json private', async () => {
    const data = join(work, 'data');
    mkdirSync(join(data, 'tenants'), { recursive: true });
    writeFileSync(join(data, 'tenants', 'old.json@blob'), 'x', { mode: 0o644 });
    chmodSync(data, 0o755);
    chmodSync(join(data, 'tenants'), 0o755);

    const server = await startBerthServer({ data, env: { BERTH_ADMIN_TOKEN: undefined } });
    try {
      const warn = server.stderr().split('\n').filter((l) => l.includes('data root')).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(warn).toMatchObject([{ level: 'warn', data, was: '0755', tightened: 2 }]);
      const token = /^(berth_op_\S+)$/m.exec(server.stdout())?.[1] as string;
      expect(token).toBeTruthy();
      for (const args of [['tenant', 'create', 'acme'], ['repo', 'create', 'acme/main']]) expect((await berthAs(server, token, args)).code).toBe(0);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    const entries = readdirSync(data, { recursive: true }).map(String);
    expect(entries).toContain('operator.json@blob');
    expect(entries).toContain(join('t', 'acme', 'r', 'main', 'metadata-key.asc@blob'));
    expect(mode(data)).toBe('700');
    const loose = entries.map((e) => `${e} ${mode(join(data, e))}`).filter((m) => !(/ 700$/.test(m) && statSync(join(data, m.split(' ')[0]!)).isDirectory()) && !/ 600$/.test(m));
    expect(loose).toEqual([]);
  }, 120_000);

  it('refuses to start on a data root that is not a directory (exit 2)', async () => {
    const file = join(work, 'not-a-dir');
    writeFileSync(file, 'x');
    const r = await berth(['serve', '--port', '0', '--data', file], { allowFail: true, env: { BERTH_ADMIN_TOKEN: ADMIN }, timeoutMs: 60_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is not a directory');
  }, 120_000);
});
