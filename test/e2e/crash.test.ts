// Crash safety of the index, the change log and regeneration: `berth serve` is killed with
// SIGKILL at a random moment (seeded, replayable) while publishes arrive concurrently and the
// repo regenerates behind them. After each kill it is started again on the same data root: the
// repomd.xml it serves names only files it serves, before and after its start-time catch-up, and
// once caught up every package ever acknowledged (201) is served, byte for byte, and listed in
// primary.xml. Several seeds, several kills per seed, all on one growing store.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../helpers/prng.js';
import { eventually, startBerthServer, type BerthServer } from '../helpers/service.js';
import { syntheticRpm } from '../repo/support.js';

const ADMIN = `crash-operator-${process.pid}-secret-token`;
const auth = { authorization: `Bearer ${ADMIN}` };
const work = mkdtempSync(join(tmpdir(), 'berth-crash-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Acked { name: string; location: string; sha256: string; revision: number }

async function api(url: string, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${url}${path}`, {
    method, headers: { ...auth, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** repomd.xml as served now, and every file it names fetched: all must be served. */
async function repomdConsistent(url: string): Promise<{ revision: number; primary: string } | null> {
  const res = await fetch(`${url}/acme/main/repodata/repomd.xml`, { headers: auth });
  if (res.status === 404) return null; // no generation yet
  expect(res.status).toBe(200);
  const xml = await res.text();
  const hrefs = [...xml.matchAll(/<location href="([^"]+)"/g)].map((m) => m[1] as string);
  expect(hrefs.length).toBeGreaterThanOrEqual(3);
  let primary = '';
  for (const href of hrefs) {
    const file = await fetch(`${url}/acme/main/${href}`, { headers: auth });
    expect(file.status, `repomd.xml names ${href}`).toBe(200);
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (href.endsWith('-primary.xml.gz')) primary = gunzipSync(bytes).toString('utf8');
  }
  return { revision: Number(/<revision>(\d+)<\/revision>/.exec(xml)?.[1] ?? -1), primary };
}

/** Publishes `names` `jobs` at a time until they are all tried or the server dies; the 201s. */
async function publishUntilKilled(url: string, names: string[], jobs: number): Promise<Acked[]> {
  const acked: Acked[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: jobs }, async () => {
    while (next < names.length) {
      const name = names[next++] as string;
      let res: Response;
      try {
        res = await fetch(`${url}/api/v1/repos/acme/main/packages`, { method: 'PUT', body: syntheticRpm(name), headers: { ...auth, 'content-type': 'application/x-rpm' } });
      } catch {
        return; // the server died: this publish was never acknowledged
      }
      const body = (await res.json().catch(() => ({}))) as { location?: string; sha256?: string; revision?: number };
      if (res.status === 201) acked.push({ name, location: body.location as string, sha256: body.sha256 as string, revision: body.revision as number });
      else expect(res.status, `${name}: ${JSON.stringify(body)}`).toBe(503); // busy is allowed, anything else is a fault
    }
  }));
  return acked;
}

describe('kill -9 while publishing', () => {
  it('every acknowledged package is served after a restart, and repomd.xml never names a missing file', async () => {
    const data = join(work, 'data');
    const start = (): Promise<BerthServer> => startBerthServer({ data, env: { BERTH_ADMIN_TOKEN: ADMIN } });
    let server = await start();
    expect((await api(server.url, 'POST', '/api/v1/tenants', { name: 'acme' })).status).toBe(201);
    expect((await api(server.url, 'POST', '/api/v1/tenants/acme/repos', { name: 'main', allowUnsigned: true })).status).toBe(201);

    const acked: Acked[] = [];
    let kills = 0;
    for (const seed of [11, 29, 47]) {
      const random = mulberry32(seed);
      for (let round = 0; round < 2; round++) {
        const names = Array.from({ length: 200 }, (_, i) => `crash-${seed}-${round}-${String(i).padStart(3, '0')}`);
        // a kill point somewhere in the burst: after 30 ms to 2.5 s of publishing
        const killAfterMs = 30 + Math.floor(random() * 2500);
        const burst = publishUntilKilled(server.url, names, 8);
        await new Promise((r) => setTimeout(r, killAfterMs));
        process.kill(server.pid, 'SIGKILL');
        kills++;
        const got = await burst;
        await server.stop(); // reaps the dead child
        acked.push(...got);

        server = await start();
        // what it serves before its start-time catch-up has finished must already be consistent
        await repomdConsistent(server.url);
        const latest = Math.max(0, ...acked.map((a) => a.revision));
        const caughtUp = await eventually(`repomd.xml at revision ${latest} (seed ${seed}, round ${round})`, async () => {
          const r = await repomdConsistent(server.url);
          return r && r.revision >= latest ? r : undefined;
        });
        for (const a of acked) {
          expect(caughtUp.primary, `${a.name} listed in primary.xml`).toContain(`<location href="${a.location}"/>`);
          const res = await fetch(`${server.url}/acme/main/${a.location}`, { headers: auth });
          expect(res.status, `${a.name} served`).toBe(200);
          expect(createHash('sha256').update(new Uint8Array(await res.arrayBuffer())).digest('hex')).toBe(a.sha256);
        }
      }
    }
    // the kills did land mid-burst: some publishes were acknowledged, not all of them
    expect(kills).toBe(6);
    expect(acked.length).toBeGreaterThan(0);
    expect(acked.length).toBeLessThan(6 * 200);
    await server.stop();
  }, 600_000);
});
