// `berth serve` started through bin/berth.js runs with the V8 flags of bin/serve-flags.js (a
// smaller young generation, an old generation collected sooner: docs/benchmarks.md, Scale): the launcher replaces itself with them
// (same pid, so signals and the exit status are the server's own), `--workers` processes inherit
// them, and a setting the user gave is kept. Read from /proc/<pid>/cmdline.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SERVE_V8_FLAGS, serveFlagsToAdd } from '../../bin/serve-flags.js';
import { run } from '../helpers/run.js';
import { eventually, startBerthServer } from '../helpers/service.js';
import { announceSkip, repoRoot } from '../helpers/tools.js';

const FLAG = '--max-semi-space-size=8';
const GROWING = '--heap-growing-percent=25';
const BOTH = [FLAG, GROWING];
const work = mkdtempSync(join(tmpdir(), 'berth-serve-flags-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('serveFlagsToAdd', () => {
  it('adds the flags to serve only', () => {
    expect(SERVE_V8_FLAGS).toEqual(BOTH);
    expect(serveFlagsToAdd(['serve', '--port', '0'], [], undefined)).toEqual(BOTH);
    expect(serveFlagsToAdd(['serve', '--dir', 'x', '--read-only'], ['--enable-source-maps'], '')).toEqual(BOTH);
    expect(serveFlagsToAdd(['push', 'a/b', 'serve'], [], undefined)).toEqual([]);
    expect(serveFlagsToAdd(['createrepo', '.'], [], undefined)).toEqual([]);
    expect(serveFlagsToAdd([], [], undefined)).toEqual([]);
  });

  it('keeps each setting given on the command line or in NODE_OPTIONS, in either spelling', () => {
    expect(serveFlagsToAdd(['serve'], ['--max-semi-space-size=16'], undefined)).toEqual([GROWING]);
    expect(serveFlagsToAdd(['serve'], ['--max_semi_space_size=4'], undefined)).toEqual([GROWING]);
    expect(serveFlagsToAdd(['serve'], BOTH, undefined)).toEqual([]);
    expect(serveFlagsToAdd(['serve'], ['--heap_growing_percent=50'], '--inspect --max-semi-space-size=32')).toEqual([]);
    expect(serveFlagsToAdd(['serve'], [], ' --max_semi_space_size=2 ')).toEqual([GROWING]);
    // other flags are not these
    expect(serveFlagsToAdd(['serve'], ['--max-old-space-size=512', '--semi-space-growth-factor=1'], '--max-old-space-size=1024')).toEqual(BOTH);
  });
});

const linux = existsSync('/proc/self/cmdline');
announceSkip('berth serve V8 flags through bin/berth.js', linux ? null : 'needs /proc to read a process\'s command line');

const cmdline = (pid: number): string[] => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
const children = (pid: number): number[] => readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
const launcher = join(repoRoot(), 'bin', 'berth.js');

describe.skipIf(!linux)('berth serve through bin/berth.js (Node 24)', () => {
  it('runs in the launcher\'s own process with the flag, and stops on its SIGTERM with status 0', async () => {
    const server = await startBerthServer({ data: join(work, 'one'), viaLauncher: { node: process.execPath } });
    try {
      const argv = cmdline(server.pid);
      expect(argv).toContain(FLAG);
      expect(argv).toContain(GROWING);
      // node options: before the script
      expect(argv.indexOf(FLAG)).toBeLessThan(argv.indexOf(launcher));
      expect(argv.indexOf(GROWING)).toBeLessThan(argv.indexOf(launcher));
      expect(argv.slice(argv.indexOf(launcher) + 1, argv.indexOf(launcher) + 2)).toEqual(['serve']);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    expect(server.stderr()).toContain('"msg":"shutting down","signal":"SIGTERM"');
    expect(server.stderr()).toContain('"msg":"stopped"');
    // stderr is the JSON log: no warning about replacing the process
    expect(server.stderr()).not.toMatch(/Warning|execve/);
  }, 60_000);

  it('keeps the user\'s own settings: on the node command line, or in NODE_OPTIONS', async () => {
    const given = await startBerthServer({ data: join(work, 'given'), viaLauncher: { node: process.execPath, nodeArgs: ['--max-semi-space-size=16'] } });
    try {
      const argv = cmdline(given.pid);
      expect(argv).toContain('--max-semi-space-size=16');
      expect(argv).not.toContain(FLAG);
      expect(argv).toContain(GROWING);
    } finally {
      expect(await given.stop()).toBe(0);
    }
    const env = await startBerthServer({ data: join(work, 'env'), env: { NODE_OPTIONS: '--max-semi-space-size=16' }, viaLauncher: { node: process.execPath } });
    try {
      expect(cmdline(env.pid)).toEqual([process.execPath, GROWING, launcher, 'serve', '--port', '0', '--data', join(work, 'env')]);
    } finally {
      expect(await env.stop()).toBe(0);
    }
    // every one given: not started again, the command line is the one it was given
    const all = ['--max-semi-space-size=4', '--heap-growing-percent=50'];
    const both = await startBerthServer({ data: join(work, 'both'), viaLauncher: { node: process.execPath, nodeArgs: all } });
    try {
      expect(cmdline(both.pid)).toEqual([process.execPath, ...all, launcher, 'serve', '--port', '0', '--data', join(work, 'both')]);
    } finally {
      expect(await both.stop()).toBe(0);
    }
  }, 90_000);

  it('--workers 2: every worker process runs with the flag', async () => {
    const server = await startBerthServer({ data: join(work, 'workers'), args: ['--workers', '2'], viaLauncher: { node: process.execPath } });
    try {
      expect(cmdline(server.pid)).toContain(FLAG);
      const workers = await eventually('two workers', async () => {
        const pids = children(server.pid).filter((p) => cmdline(p).includes(launcher));
        return pids.length === 2 ? pids : undefined;
      }, 20_000);
      for (const pid of workers) expect(cmdline(pid)).toEqual(expect.arrayContaining(BOTH));
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  }, 60_000);

  it('a start that fails exits with the server\'s status (1: the port is taken)', async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as { port: number }).port;
    try {
      const r = await run(process.execPath, [launcher, 'serve', '--port', String(port), '--data', join(work, 'busy')], { allowFail: true, timeoutMs: 60_000, env: { BERTH_ADMIN_TOKEN: 'serve-flags-test-operator-token-0123456789' } });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(`cannot listen on 127.0.0.1:${port}: EADDRINUSE`);
    } finally {
      busy.close();
    }
  }, 60_000);
});
