// bin/berth.js started by an older system Node (Debian 12's Node 20), as the README's commands
// are: it hands the command to the project's Node 24, or stops with one line saying how. Also
// `npm link` and `npx berth`, which put `berth` on PATH.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SERVE_V8_FLAGS } from '../../bin/serve-flags.js';
import { run, type RunOptions, type RunResult } from '../helpers/run.js';
import { startBerthServer } from '../helpers/service.js';
import { announceSkip, findTool, repoRoot } from '../helpers/tools.js';
import { syntheticRpm } from '../repo/support.js';

/** A Node older than 24 outside node_modules (the system's), or null. */
function olderNode(): { path: string; version: string } | null {
  for (const path of ['/usr/bin/node', '/usr/local/bin/node']) {
    if (!existsSync(path)) continue;
    try {
      const version = execFileSync(path, ['--version'], { encoding: 'utf8' }).trim();
      if (Number(/^v(\d+)/.exec(version)?.[1] ?? 24) < 24) return { path, version };
    } catch {
      // not runnable: try the next
    }
  }
  return null;
}

const older = olderNode();
const reason = older === null ? 'no Node older than 24 at /usr/bin/node or /usr/local/bin/node (the system Node the launcher hands over from)' : null;
announceSkip('bin/berth.js on the system Node', reason);
const npm = findTool('npm');
const npx = findTool('npx');
const npmReason = reason ?? (npm === null || npx === null ? 'npm/npx not installed' : null);
announceSkip('npm link / npx berth', npmReason === reason ? null : npmReason);

const work = mkdtempSync(join(tmpdir(), 'berth-launcher-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
/** PATH of a machine whose `node` is the old one: no node_modules/.bin on it. */
const SYSTEM_PATH = '/usr/bin:/bin';
const launcher = join(repoRoot(), 'bin', 'berth.js');

function berthOnOldNode(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return run(older!.path, [launcher, ...args], { allowFail: true, timeoutMs: 120_000, ...opts, env: { PATH: SYSTEM_PATH, BERTH_LAUNCHED: undefined, ...opts.env } });
}

describe.skipIf(reason !== null)(`bin/berth.js on the system Node (${older?.version ?? 'none'})`, () => {
  it('--help prints the usage and exits 0', async () => {
    const r = await berthOnOldNode(['--help']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Usage: berth <command>/);
    expect(r.stdout).toMatch(/createrepo .*\n.*serve /);
    expect(r.stderr).toBe('');
  });

  it('createrepo DIR writes repodata (it needs Node 24: zstd in node:zlib)', async () => {
    const dir = join(work, 'createrepo');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'launched-1.0-1.noarch.rpm'), syntheticRpm('launched'));
    const r = await berthOnOldNode(['createrepo', '--compress', 'zstd', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(join(dir, 'repodata')).some((f) => f.endsWith('-primary.xml.zst'))).toBe(true);
  });

  it('serve runs the service and stops gracefully on SIGTERM sent to the launcher', async () => {
    const server = await startBerthServer({ data: join(work, 'serve'), viaLauncher: { node: older!.path, path: SYSTEM_PATH } });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    // the Node 24 process is started with serve's V8 flags at once (bin/serve-flags.js)
    if (existsSync(`/proc/${server.pid}/task/${server.pid}/children`)) {
      const [child] = readFileSync(`/proc/${server.pid}/task/${server.pid}/children`, 'utf8').trim().split(/\s+/);
      const argv = readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0');
      expect(argv).toEqual(expect.arrayContaining([...SERVE_V8_FLAGS, launcher, 'serve']));
    }
    expect(server.stdout()).toMatch(/^berth_op_\S+$/m);
    expect(await server.stop()).toBe(0);
    expect(server.stderr()).toContain('"msg":"shutting down","signal":"SIGTERM"');
    expect(server.stderr()).toContain('"msg":"stopped"');
  }, 60_000);

  it('sync copies a repo that serve --dir --read-only serves', async () => {
    const source = join(work, 'sync-source');
    mkdirSync(source, { recursive: true });
    writeFileSync(join(source, 'copied-1.0-1.noarch.rpm'), syntheticRpm('copied'));
    expect((await berthOnOldNode(['createrepo', source])).code).toBe(0);
    const { spawn } = await import('node:child_process');
    const serve = spawn(older!.path, [launcher, 'serve', '--dir', source, '--read-only', '--port', '0', '--json'], { env: { PATH: SYSTEM_PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        serve.stdout.on('data', (b: Buffer) => {
          out += b.toString('utf8');
          const m = /"url":"([^"]+)"/.exec(out);
          if (m) resolve(m[1]!);
        });
        serve.once('exit', (code) => reject(new Error(`serve --dir exited ${code}`)));
      });
      const dest = join(work, 'sync-dest');
      const r = await berthOnOldNode(['sync', url, dest, '--no-verify', '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(existsSync(join(dest, 'copied-1.0-1.noarch.rpm'))).toBe(true);
      expect(existsSync(join(dest, 'repodata', 'repomd.xml'))).toBe(true);
    } finally {
      serve.kill('SIGTERM');
    }
  }, 60_000);

  it('without a Node 24 in node_modules it stops with one line saying how', async () => {
    const lone = join(work, 'no-node24', 'bin');
    mkdirSync(lone, { recursive: true });
    copyFileSync(launcher, join(lone, 'berth.js'));
    const r = await run(older!.path, [join(lone, 'berth.js'), 'createrepo', '--help'], { allowFail: true, env: { PATH: SYSTEM_PATH } });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^berth: needs Node 24, but this is Node v\d+.*run 'npm ci' in /);
  });
});

describe.skipIf(npmReason !== null)('npm link / npx berth', () => {
  it('npm link puts berth on PATH, and it runs on the system Node', async () => {
    const prefix = join(work, 'prefix');
    const env = { PATH: SYSTEM_PATH, npm_config_prefix: prefix, npm_config_cache: join(work, 'npm-cache'), npm_config_update_notifier: 'false' };
    const link = await run(npm!, ['link', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: repoRoot(), env, allowFail: true });
    expect(link.code, link.stderr).toBe(0);
    const r = await run('berth', ['createrepo', '--help'], { env: { PATH: `${join(prefix, 'bin')}:${SYSTEM_PATH}` }, allowFail: true });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Usage: berth createrepo/);
  });

  it('npx berth runs the checkout\'s command', async () => {
    const env = { PATH: SYSTEM_PATH, npm_config_cache: join(work, 'npm-cache'), npm_config_update_notifier: 'false' };
    const r = await run(npx!, ['--offline', '--no', 'berth', 'createrepo', '--help'], { cwd: repoRoot(), env, allowFail: true });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Usage: berth createrepo/);
  });
});
