// A big Berth repo made cheaply for sync tests and bench:sync: N synthetic packages put into a
// repo through the service's own functions — fragments from `fragmentFile` (the publish path's
// XML writer), `writeFragmentFile`, one `updateIndex` commit — exactly what publishing N packages
// leaves for regeneration, without building and parsing N RPM files (readRpm of 50,000 synthetic
// packages alone takes most of a minute on a loaded 2-CPU machine). Each record is what readRpm
// returns for bench/lib/synth-repo.ts's packages (12 files in 4 directories, provides, requires,
// 12 changelog entries); its "file" is a few bytes whose sha256 and size the record carries, so an
// appliance can hold it (sync checks size and checksum, never parses packages).
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { nodePlatform } from '../../src/adapters/node/platform.js';
import type { PackageRecord, RpmPackage } from '../../src/core/model.js';
import { readRpm } from '../../src/core/rpm/index.js';
import type { IndexEntry } from '../../src/repo/index-entry.js';
import { packagePlacement } from '../../src/repo/index-entry.js';
import { updateIndex } from '../../src/repo/index-store.js';
import { fragmentFile, writeFragmentFile } from '../../src/repo/package-fragments.js';
import type { BlobStore } from '../../src/storage/blob-store.js';
import { packageBlobKey } from '../../src/storage/keys.js';
import { synthPackage } from '../../bench/lib/synth-repo.js';

export interface SynthPackage {
  location: string;
  bytes: Uint8Array;
  sha256: string;
}

const dep = (name: string, flags = 0, version = ''): { name: string; flags: number; version: string } => ({ name, flags, version });

/** Package `i`'s header model (as readRpm gives it) and its stand-in file bytes. */
export function synthModel(i: number): { pkg: RpmPackage; bytes: Uint8Array } {
  const name = `bench-pkg-${String(i).padStart(6, '0')}`;
  const dirs = ['/usr/bin/', `/usr/share/${name}/`, `/usr/share/doc/${name}/`, `/etc/${name}/`];
  const files = Array.from({ length: 12 }, (_, f) => {
    const d = f === 0 ? 0 : f < 8 ? 1 : f < 11 ? 2 : 3;
    return { path: `${dirs[d]}${f === 0 ? name : `file-${f}.dat`}`, type: 'file' as const };
  });
  const pkg: RpmPackage = {
    name, epoch: null, version: `${1 + (i % 7)}.${i % 13}.${i % 5}`, release: `${1 + (i % 3)}.el9`, arch: 'x86_64', isSource: false,
    summary: `Benchmark package ${i} & friends`, description: `A synthetic package used to measure repodata generation.\nNumber ${i}.`,
    packager: 'Berth Bench', url: `https://example.com/${name}?a=1&b=2`, license: 'MIT', vendor: '', group: 'Development/Tools',
    buildHost: 'bench.example.com', sourceRpm: `${name}-1.0-1.el9.src.rpm`, buildTime: 1700000000 + i, installedSize: 4000 + (i % 977),
    archiveSize: 4400 + (i % 977), headerStart: 4504, headerEnd: 7000 + (i % 311), payloadFormat: 'cpio',
    provides: [dep(name, 8, '1.0-1.el9'), dep(`${name}(x86-64)`, 8, '1.0-1.el9'), dep(`bench-cap-${i}`)],
    requires: [dep('/bin/sh'), dep(`bench-pkg-${String(Math.max(0, i - 1)).padStart(6, '0')}`, 0x8, '1.0'), dep('rpmlib(PayloadFilesHavePrefix)', 0x1000000a, '4.0-1')],
    conflicts: [], obsoletes: [], recommends: [], suggests: [], supplements: [], enhances: [], oldSuggests: [], oldEnhances: [],
    files,
    changelog: Array.from({ length: 12 }, (_, k) => ({ author: `Dev ${k} <dev${k}@example.com> - 1.${k}`, time: 1700000000 - k * 86400 * 7, text: `- change number ${k} for ${name}` })),
  };
  return { pkg, bytes: new TextEncoder().encode(`stand-in for ${name}.x86_64.rpm\n`) };
}

/**
 * Package `i` as a real (unsigned) RPM file, bench/lib/synth-repo.ts's, with the header model
 * readRpm gives for it: for upstreams whose packages are ingested (a mirror reads every package).
 */
export async function synthRpm(i: number): Promise<{ pkg: RpmPackage; bytes: Uint8Array }> {
  const { bytes } = synthPackage(i);
  return { pkg: (await readRpm([bytes], nodePlatform)).pkg, bytes };
}

/**
 * Adds packages `from`..`to`-1 to the repo's index (one commit) with their fragments and blobs;
 * returns their files. `rpms`: real RPM files (synthRpm) instead of stand-ins.
 */
export async function seedSynthetic(store: BlobStore, tenant: string, repo: string, from: number, to: number, addedAt = 1700000000, rpms = false): Promise<SynthPackage[]> {
  const out: SynthPackage[] = [];
  const entries: IndexEntry[] = [];
  const writes: Promise<void>[] = [];
  for (let i = from; i < to; i++) {
    const { pkg, bytes } = rpms ? await synthRpm(i) : synthModel(i);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const { filename, location } = packagePlacement(pkg);
    const record: PackageRecord = { pkg, sha256, size: bytes.length, time: addedAt, location };
    const frag = fragmentFile(record);
    if ('excluded' in frag) throw new Error(`synthetic package ${i} is unrepresentable`);
    writes.push(writeFragmentFile(store, tenant, repo, frag));
    writes.push(store.put(packageBlobKey(tenant, sha256), bytes, { contentType: 'application/x-rpm' }).then(() => undefined));
    if (writes.length >= 256) await Promise.all(writes.splice(0));
    entries.push({ sha256, name: pkg.name, epoch: 0, version: pkg.version, release: pkg.release, arch: pkg.arch, filename, location, size: bytes.length, addedAt, signer: null });
    out.push({ location, bytes, sha256 });
  }
  await Promise.all(writes);
  await updateIndex(store, tenant, repo, () => new Date(addedAt * 1000), (cur) => ({ next: { ...cur, packages: [...cur.packages, ...entries] }, result: null }));
  return out;
}

/** Writes the packages' files where a sync copy holds them (DIR/<location>). */
export async function placePackages(dir: string, pkgs: readonly SynthPackage[]): Promise<void> {
  const dirs = new Set(pkgs.map((p) => dirname(join(dir, p.location))));
  for (const d of dirs) await mkdir(d, { recursive: true });
  for (let k = 0; k < pkgs.length; k += 256) {
    await Promise.all(pkgs.slice(k, k + 256).map((p) => writeFile(join(dir, p.location), p.bytes)));
  }
}
