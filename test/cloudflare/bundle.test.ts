// `wrangler deploy --dry-run` bundles the Worker from infra/cloudflare/wrangler.jsonc offline:
// what a deploy would upload, without an account. Guards the bundle against pulling in Node-only
// code (the Azure SDK, fs drivers) that fails in workerd.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../helpers/run.js';
import { repoRoot } from '../helpers/tools.js';
import { workerdUnavailableReason } from './workerd.js';

const reason = workerdUnavailableReason();
if (reason) console.warn(`[skip] wrangler bundle: ${reason}`);

const out = mkdtempSync(join(tmpdir(), 'berth-bundle-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe.skipIf(reason !== null)('Cloudflare bundle (wrangler deploy --dry-run)', () => {
  it('bundles the Worker offline with its bindings, without Node-only storage code', async () => {
    const wrangler = join(repoRoot(), 'node_modules', 'wrangler', 'bin', 'wrangler.js');
    const r = await run(process.execPath, [wrangler, 'deploy', '--dry-run', '--outdir', out, '-c', 'infra/cloudflare/wrangler.jsonc'], {
      allowFail: true,
      env: {
        WRANGLER_SEND_METRICS: 'false',
        CLOUDFLARE_CF_FETCH_ENABLED: 'false',
        XDG_CONFIG_HOME: join(out, 'xdg'),
        CLOUDFLARE_API_TOKEN: '',
      },
      cwd: repoRoot(),
      timeoutMs: 180_000,
    });
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toContain('--dry-run: exiting now.');
    for (const binding of ['env.BUCKET', 'env.EVENTS', 'env.BERTH_TOKEN_CACHE_SECONDS']) expect(r.stdout).toContain(binding);
    const bundle = join(out, 'worker.js');
    expect(existsSync(bundle)).toBe(true);
    const size = statSync(bundle).size;
    // openpgp dominates (~1.5 MiB); far under Workers' 10 MiB (3 MiB free) compressed limit.
    expect(size).toBeGreaterThan(100 * 1024);
    expect(size).toBeLessThan(4 * 1024 * 1024);
    const code = readFileSync(bundle, 'utf8');
    expect(code).not.toContain('@azure/storage-blob');
    expect(code).not.toContain('StorageSharedKeyCredential');
    expect(code).not.toMatch(/require\(["']net["']\)/);
    expect(code).toContain('etagDoesNotMatch');
  }, 200_000);
});
