// The Node server writes large file bodies itself (src/adapters/node/file-bodies.ts) instead of
// pumping their web streams: the answers must be those the app builds, byte for byte — status,
// headers (but Date), body — for full, ranged, multi-range and HEAD requests, and a client that
// goes away mid-body must leave no file open.
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/adapters/node/config.js';
import { buildAppDeps } from '../../../src/adapters/node/deps.js';
import { fileBodyStats, sendingFileBodies } from '../../../src/adapters/node/file-bodies.js';
import { jsonLogger } from '../../../src/adapters/node/logger.js';
import { operatorTokenHash } from '../../../src/auth/operator.js';
import { createApp } from '../../../src/http/app.js';
import { createRepo } from '../../../src/repo/repos.js';
import { createTenant } from '../../../src/repo/tenants.js';
import { createFsBlobStore } from '../../../src/storage/fs-store.js';
import { incompressibleRpm } from '../../core/rpm/build-rpm.js';
import { comparableAnswer } from '../../helpers/http-answer.js';

const OPERATOR = 'operator-secret-for-file-body-tests';
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function listen(fetch: Parameters<typeof serve>[0]['fetch']): Promise<string> {
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  cleanup.push(() => new Promise((r) => {
    (server as { closeAllConnections?: () => void }).closeAllConnections?.();
    server.close(() => r());
  }));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const openFiles = (): number => readdirSync('/proc/self/fd').length;

describe('file bodies on Node', () => {
  it('are written as the app builds them: full, ranges, multi-range, HEAD; a client gone mid-body leaves no file open', async () => {
    const root = await mkdtemp(join(tmpdir(), 'berth-file-bodies-'));
    cleanup.push(() => rm(root, { recursive: true, force: true }));
    const store = createFsBlobStore(root);
    const { deps, sink } = buildAppDeps(loadConfig({}), store, await operatorTokenHash(OPERATOR), jsonLogger(() => undefined));
    await createTenant(store, 'acme', new Date());
    await createRepo(store, { tenant: 'acme', name: 'open', public: true, allowUnsigned: true }, new Date());
    const app = createApp(deps);
    const bytes = incompressibleRpm('big-one', 3 * 1024 * 1024 + 12345); // over the 1 MiB cache cap: streamed, several chunks
    const put = await app.request('/api/v1/repos/acme/open/packages', { method: 'PUT', headers: { authorization: `Bearer ${OPERATOR}` }, body: bytes });
    expect(put.status).toBe(201);
    await sink.idle();
    const path = `/acme/open/${((await put.json()) as { location: string }).location}`;
    const direct = await listen(sendingFileBodies(app.fetch));
    const plain = await listen(app.fetch);

    const size = bytes.length;
    const before = fileBodyStats.sent;
    const variants: [string, Record<string, string>][] = [
      ['GET', {}], ['HEAD', {}], ['GET', { range: 'bytes=0-9' }], ['GET', { range: `bytes=${256 * 1024 - 5}-${256 * 1024 + 4}` }],
      ['GET', { range: 'bytes=-70000' }], ['GET', { range: 'bytes=1000000-' }], ['GET', { range: 'bytes=0-1,300000-300009' }],
      ['GET', { range: `bytes=${size}-` }], ['HEAD', { range: 'bytes=0-9' }], ['GET', { 'x-request-id': 'file-body-test-1' }],
    ];
    for (const [method, headers] of variants) {
      const a = await comparableAnswer(await fetch(`${direct}${path}`, { method, headers: { 'x-request-id': 'file-body-test', ...headers } }));
      const b = await comparableAnswer(await fetch(`${plain}${path}`, { method, headers: { 'x-request-id': 'file-body-test', ...headers } }));
      expect({ ...a, body: a.body.length }, `${method} ${JSON.stringify(headers)}`).toEqual({ ...b, body: b.body.length });
      expect(a.body.equals(b.body), `${method} ${JSON.stringify(headers)}`).toBe(true);
    }
    const full = await fetch(`${direct}${path}`);
    expect(Buffer.from(await full.arrayBuffer()).equals(Buffer.from(bytes))).toBe(true);
    // the full GETs and single ranges went the direct way (7); HEAD, multi-range and 416 did not
    expect(fileBodyStats.sent - before).toBe(7);

    // a client that reads a little and hangs up: the file is closed, the server goes on serving
    const baseline = openFiles();
    for (let i = 0; i < 5; i++) {
      await new Promise<void>((resolve, reject) => {
        const req = httpRequest(`${direct}${path}`, (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        });
        req.on('error', (e) => (req.destroyed ? resolve() : reject(e)));
        req.end();
      });
    }
    for (let i = 0; i < 50 && openFiles() > baseline; i++) await new Promise((r) => setTimeout(r, 20));
    expect(openFiles()).toBeLessThanOrEqual(baseline);
    const after = await fetch(`${direct}${path}`);
    expect(Buffer.from(await after.arrayBuffer()).equals(Buffer.from(bytes))).toBe(true);
  }, 60_000);
});
