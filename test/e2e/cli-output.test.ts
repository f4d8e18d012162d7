// One output vocabulary for the CLI: help texts name exactly the subcommands that exist, the
// usage list says what each command module says, and with --json every error is JSON on stdout.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/registry.js';
import { berth, berthCliPresent } from '../helpers/berth.js';
import { freePort } from '../helpers/net.js';
import { announceSkip } from '../helpers/tools.js';

const reason = berthCliPresent() ? null : 'berth CLI not present';
announceSkip('CLI output vocabulary', reason);
const work = mkdtempSync(join(tmpdir(), 'berth-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(reason !== null)('CLI help and errors', () => {
  it('the usage list says what each command says of itself', async () => {
    for (const [name, entry] of Object.entries(COMMANDS)) {
      expect((await entry.load()).summary, name).toBe(entry.summary);
    }
  });

  it('each group command\'s help names exactly its subcommands, and `<group> <sub> --help` prints it', async () => {
    let groups = 0;
    for (const [name, entry] of Object.entries(COMMANDS)) {
      const command = await entry.load();
      if (command.subcommands === undefined) continue;
      groups++;
      const documented = [...new Set([...(command.help ?? '').matchAll(new RegExp(`berth ${name} ([a-z-]+)`, 'g'))].map((m) => m[1]))];
      expect(documented.sort(), name).toEqual([...command.subcommands].sort());
    }
    expect(groups).toBeGreaterThanOrEqual(5);
    const show = await berth(['tenant', 'show', '--help'], { allowFail: true });
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/berth tenant show NAME/);
  });

  it('--json: a usage error and a failure are JSON on stdout too', async () => {
    const usage = await berth(['push', 'acme', '--json'], { allowFail: true, env: { BERTH_TOKEN: 'x' } });
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stdout)).toEqual({ error: { status: null, code: 'usage_error', detail: 'expected TENANT/REPO and at least one FILE' } });
    const port = await freePort();
    const sync = await berth(['sync', `http://127.0.0.1:${port}/repo`, join(work, 'copy'), '--no-verify', '--retries', '1', '--json'], { allowFail: true });
    expect(sync.code).toBe(1);
    const out = JSON.parse(sync.stdout) as { error: { status: null; code: string; detail: string } };
    expect(out.error.status).toBeNull();
    expect(out.error.code).toMatch(/^sync\./);
    expect(out.error.detail).toMatch(/127\.0\.0\.1/);
    expect(sync.stderr).toMatch(/^berth sync: /m);
  });
});
