// An in-process Berth serving one public repo of synthetic packages (synth-berth.ts) on
// 127.0.0.1, for the delta-sync tests and bench:sync: every request logged (path, Range, status),
// every byte written to the sockets counted (headers included), and a hook that may replace an
// answer (a hostile map, a server that ignores ranges, a range that stalls half-way).
import { serve } from '@hono/node-server';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { nodePlatform } from '../../src/adapters/node/platform.js';
import { createApp } from '../../src/http/app.js';
import { initIndex, updateIndex } from '../../src/repo/index-store.js';
import { regenerate } from '../../src/repo/regenerate.js';
import { storeTenancy } from '../../src/repo/tenancy-bindings.js';
import { makeWorld, type World } from '../repo/support.js';
import { seedSynthetic, type SynthPackage } from './synth-berth.js';

export interface ServedRequest {
  path: string;
  range: string | null;
  status: number;
}

/** Replaces the app's answer to `req` (or returns it as is). */
export type Hook = (req: Request, res: Response) => Response | Promise<Response>;

export interface SynthBerth {
  /** The repo's base URL (dnf's baseurl). */
  url: string;
  world: World;
  /** Packages seeded so far (their stand-in files, for placing in a sync target). */
  packages: SynthPackage[];
  /** Adds packages `from`..`to`-1 in one commit and regenerates. */
  publish(from: number, to: number): Promise<void>;
  /** Removes packages by position in `packages` in one commit and regenerates. */
  remove(indexes: readonly number[]): Promise<void>;
  requests(): ServedRequest[];
  /** Bytes written to client sockets so far (status lines, headers and bodies). */
  sentBytes(): number;
  hook: Hook | null;
  stop(): Promise<void>;
}

export const TENANT = 'acme';
export const REPO = 'big';

/** `rpms`: the packages are real RPM files (for a mirror, which reads each one), not stand-ins. */
export async function startSynthBerth(count: number, opts: { divisor?: number; rpms?: boolean } = {}): Promise<SynthBerth> {
  const world = await makeWorld([{ name: REPO, allowUnsigned: true, public: true }]);
  if (opts.divisor !== undefined) await initIndex(world.store, TENANT, REPO, { divisor: opts.divisor });
  const deps = { store: world.store, platform: nodePlatform, clock: () => new Date(), logger: world.logger };
  const regen = async (): Promise<void> => {
    await regenerate(deps, storeTenancy, TENANT, REPO);
  };
  const rpms = opts.rpms === true;
  const packages = await seedSynthetic(world.store, TENANT, REPO, 1, count + 1, undefined, rpms);
  await regen();
  const app = createApp(world.deps);
  const log: ServedRequest[] = [];
  let sent = 0;
  const seen = new WeakMap<Socket, number>();
  const handle: SynthBerth = {
    url: '',
    world,
    packages,
    hook: null,
    async publish(from, to) {
      packages.push(...(await seedSynthetic(world.store, TENANT, REPO, from, to, undefined, rpms)));
      await regen();
    },
    async remove(indexes) {
      const gone = new Set(indexes.map((i) => packages[i]?.sha256));
      await updateIndex(world.store, TENANT, REPO, () => new Date(), (cur) => ({ next: { ...cur, packages: cur.packages.filter((p) => !gone.has(p.sha256)) }, result: null }));
      for (const i of [...indexes].sort((a, b) => b - a)) packages.splice(i, 1);
      await regen();
    },
    requests: () => [...log],
    sentBytes: () => sent,
    stop: async () => undefined,
  };
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({
      hostname: '127.0.0.1', port: 0,
      fetch: async (req: Request) => {
        const res = await app.fetch(req);
        const out = handle.hook ? await handle.hook(req, res) : res;
        log.push({ path: new URL(req.url).pathname, range: req.headers.get('range'), status: out.status });
        return out;
      },
    }, () => resolve(s));
  });
  // a socket's bytes are counted as each answer finishes (keep-alive connections outlive a sync)
  // and when it closes; the socket is taken at the request (node detaches it at 'finish')
  const tally = (sock: Socket): void => {
    sent += sock.bytesWritten - (seen.get(sock) ?? 0);
    seen.set(sock, sock.bytesWritten);
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const sock = req.socket;
    res.once('finish', () => tally(sock));
    res.once('close', () => tally(sock));
  });
  server.on('connection', (sock: Socket) => {
    sock.once('close', () => tally(sock));
  });
  handle.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/${TENANT}/${REPO}`;
  handle.stop = () => new Promise<void>((resolve) => {
    (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
    server.close(() => resolve());
  });
  return handle;
}

/** Every file under DIR/repodata, name → bytes. */
export function repodataOf(dir: string): Map<string, Buffer> {
  const d = join(dir, 'repodata');
  return new Map(readdirSync(d).sort().map((f) => [f, readFileSync(join(d, f))]));
}

/** Names of repodata files that are not byte-identical in the two DIRs (or exist in one only). */
export function differingRepodata(a: string, b: string): string[] {
  const x = repodataOf(a);
  const y = repodataOf(b);
  const names = new Set([...x.keys(), ...y.keys()]);
  return [...names].filter((n) => !(x.get(n)?.equals(y.get(n) ?? Buffer.alloc(0)) ?? false));
}

/** Sum of the sizes of the metadata files DIR's repomd.xml lists. */
export function metadataBytes(dir: string): number {
  const repomd = readFileSync(join(dir, 'repodata', 'repomd.xml'), 'utf8');
  return [...repomd.matchAll(/<location href="([^"]+)"/g)].reduce((a, m) => a + statSync(join(dir, m[1] as string)).size, 0);
}
