// In-process mirror worlds for the hostile-upstream tests: a memory store with tenants and repos,
// AppDeps with the Node outbound client (loopback allowed only as the test says), and small
// upstream repositories written by hand (repomd.xml + primary.xml naming synthetic packages).
import { createHash } from 'node:crypto';
import { nodeOutbound } from '../../src/adapters/node/egress.js';
import { DEFAULT_OUTBOUND_LIMITS, type OutboundLimits } from '../../src/net/limits.js';
import { parseEgressAllow } from '../../src/net/egress-policy.js';
import { normalizeMirrorInput, writeMirrorConfig, type MirrorInput } from '../../src/repo/mirror-config.js';
import { createRepo } from '../../src/repo/repos.js';
import type { BlobStore } from '../../src/storage/blob-store.js';
import { createTenant } from '../../src/repo/tenants.js';
import { makeWorld, type World } from '../repo/support.js';
import type { Hostile } from '../net/hostile-upstream.js';

export const sha256 = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

export interface MirrorWorld extends World {
  shutdown: AbortController;
}

/** Tenants and repos (allowUnsigned; private unless `public`) in `store` (default: memory), outbound allowing only `allow`, limits as given. */
export async function mirrorWorld(
  repos: { tenant: string; repo: string; public?: boolean }[], allow: string[], limits: Partial<OutboundLimits> = {}, store?: BlobStore,
): Promise<MirrorWorld> {
  const w = await makeWorld([], store ? { store } : {});
  if (store) await createTenant(store, w.tenant, w.now.value);
  const shutdown = new AbortController();
  const l = { ...DEFAULT_OUTBOUND_LIMITS, ...limits };
  w.deps.outbound = nodeOutbound(parseEgressAllow(allow), l);
  w.deps.shutdown = shutdown.signal;
  for (const { tenant, repo, public: open } of repos) {
    if (tenant !== w.tenant) await createTenant(w.store, tenant, w.now.value).catch(() => undefined);
    await createRepo(w.store, { tenant, name: repo, public: open === true, allowUnsigned: true }, w.now.value);
  }
  return { ...w, shutdown };
}

export async function configure(w: World, tenant: string, repo: string, input: Partial<MirrorInput> & { from: string }): Promise<void> {
  const full: MirrorInput = { metalink: false, include: [], exclude: [], arches: [], verify: false, ...input };
  await writeMirrorConfig(w.store, tenant, repo, normalizeMirrorInput(full, w.now.value));
}

export interface UpPackage {
  name: string;
  bytes: Uint8Array;
  href: string;
}

export function primaryXml(pkgs: readonly UpPackage[], extra = ''): string {
  const body = pkgs.map((p) => `<package type="rpm">
  <name>${p.name}</name>
  <arch>noarch</arch>
  <version epoch="0" ver="1.0" rel="1"/>
  <checksum type="sha256" pkgid="YES">${sha256(p.bytes)}</checksum>
  <summary>s</summary>
  <time file="1700000000" build="1700000000"/>
  <size package="${p.bytes.length}" installed="1" archive="1"/>
  <location href="${p.href}"/>
</package>
`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>
<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="${pkgs.length}">
${body}${extra}</metadata>
`;
}

export interface Record {
  type: string;
  href: string;
  bytes: Uint8Array | string;
  /** Checksum to announce (default: of `bytes`). */
  checksum?: string;
}

export function repomdXml(records: readonly Record[]): string {
  const data = records.map((r) => `  <data type="${r.type}">
    <checksum type="sha256">${r.checksum ?? sha256(r.bytes)}</checksum>
    <location href="${r.href}"/>
    <timestamp>1700000000</timestamp>
    <size>${typeof r.bytes === 'string' ? Buffer.byteLength(r.bytes) : r.bytes.length}</size>
  </data>
`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>
<repomd xmlns="http://linux.duke.edu/metadata/repo" xmlns:rpm="http://linux.duke.edu/metadata/rpm">
  <revision>1700000000</revision>
${data}</repomd>
`;
}

/** Serves a repo on `up` under `prefix`: repomd.xml, its records and the packages. */
export function serveRepo(up: Hostile, prefix: string, records: readonly Record[], pkgs: readonly UpPackage[] = []): void {
  up.set(`${prefix}/repodata/repomd.xml`, { kind: 'body', body: repomdXml(records) });
  for (const r of records) up.set(`${prefix}/${r.href}`, { kind: 'body', body: r.bytes });
  for (const p of pkgs) up.set(`${prefix}/${p.href}`, { kind: 'body', body: p.bytes });
}
