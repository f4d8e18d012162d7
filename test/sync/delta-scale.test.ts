// An appliance that keeps a 50,000-package Berth repo in sync transfers, after one publish, at
// most 2 % of the repo's metadata bytes: every byte the server wrote to the appliance's sockets
// (status lines, headers, repomd.xml, its signature, the member map, the changes feed, the
// changed members and the new package) is counted against the size of the metadata files.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nodePlatform } from '../../src/adapters/node/platform.js';
import { sync } from '../../src/sync/run.js';
import { placePackages, type SynthPackage } from './synth-berth.js';
import { metadataBytes, startSynthBerth, type SynthBerth } from './synth-server.js';

const PACKAGES = 50_000;
const work = mkdtempSync(join(tmpdir(), 'berth-delta-scale-'));

describe('delta sync at 50,000 packages', () => {
  let up: SynthBerth | undefined;
  afterAll(async () => {
    await up?.stop();
    rmSync(work, { recursive: true, force: true });
  }, 600_000);

  it('one publish costs the appliance ≤ 2 % of the metadata bytes', async () => {
    up = await startSynthBerth(PACKAGES);
    const dir = join(work, 'edge');
    await placePackages(dir, up.packages);
    const opts = { url: up.url, dir, platform: nodePlatform, trustServerKey: true, jobs: 8 };
    const first = await sync({ ...opts, force: true });
    expect(first.reused.packages).toBe(PACKAGES);

    await up.publish(PACKAGES + 1, PACKAGES + 2);
    const before = up.sentBytes();
    const s = await sync(opts);
    const sent = up.sentBytes() - before;
    const total = metadataBytes(dir);
    expect(s.fetched.packages).toBe(1);
    expect(s.ranges, JSON.stringify(s)).toMatchObject({ files: 3, fallbacks: 0 });
    expect(total).toBeGreaterThan(5_000_000);
    // what the client counted as body bytes is part of what the server wrote
    expect(s.bytes).toBeLessThanOrEqual(sent);
    expect(sent / total, `${sent} bytes sent for ${total} bytes of metadata`).toBeLessThanOrEqual(0.02);
    // DIR holds the files the new repomd.xml names, made of fetched and copied members (sync
    // checked each checksum; the byte-for-byte comparison with a whole download is
    // test/sync/delta.test.ts's), and the new package
    expect(s.ranges.fetchedBytes + s.ranges.copiedBytes).toBe(total);
    const last = up.packages[up.packages.length - 1] as SynthPackage;
    expect(readFileSync(join(dir, last.location)).equals(Buffer.from(last.bytes))).toBe(true);
  }, 1_800_000);
});
