/**
 * bench:sync's Berth-upstream part: `berth sync` from a Berth repo fetching only the changed
 * members of each metadata file by Range (the member map), side by side with the same sync
 * downloading whole files (the map withheld: what any other upstream gets), in one run.
 *
 * Upstream: an in-process Berth (test/sync/synth-server.ts) with N synthetic packages put into
 * its index the way publishing leaves them, regenerated; bytes = everything the server wrote to
 * the client's sockets (status lines, headers, bodies), requests from its log. Two DIRs synced in
 * full first; then each round changes the repo and syncs both: "ranges" (DIR 1) and "whole"
 * (DIR 2, the member map answered 404). The client runs in the server's process (sync()), so
 * wall times include the server's work.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodePlatform } from '../../src/adapters/node/platform.js';
import { sync, type SyncSummary } from '../../src/sync/run.js';
import { placePackages } from '../../test/sync/synth-berth.js';
import { differingRepodata, metadataBytes, startSynthBerth } from '../../test/sync/synth-server.js';

/** One timed run against a Berth upstream: by ranges or whole files, and what it transferred. */
export interface TransferRow<S> {
  round: string;
  mode: 'ranges' | 'whole';
  seconds: number;
  requests: number;
  bytes: number;
  metadataBytes: number;
  summary: S;
}

export type BerthRow = TransferRow<SyncSummary>;

export async function benchBerthUpstream(n: number, replaced: number, jobs: number, log: (line: string) => void): Promise<BerthRow[]> {
  const work = await mkdtemp(join(tmpdir(), 'berth-bench-sync-berth-'));
  const t0 = performance.now();
  const up = await startSynthBerth(n);
  log(`berth upstream: ${n} packages seeded and regenerated in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const dirs = { ranges: join(work, 'ranges'), whole: join(work, 'whole') };
  const rows: BerthRow[] = [];
  const round = async (label: string, force = false): Promise<void> => {
    for (const mode of ['ranges', 'whole'] as const) {
      up.hook = mode === 'whole' ? (req, res) => (new URL(req.url).pathname.endsWith('-members.json') ? new Response('', { status: 404 }) : res) : null;
      const bytes0 = up.sentBytes();
      const reqs0 = up.requests().length;
      const t = performance.now();
      const summary = await sync({ url: up.url, dir: dirs[mode], platform: nodePlatform, trustServerKey: true, force, jobs });
      const seconds = (performance.now() - t) / 1000;
      await new Promise((r) => setTimeout(r, 50)); // let 'finish' events of the last answers count
      const row = { round: label, mode, seconds, requests: up.requests().length - reqs0, bytes: up.sentBytes() - bytes0, metadataBytes: metadataBytes(dirs[mode]), summary };
      log(`  ${label} (${mode}): ${seconds.toFixed(2)} s, ${row.requests} requests, ${row.bytes} bytes, ranges ${JSON.stringify(summary.ranges)}`);
      rows.push(row);
    }
    up.hook = null;
    const differ = differingRepodata(dirs.ranges, dirs.whole);
    if (differ.length > 0) throw new Error(`ranges and whole downloads differ after "${label}": ${differ.join(', ')}`);
  };
  try {
    for (const d of Object.values(dirs)) await placePackages(d, up.packages);
    await round('full', true);
    await up.publish(n + 1, n + 2);
    await round('1 published');
    const step = Math.max(1, Math.floor(up.packages.length / replaced));
    await up.remove(Array.from({ length: replaced }, (_, k) => Math.min(up.packages.length - 1, k * step)));
    await up.publish(n + 2, n + 2 + replaced);
    await round(`${replaced} replaced`);
    return rows;
  } finally {
    await up.stop();
    await rm(work, { recursive: true, force: true });
  }
}

export function printBerthRows(rows: readonly BerthRow[], out: (line: string) => void): void {
  out('| round | mode | wall s | requests | bytes sent | metadata bytes | bytes / metadata | ranges: files, fetched, copied, fallbacks |');
  out('|---|---|---:|---:|---:|---:|---:|---|');
  for (const r of rows) {
    const g = r.summary.ranges;
    out(`| ${r.round} | ${r.mode} | ${r.seconds.toFixed(2)} | ${r.requests} | ${r.bytes} | ${r.metadataBytes} | ${(100 * r.bytes / r.metadataBytes).toFixed(2)} % | ${g.files}, ${g.fetchedBytes}, ${g.copiedBytes}, ${g.fallbacks} |`);
  }
  const pairs = new Map<string, { ranges?: BerthRow; whole?: BerthRow }>();
  for (const r of rows) pairs.set(r.round, { ...pairs.get(r.round), [r.mode]: r });
  out('');
  for (const [round, p] of pairs) {
    if (!p.ranges || !p.whole || round === 'full') continue;
    out(`${round}: ranges / whole = bytes ${(p.ranges.bytes / p.whole.bytes).toFixed(3)}×, wall ${(p.ranges.seconds / p.whole.seconds).toFixed(2)}×`);
  }
}
