// A package whose name starts with '.' would be placed at Packages/./.x-… — a path no URL can
// reach (`./` is normalised away) and a hidden file in every `berth sync` copy. rpmbuild refuses
// such names, so publish does too (422 invalid_package_name), and the repo stays servable and
// syncable.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/app.js';
import { toProblem } from '../../src/http/errors.js';
import { sync } from '../../src/sync/run.js';
import { nodePlatform } from '../../src/adapters/node/platform.js';
import { customRpm } from './custom-rpm.js';
import { makeWorld, publish, snapshot } from './support.js';

const work = mkdtempSync(join(tmpdir(), 'berth-names-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('package names starting with "."', () => {
  it('are refused at publish with 422 invalid_package_name, storing nothing', async () => {
    const w = await makeWorld([{ name: 'open', allowUnsigned: true, public: true }]);
    const before = await snapshot(w.store);
    for (const name of ['.hidden', '..', '.']) {
      const err = await publish(w, 'open', customRpm({ name })).then(() => null, (e: unknown) => e);
      expect(toProblem(err), name).toMatchObject({ status: 422, code: 'invalid_package_name' });
    }
    expect(await snapshot(w.store)).toEqual(before);
    // a dot later in the name is ordinary (rpmbuild allows it)
    expect((await publish(w, 'open', customRpm({ name: 'python3.12-x' }))).body.location).toBe('Packages/p/python3.12-x-1.0-1.noarch.rpm');
  });

  it('leave a repo that berth sync copies whole', async () => {
    const w = await makeWorld([{ name: 'open', allowUnsigned: true, public: true }]);
    await publish(w, 'open', customRpm({ name: 'alpha' }));
    await publish(w, 'open', customRpm({ name: '.hidden' })).catch(() => undefined);
    await publish(w, 'open', customRpm({ name: 'beta' }));
    await w.sink.idle();
    const app = createApp(w.deps);
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    try {
      const dir = join(work, 'copy');
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/acme/open`;
      const r = await sync({ url, dir, platform: nodePlatform, trustServerKey: true, attempts: 1, retryDelayMs: 1 });
      expect(r.fetched.packages).toBe(2);
      expect(readdirSync(join(dir, 'Packages'), { recursive: true }).map(String).filter((f) => f.endsWith('.rpm')).sort())
        .toEqual(['a/alpha-1.0-1.noarch.rpm', 'b/beta-1.0-1.noarch.rpm']);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
