/**
 * The repodata reader (src/core/repodata/read) on a synthetic primary.xml.gz: how fast mirror and
 * sync read the package list (fields) and `createrepo --update` reads elements verbatim (raw),
 * and how much memory either holds.
 *
 *   npm run bench:read-repodata -- [PACKAGES ...] [--runs R]
 *
 * Prints, per size, the XML size, the median time and throughput of both modes, and the largest
 * heap growth seen while reading (sampled every 1000 packages).
 */
import { gzipSync } from 'node:zlib';
import { parseArgs } from 'node:util';
import { nodePlatform } from '../src/adapters/node/platform.js';
import { metadataText } from '../src/core/repodata/read/metadata-text.js';
import { packageElements } from '../src/core/repodata/read/packages.js';
import { primaryPackages } from '../src/core/repodata/read/primary.js';
import { median } from './lib/measure.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { runs: { type: 'string', default: '3' } } });
const sizes = positionals.length ? positionals.map(Number) : [50_000];
const runs = Number(values.runs);

function primary(n: number): string {
  const parts = [`<?xml version="1.0" encoding="UTF-8"?>\n<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="${n}">\n`];
  for (let i = 0; i < n; i++) {
    const v = `1.${i}`;
    parts.push(`<package type="rpm">
  <name>pkg${i}</name>
  <arch>x86_64</arch>
  <version epoch="0" ver="${v}" rel="1.fc40"/>
  <checksum type="sha256" pkgid="YES">${i.toString(16).padStart(64, '0')}</checksum>
  <summary>Package number ${i} &amp; friends</summary>
  <description>A description of package ${i}, a few lines long, as distributions write them.</description>
  <packager>Fedora Project</packager>
  <url>https://example.org/pkg${i}</url>
  <time file="1700000000" build="1700000000"/>
  <size package="123456" installed="456789" archive="457000"/>
  <location href="Packages/p/pkg${i}-${v}-1.fc40.x86_64.rpm"/>
  <format>
    <rpm:license>MIT</rpm:license>
    <rpm:provides>
      <rpm:entry name="pkg${i}" flags="EQ" epoch="0" ver="${v}" rel="1.fc40"/>
      <rpm:entry name="pkg${i}(x86-64)" flags="EQ" epoch="0" ver="${v}" rel="1.fc40"/>
    </rpm:provides>
    <rpm:requires>
      <rpm:entry name="libc.so.6()(64bit)"/>
      <rpm:entry name="rtld(GNU_HASH)"/>
    </rpm:requires>
    <file>/usr/bin/pkg${i}</file>
  </format>
</package>
`);
  }
  parts.push('</metadata>\n');
  return parts.join('');
}

async function timed(gz: Uint8Array<ArrayBuffer>, mode: 'fields' | 'raw'): Promise<{ ms: number; heapMiB: number }> {
  const text = metadataText(new Blob([gz]).stream(), 'primary.xml.gz', nodePlatform);
  const base = process.memoryUsage().heapUsed;
  let peak = 0;
  let n = 0;
  const t = performance.now();
  const it = mode === 'fields' ? primaryPackages(text) : packageElements(text, { raw: true });
  for await (const _ of it) {
    if (++n % 1000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed - base);
  }
  return { ms: performance.now() - t, heapMiB: peak / 1024 ** 2 };
}

console.log(`node ${process.version}`);
console.log('| packages | XML MiB | gz MiB | fields s | fields MiB/s | raw s | raw MiB/s | heap growth MiB (max) |');
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const n of sizes) {
  const xml = primary(n);
  const gz = new Uint8Array(gzipSync(xml));
  const mib = Buffer.byteLength(xml) / 1024 ** 2;
  const f: number[] = [], r: number[] = [];
  let heap = 0;
  for (let i = 0; i < runs; i++) {
    const a = await timed(gz, 'fields');
    const b = await timed(gz, 'raw');
    f.push(a.ms);
    r.push(b.ms);
    heap = Math.max(heap, a.heapMiB, b.heapMiB);
  }
  const fs = median(f) / 1000, rs = median(r) / 1000;
  console.log(`| ${n} | ${mib.toFixed(1)} | ${(gz.length / 1024 ** 2).toFixed(1)} | ${fs.toFixed(2)} | ${(mib / fs).toFixed(1)} | ${rs.toFixed(2)} | ${(mib / rs).toFixed(1)} | ${heap.toFixed(1)} |`);
}
