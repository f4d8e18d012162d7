// A repo seeded into the Worker's local R2 (2,000 packages as publishes leave them: fragments and
// index, no generation; bench/lib/edge-seed.ts and miniflare-r2-seed.ts), then the real Worker in workerd with
// every isolate's V8 heap capped at 128 MB (as bench:edge-scale runs it with 200,000): one publish
// through the API, the queue handler's cold regeneration of the whole repo, then repomd.xml, each
// file it names and packages served with the bytes repomd.xml and the index promise.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedRepo, seedStore, type Seeded } from '../../bench/lib/edge-seed.js';
import { copyIntoLocalR2 } from '../../bench/lib/miniflare-r2-seed.js';
import { fetchVerified, publishRpm, repomdAt, repomdFiles, type PublishedPackage } from '../../bench/lib/repo-check.js';
import { synthPackage } from '../../bench/lib/synth-repo.js';
import { announceSkip, repoRoot } from '../helpers/tools.js';
import { startWorkerProcess, workerdUnavailableReason, type LocalWorker } from './workerd.js';

const reason = workerdUnavailableReason();
announceSkip('Worker at scale in workerd (capped V8 heap)', reason);

const PACKAGES = 2000;
const ADMIN = `op-scale-${process.pid}-secret-xxxxxxxxxx`;
const work = mkdtempSync(join(tmpdir(), 'berth-cf-scale-'));

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(reason !== null)(`the Worker in workerd, V8 heap capped at 128 MB: a ${PACKAGES}-package repo`, () => {
  let worker: LocalWorker;
  let seeded: Seeded;
  let logs = '';
  let published: PublishedPackage;
  let repomd = '';
  const base = (): string => worker.url.origin;

  beforeAll(async () => {
    const persist = join(work, 'state');
    const mem = seedStore();
    seeded = await seedRepo(mem.store, { tenant: 'acme', repo: 'big', packages: PACKAGES, served: 5 });
    await copyIntoLocalR2(repoRoot(), persist, mem.store, mem.keys);
    worker = await startWorkerProcess({
      config: 'infra/cloudflare/wrangler.jsonc',
      bindings: { BERTH_ADMIN_TOKEN: { type: 'secret_text', value: ADMIN } },
      dev: { persist },
    }, (text) => (logs += text), { MINIFLARE_WORKERD_V8_FLAGS: '--max-heap-size=128' });
  }, 300_000);

  afterAll(async () => {
    await worker?.dispose();
  }, 60_000);

  it('publishes one more package and the queue handler regenerates the whole repo (cold: every chunk from fragments)', async () => {
    published = await publishRpm(base(), ADMIN, 'acme/big', synthPackage(1_000_001).bytes);
    expect(published.location).toContain('bench-pkg-1000001');
    repomd = await repomdAt(base(), 'acme/big', published.revision, 240);
    const line = logs.split('\n').find((l) => l.includes('"repodata generated"') && l.includes(`"revision":${published.revision},`));
    expect(line, logs.slice(-3000)).toBeDefined();
    const stats = JSON.parse(line!.slice(line!.indexOf('{'))) as { packages: number; chunks: number; reused: number; built: number };
    expect(stats.packages).toBe(PACKAGES + 1);
    // no chunk cache before: every chunk built, none reused
    expect(stats.built).toBe(stats.chunks);
    expect(stats.reused).toBe(0);
    expect(stats.chunks).toBeGreaterThan(1);
  }, 300_000);

  it('serves repomd.xml and every file it names with its checksum; primary lists every package', async () => {
    const files = repomdFiles(repomd);
    expect(files.map((f) => f.type)).toEqual(expect.arrayContaining(['primary', 'filelists', 'other']));
    for (const f of files) expect(await fetchVerified(`${base()}/acme/big/${f.href}`, f.checksum, f.size)).toBe(f.size);
    const href = files.find((f) => f.type === 'primary')!.href;
    const xml = gunzipSync(new Uint8Array(await (await fetch(`${base()}/acme/big/${href}`)).arrayBuffer())).toString('utf8');
    expect(xml).toContain(`packages="${PACKAGES + 1}"`);
    expect(xml.match(/<package type="rpm">/g)?.length).toBe(PACKAGES + 1);
    expect(xml).toContain('<name>bench-pkg-1000001</name>');
    expect(xml).toContain(`<name>bench-pkg-${String(PACKAGES).padStart(6, '0')}</name>`);
  }, 120_000);

  it('serves the seeded packages and the published one byte for byte', async () => {
    for (const p of [...seeded.served, published]) expect(await fetchVerified(`${base()}/acme/big/${p.location}`, p.sha256, p.size)).toBe(p.size);
  }, 120_000);
});
