/**
 * Run by bench/scale.ts (`--heap-mb`) as `node --max-old-space-size=<MB> --import tsx` on a
 * stopped server's data root: what an isolate does with a large repo, in one V8 heap under the
 * isolate's cap. Publishes one signed package through the app (the request path a Worker runs),
 * regenerates (the queue consumer's work, the same src/repo/regenerate.ts), then serves
 * repomd.xml, the three metadata files (streamed to the end) and `--gets` random packages.
 * Immutable files are not cached in memory (a Worker keeps them in the Cache API, outside the
 * isolate). Prints one JSON line: seconds per phase and the peaks of V8's used heap and of
 * ArrayBuffer memory (sampled every 5 ms, plus at each phase's end), which is what the isolate's
 * limit counts. A live heap above the cap ends the process with a V8 fatal error (a failed run).
 *
 *   node --max-old-space-size=128 --import tsx bench/lib/scale-heap-child.ts <data> <token> <tenant/repo> <package.rpm> <gets>
 */
import { readFile } from 'node:fs/promises';
import { getHeapStatistics } from 'node:v8';
import { loadConfig } from '../../src/adapters/node/config.js';
import { buildAppDeps } from '../../src/adapters/node/deps.js';
import { jsonLogger } from '../../src/adapters/node/logger.js';
import { DEFAULT_SERVE_CACHE } from '../../src/http/cache/serve-cache.js';
import { createApp } from '../../src/http/app.js';
import { listEntries, readHead } from '../../src/repo/index-store.js';
import { createFsBlobStore } from '../../src/storage/fs-store.js';

const [data, token, path, rpm, getsArg] = process.argv.slice(2) as [string, string, string, string, string];
const [tenant, repo] = path.split('/') as [string, string];
const MiB = 1024 * 1024;
let heapPeak = 0;
let buffersPeak = 0;
let sumPeak = 0;
const sample = (): void => {
  const m = process.memoryUsage();
  const used = getHeapStatistics().used_heap_size;
  heapPeak = Math.max(heapPeak, used);
  buffersPeak = Math.max(buffersPeak, m.arrayBuffers);
  sumPeak = Math.max(sumPeak, used + m.arrayBuffers);
};
const timer = setInterval(sample, 5);
const lines: string[] = [];
const store = createFsBlobStore(data);
const config = loadConfig({});
const { deps, sink } = buildAppDeps(config, store, null, jsonLogger((l) => lines.push(l)), { ...DEFAULT_SERVE_CACHE, byteBudget: 0, maxFileBytes: 0 });
const app = createApp(deps);
const auth = { authorization: `Bearer ${token}` };
const phases: Record<string, number> = {};
const phase = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
  const t0 = performance.now();
  const r = await run();
  sample();
  phases[name] = Number(((performance.now() - t0) / 1000).toFixed(3));
  return r;
};
const drain = async (res: Response): Promise<number> => {
  let n = 0;
  const reader = res.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return n;
    n += value.byteLength;
  }
};

sample();
const base = { heap: heapPeak, buffers: buffersPeak };
const put = await phase('publish', async () => {
  const res = await app.request(`/api/v1/repos/${tenant}/${repo}/packages`, { method: 'PUT', body: await readFile(rpm), headers: { ...auth, 'content-type': 'application/x-rpm' } });
  if (res.status !== 201 && res.status !== 200) throw new Error(`publish: ${res.status} ${await res.text()}`);
  return (await res.json()) as { revision: number };
});
await phase('regenerate', () => sink.idle());
const files = await phase('serve metadata', async () => {
  const repomd = await app.request(`/${tenant}/${repo}/repodata/repomd.xml`, { headers: auth });
  const xml = await repomd.text();
  const revision = Number(/<revision>(\d+)<\/revision>/.exec(xml)?.[1]);
  if (revision < put.revision) throw new Error(`repomd.xml at revision ${revision}, not ${put.revision}`);
  const out: Record<string, number> = {};
  for (const [, href] of xml.matchAll(/<location href="([^"]+)"/g)) out[href as string] = await drain(await app.request(`/${tenant}/${repo}/${href}`, { headers: auth }));
  return out;
});
const primary = Object.keys(files).find((f) => f.endsWith('primary.xml.gz'));
await phase('serve packages', async () => {
  // every k-th package of the index (segment by segment, as the index is read anywhere)
  const gets = Number(getsArg);
  const { head } = await readHead(store, tenant, repo);
  const every = Math.max(1, Math.floor(head.count / gets));
  const locations: string[] = [];
  let i = 0;
  for await (const e of listEntries(store, tenant, repo, head.list)) if (i++ % every === 0) locations.push(e.location);
  for (const location of locations) {
    const res = await app.request(`/${tenant}/${repo}/${location}`, { headers: auth });
    if (res.status !== 200) throw new Error(`GET ${location}: ${res.status}`);
    await drain(res);
  }
  return locations.length;
});
clearInterval(timer);
sample();
const regenerated = lines.map((l) => JSON.parse(l) as { msg: string }).find((l) => l.msg === 'repodata generated');
console.log(JSON.stringify({
  capMiB: getHeapStatistics().heap_size_limit / MiB, phases, primary: primary ? files[primary] : null, regenerated,
  baseMiB: { heap: base.heap / MiB, buffers: base.buffers / MiB },
  peakMiB: { heap: heapPeak / MiB, buffers: buffersPeak / MiB, sum: sumPeak / MiB },
}));
