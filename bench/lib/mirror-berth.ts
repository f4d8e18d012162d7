/**
 * bench:sync's mirror part: a complete `berth mirror` of a Berth repo fetching only the changed
 * members of each metadata file by Range, side by side with the same mirror downloading whole
 * files (the member map answered 404: what any other upstream gets), in one run.
 *
 * Upstream: an in-process Berth (test/sync/synth-server.ts) with N synthetic packages as real RPM
 * files (a mirror reads every package it stores); mirrors: two complete mirrors in an in-process
 * world on a memory store (test/mirror/berth-upstream.ts). Bytes = everything the upstream wrote
 * to the mirror's sockets (status lines, headers, bodies); requests from the run summary. Rounds:
 * the first mirror run (both whole: nothing stored yet), then one package published.
 */
import { startSynthBerth } from '../../test/sync/synth-server.js';
import { berthMirror, storedMetadata } from '../../test/mirror/berth-upstream.js';
import type { MirrorSummary } from '../../src/mirror/run.js';
import type { TransferRow } from './sync-berth.js';

export type MirrorRow = TransferRow<MirrorSummary>;

export async function benchMirrorBerth(n: number, log: (line: string) => void): Promise<MirrorRow[]> {
  const t0 = performance.now();
  const up = await startSynthBerth(n, { rpms: true });
  log(`mirror upstream: ${n} packages (real RPM files) seeded and regenerated in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const m = await berthMirror(['ranges', 'whole']);
  const rows: MirrorRow[] = [];
  const round = async (label: string): Promise<void> => {
    for (const mode of ['ranges', 'whole'] as const) {
      up.hook = mode === 'whole' ? (req, res) => (new URL(req.url).pathname.endsWith('-members.json') ? new Response('', { status: 404 }) : res) : null;
      const bytes0 = up.sentBytes();
      const t = performance.now();
      const summary = await m.run(mode);
      const seconds = (performance.now() - t) / 1000;
      await new Promise((r) => setTimeout(r, 50)); // let 'finish' events of the last answers count
      if (!summary.ok) throw new Error(`mirror run failed: ${JSON.stringify(summary.error)}`);
      const files = await storedMetadata(m.w, mode);
      const metadataBytes = [...files].filter(([name]) => name !== 'repomd.xml').reduce((a, [, b]) => a + b.length, 0);
      const row = { round: label, mode, seconds, requests: summary.requests, bytes: up.sentBytes() - bytes0, metadataBytes, summary };
      log(`  ${label} (${mode}): ${seconds.toFixed(2)} s, ${row.requests} requests, ${row.bytes} bytes, ranges ${JSON.stringify(summary.ranges)}`);
      rows.push(row);
    }
    up.hook = null;
    const [a, b] = [await storedMetadata(m.w, 'ranges'), await storedMetadata(m.w, 'whole')];
    const differ = [...a].filter(([name, bytes]) => !bytes.equals(b.get(name) ?? Buffer.alloc(0))).map(([name]) => name);
    if (differ.length > 0 || a.size !== b.size) throw new Error(`ranges and whole mirrors differ after "${label}": ${differ.join(', ')}`);
  };
  try {
    for (const mode of ['ranges', 'whole']) await m.add(mode, up.url);
    await round('first run');
    await up.publish(n + 1, n + 2);
    await round('1 published');
    return rows;
  } finally {
    await m.stop();
    await up.stop();
  }
}

export function printMirrorRows(rows: readonly MirrorRow[], out: (line: string) => void): void {
  out('| round | mode | wall s | requests | bytes sent | metadata bytes | ranges: files, fetched, copied, fallbacks |');
  out('|---|---|---:|---:|---:|---:|---|');
  for (const r of rows) {
    const g = r.summary.ranges;
    out(`| ${r.round} | ${r.mode} | ${r.seconds.toFixed(2)} | ${r.requests} | ${r.bytes} | ${r.metadataBytes} | ${g.files}, ${g.fetchedBytes}, ${g.copiedBytes}, ${g.fallbacks} |`);
  }
  const last = rows.filter((r) => r.round === '1 published');
  const [ranges, whole] = [last.find((r) => r.mode === 'ranges'), last.find((r) => r.mode === 'whole')];
  if (ranges && whole) {
    out('');
    out(`1 published: ranges / whole = bytes ${(ranges.bytes / whole.bytes).toFixed(3)}×, wall ${(ranges.seconds / whole.seconds).toFixed(2)}×; metadata fetched by ranges ${(100 * ranges.summary.ranges.fetchedBytes / ranges.metadataBytes).toFixed(2)} % of the metadata bytes`);
  }
}
