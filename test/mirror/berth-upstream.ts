// Complete mirrors of a Berth upstream (test/sync/synth-server.ts, with real RPM files so the
// mirror can ingest them) for the delta tests: an in-process mirror world on a memory store with
// public repos, what a mirror repo stores as its current metadata, and that repo served over
// loopback so `berth sync` (the same checks an appliance makes) can copy it into a directory.
import { serve } from '@hono/node-server';
import { rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { nodePlatform } from '../../src/adapters/node/platform.js';
import { createApp } from '../../src/http/app.js';
import { currentGeneration } from '../../src/repo/generations.js';
import { runMirror, type MirrorSummary } from '../../src/mirror/run.js';
import type { BlobStore } from '../../src/storage/blob-store.js';
import { repodataKey } from '../../src/storage/keys.js';
import { sync, type SyncSummary } from '../../src/sync/run.js';
import { repoProblems } from '../sync/support.js';
import { configure, mirrorWorld, type MirrorWorld } from './worlds.js';

export interface BerthMirror {
  w: MirrorWorld;
  /** Base URL of this world's repos: `${url}/acme/<repo>`. */
  url: string;
  run(repo: string): Promise<MirrorSummary>;
  /** Adds a complete mirror of `from` (verification off: the upstream signs with its own key). */
  add(repo: string, from: string): Promise<void>;
  stop(): Promise<void>;
}

/** A mirror world (on `store`, default memory) whose repos are public and served on 127.0.0.1; upstreams on 127.0.0.1 allowed. */
export async function berthMirror(repos: readonly string[], store?: BlobStore): Promise<BerthMirror> {
  const w = await mirrorWorld(repos.map((repo) => ({ tenant: 'acme', repo, public: true })), ['127.0.0.1'], {}, store);
  const app = createApp(w.deps);
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ hostname: '127.0.0.1', port: 0, fetch: (req: Request) => app.fetch(req) }, () => resolve(s));
  });
  return {
    w,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    run: async (repo) => {
      w.now.value = new Date(w.now.value.getTime() + 1000);
      return runMirror(w.deps, 'acme', repo, { baseDelayMs: 1 });
    },
    add: (repo, from) => configure(w, 'acme', repo, { from, mode: 'complete', verify: false }),
    stop: () => new Promise<void>((resolve) => {
      (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
}

/** The metadata files the mirror repo's current generation lists, name → bytes (the member map apart). */
export async function storedMetadata(w: MirrorWorld, repo: string): Promise<Map<string, Buffer>> {
  const gen = await currentGeneration(w.store, 'acme', repo);
  if (!gen) throw new Error(`acme/${repo} has no generation`);
  const out = new Map<string, Buffer>([['repomd.xml', Buffer.from(gen.record.repomd)]]);
  for (const f of gen.record.files.filter((n) => !n.endsWith('-members.json')).sort()) {
    const obj = await w.store.get(repodataKey('acme', repo, f));
    if (!obj) throw new Error(`${f} is listed but not stored`);
    out.set(f, Buffer.from(await new Response(obj.body).arrayBuffer()));
  }
  return out;
}

/**
 * The mirror repo as an appliance sees it: `berth sync` of it into a fresh `dir` (repomd.xml's
 * signature is upstream's, made with a key this test does not pin: checksums are still checked),
 * then an independent check of `dir` (every metadata checksum, every package present with its
 * checksum). Returns the sync summary and the problems found.
 */
export async function servedCopy(m: BerthMirror, repo: string, dir: string): Promise<{ summary: SyncSummary; problems: string[] }> {
  rmSync(dir, { recursive: true, force: true });
  const summary = await sync({ url: `${m.url}/acme/${repo}`, dir, platform: nodePlatform, noVerify: true, retryDelayMs: 1 });
  return { summary, problems: repoProblems(dir) };
}
