// Every way a dnf file is served must give the same answer: bytes held in memory (the serve
// cache), a large file streamed from the store with its head kept, and no cache at all (head +
// get per request) — same status, headers, body and access-log line, for full, HEAD, single-range,
// multi-range, unsatisfiable and conditional requests, public and private. The fs store is used
// with a package larger than one read chunk (256 KiB), so streamed bodies span several reads.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/adapters/node/config.js';
import { buildAppDeps } from '../../src/adapters/node/deps.js';
import { jsonLogger } from '../../src/adapters/node/logger.js';
import { operatorTokenHash } from '../../src/auth/operator.js';
import { createToken } from '../../src/auth/tokens.js';
import { createApp } from '../../src/http/app.js';
import { DEFAULT_SERVE_CACHE, NO_SERVE_CACHE, type ServeCacheOptions } from '../../src/http/cache/serve-cache.js';
import { createRepo } from '../../src/repo/repos.js';
import { createTenant } from '../../src/repo/tenants.js';
import { createFsBlobStore } from '../../src/storage/fs-store.js';
import { incompressibleRpm } from '../core/rpm/build-rpm.js';
import { comparableAnswer, type Answer } from '../helpers/http-answer.js';
import { syntheticRpm } from '../repo/support.js';

const OPERATOR = 'operator-secret-for-serving-path-tests';
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('serving paths', () => {
  it('memory, streamed (head kept) and uncached answers are identical: status, headers, body, log line', async () => {
    const root = await mkdtemp(join(tmpdir(), 'berth-serving-paths-'));
    dirs.push(root);
    const store = createFsBlobStore(root);
    const hash = await operatorTokenHash(OPERATOR);
    const lines: string[] = [];
    const logger = jsonLogger((l) => lines.push(l));
    const appWith = (cache: ServeCacheOptions) => {
      const built = buildAppDeps(loadConfig({}), store, hash, logger, cache);
      return { app: createApp(built.deps), sink: built.sink };
    };
    const memory = appWith(DEFAULT_SERVE_CACHE);
    // everything streamed; heads kept as for large files
    const streamed = appWith({ ...DEFAULT_SERVE_CACHE, maxFileBytes: 0 });
    const uncached = appWith(NO_SERVE_CACHE);
    await createTenant(store, 'acme', new Date());
    for (const [name, pub] of [['open', true], ['closed', false]] as const) {
      await createRepo(store, { tenant: 'acme', name, public: pub, allowUnsigned: true }, new Date());
    }
    const op = { authorization: `Bearer ${OPERATOR}` };
    const big = incompressibleRpm('big-one', 600 * 1024);
    const paths: string[] = [];
    for (const repo of ['open', 'closed']) {
      for (const body of [syntheticRpm(`small-${repo}`), big]) {
        const res = await uncached.app.request(`/api/v1/repos/acme/${repo}/packages`, { method: 'PUT', headers: op, body });
        expect(res.status).toBe(201);
      }
      await uncached.sink.idle();
      const repomd = await (await uncached.app.request(`/acme/${repo}/repodata/repomd.xml`, { headers: op })).text();
      const primary = /<data type="primary">[\s\S]*?<location href="([^"]+)"/.exec(repomd)?.[1];
      const list = (await (await uncached.app.request(`/api/v1/repos/acme/${repo}/packages`, { headers: op })).json()) as { packages: { location: string }[] };
      paths.push(`/acme/${repo}/repodata/repomd.xml`, `/acme/${repo}/repodata/repomd.xml.asc`, `/acme/${repo}/${primary}`,
        ...list.packages.map((p) => `/acme/${repo}/${p.location}`));
    }
    const reader = (await createToken(store, { tenant: 'acme', scopes: ['read'], repos: ['closed', 'open'], expiresAt: null }, new Date())).token;
    const credentials = { anonymous: {}, 'read token': { authorization: `Basic ${btoa(`dnf:${reader}`)}` } };
    let compared = 0;
    const statuses = new Set<number>();
    // twice: the first round fills the caches, the second answers from them
    for (const round of [1, 2]) {
      for (const path of paths) {
        const meta = await uncached.app.request(path, { method: 'HEAD', headers: op });
        const size = Number(meta.headers.get('content-length'));
        const variants: Record<string, string>[] = [
          {}, { range: 'bytes=0-9' }, { range: `bytes=${size - 300_000}-` }, { range: 'bytes=100-299999' },
          { range: 'bytes=0-1,5-7,300000-300009' }, { range: `bytes=${size}-` }, { 'if-none-match': meta.headers.get('etag') ?? '' },
          { range: 'bytes=5-9', 'if-range': '"stale"' },
        ];
        for (const [who, cred] of Object.entries(credentials)) {
          for (const method of ['GET', 'HEAD']) {
            for (const extra of variants) {
              const init = { method, headers: { ...cred, ...extra, 'x-request-id': 'serving-path-test' } };
              const answers: Answer[] = [];
              const logs: unknown[][] = [];
              for (const a of [memory, streamed, uncached]) {
                lines.length = 0;
                answers.push(await comparableAnswer(await a.app.request(path, init)));
                logs.push(lines.splice(0).map((l) => ({ ...(JSON.parse(l) as object), time: undefined, ms: undefined })));
              }
              const what = `round ${round}: ${method} ${path} as ${who} ${JSON.stringify(extra)}`;
              expect(answers[1], `${what} (streamed)`).toEqual(answers[0]);
              expect(answers[2], `${what} (uncached)`).toEqual(answers[0]);
              expect(logs[1], what).toEqual(logs[0]);
              expect(logs[2], what).toEqual(logs[0]);
              statuses.add(answers[0]!.status);
              compared++;
            }
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(500);
    expect([...statuses].sort()).toEqual([200, 206, 304, 401, 416]);
  }, 180_000);
});
