// Shared by the repo and http publish/serve tests: a memory store with real tenants, repos
// (real metadata keys) and trusted keys, and helpers to snapshot storage and read generated
// repodata. Signed packages come from test/helpers/signed-packages.ts (built at test time).
import { gunzipSync } from 'node:zlib';
import { XMLParser } from 'fast-xml-parser';
import * as openpgp from 'openpgp';
import { expect } from 'vitest';
import { nodePlatform } from '../../src/adapters/node/platform.js';
import type { AppDeps } from '../../src/http/deps.js';
import type { Logger } from '../../src/core/logger.js';
import { CoalescingSink } from '../../src/repo/coalescing-sink.js';
import { currentGeneration, readGenerationAt } from '../../src/repo/generations.js';
import { publishPackage, type PublishResult } from '../../src/repo/publish.js';
import { regenerate, type RegenerateOptions } from '../../src/repo/regenerate.js';
import { createRepo, metadataPublicKeyArmored } from '../../src/repo/repos.js';
import { storeTenancy } from '../../src/repo/tenancy-bindings.js';
import { createTenant } from '../../src/repo/tenants.js';
import { addTrustedKey } from '../../src/repo/trusted-keys.js';
import type { BlobStore, CopyOptions } from '../../src/storage/blob-store.js';
import { listAll } from '../../src/storage/blob-store.js';
import { createMemoryBlobStore } from '../../src/storage/memory-store.js';
import { repodataKey } from '../../src/storage/keys.js';
import { header, i18n, i32, rpmFile, str, strs } from '../core/rpm/build-rpm.js';
import { toHex } from '../../src/core/platform.js';

/** Bytes as a request body would arrive: several chunks. */
export function streamOf(bytes: Uint8Array, chunk = 4096): ReadableStream<Uint8Array> {
  let pos = 0;
  return new ReadableStream({
    pull(c) {
      if (pos >= bytes.length) return c.close();
      c.enqueue(bytes.slice(pos, pos + chunk));
      pos += chunk;
    },
  });
}

export interface LogLine { level: string; msg: string; fields?: Record<string, unknown> }

export function memoryLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) => void lines.push({ level, msg, ...(fields ? { fields } : {}) });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

export interface RepoSpec { name: string; public?: boolean; allowUnsigned?: boolean; keys?: string[] }

export interface World {
  store: BlobStore;
  deps: AppDeps;
  sink: CoalescingSink;
  logger: ReturnType<typeof memoryLogger>;
  tenant: string;
  now: { value: Date };
}

/** A tenant `acme` with the given repos; events go to a coalescing sink running `regenerate`. */
export async function makeWorld(repos: RepoSpec[], opts: { store?: BlobStore; maxUploadBytes?: number; retentionSeconds?: number } = {}): Promise<World> {
  const store = opts.store ?? createMemoryBlobStore();
  const logger = memoryLogger();
  const now = { value: new Date() };
  const clock = (): Date => now.value;
  const base = { store, platform: nodePlatform, clock, logger };
  const sink = new CoalescingSink((t, r) => regenerate(base, storeTenancy, t, r), logger);
  const deps: AppDeps = {
    ...base,
    events: sink,
    config: { maxUploadBytes: opts.maxUploadBytes ?? 64 * 1024 * 1024, retentionSeconds: opts.retentionSeconds ?? 3 * 86400, operatorTokenHash: null, publicUrl: null },
  };
  const tenant = 'acme';
  if (!opts.store) await createTenant(store, tenant, clock());
  for (const r of repos) {
    await createRepo(store, { tenant, name: r.name, public: r.public ?? false, allowUnsigned: r.allowUnsigned ?? false }, clock());
    for (const k of r.keys ?? []) await addTrustedKey(store, { tenant, repo: r.name }, k, clock());
  }
  return { store, deps, sink, logger, tenant, now };
}

/**
 * Another instance on the same storage: its own store object (so its own index committer and
 * caches, as another server's), logger and coalescing sink running `regenerate`.
 */
export function secondInstance(w: World, options: RegenerateOptions = {}): World {
  const logger = memoryLogger();
  const inner = w.store;
  const store: BlobStore = {
    get: (k, o) => inner.get(k, o), head: (k) => inner.head(k), put: (k, b, o) => inner.put(k, b, o),
    delete: (k, o) => inner.delete(k, o), list: (p, o) => inner.list(p, o),
    ...(inner.copy ? { copy: (s: string, d: string, o?: CopyOptions) => inner.copy!(s, d, o) } : {}),
  };
  const base = { store, platform: nodePlatform, clock: () => new Date(), logger };
  const sink = new CoalescingSink((t, r) => regenerate(base, storeTenancy, t, r, options), logger);
  return { ...w, store, sink, logger, deps: { ...w.deps, store, events: sink, logger } };
}

/**
 * Verifies every generation record of the repo: repomd.xml.asc against the repo's metadata key,
 * and the record's revision inside its repomd.xml. Returns how many there are.
 */
export async function verifyGenerations(w: World, repo: string): Promise<number> {
  const key = await openpgp.readKey({ armoredKey: (await metadataPublicKeyArmored(w.store, w.tenant, repo)) as string });
  let n = 0;
  for await (const item of listAll(w.store, `t/${w.tenant}/r/${repo}/generations/`)) {
    if (item.key.endsWith('.packages.json')) continue;
    const rec = (await readGenerationAt(w.store, item.key))!;
    const { signatures } = await openpgp.verify({
      message: await openpgp.createMessage({ binary: new TextEncoder().encode(rec.repomd) }),
      signature: await openpgp.readSignature({ armoredSignature: rec.asc }),
      verificationKeys: key,
    });
    await expect(signatures[0]!.verified).resolves.toBe(true);
    expect(rec.repomd).toContain(`<revision>${rec.revision}</revision>`);
    n++;
  }
  return n;
}

export function publish(w: World, repo: string, bytes: Uint8Array): Promise<PublishResult> {
  return publishPackage(w.deps, storeTenancy, { tenant: w.tenant, repo, body: streamOf(bytes), actor: 'operator' });
}

/** Every key with its ETag (a rewrite changes the ETag, so equal snapshots mean nothing was written). */
export async function snapshot(store: BlobStore): Promise<string[]> {
  const out: string[] = [];
  for await (const item of listAll(store, '')) out.push(`${item.key} ${item.etag ?? (await store.head(item.key))?.etag}`);
  return out;
}

export async function readBlob(store: BlobStore, key: string): Promise<Uint8Array | null> {
  const obj = await store.get(key);
  return obj ? new Uint8Array(await new Response(obj.body).arrayBuffer()) : null;
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (name) => ['package', 'data'].includes(name) });

/** The served generation's primary.xml, decompressed and parsed: `[name, pkgid, location]` rows. */
export async function servedPrimary(store: BlobStore, tenant: string, repo: string): Promise<{ revision: string; packages: { name: string; pkgid: string; href: string; time: string }[]; declared: number }> {
  const gen = await currentGeneration(store, tenant, repo);
  if (!gen) throw new Error('no generation');
  const repomd = parser.parse(gen.record.repomd) as { repomd: { revision: string | number; data: { '@type': string; location: { '@href': string } }[] } };
  const href = repomd.repomd.data.find((d) => d['@type'] === 'primary')?.location['@href'] as string;
  const bytes = await readBlob(store, repodataKey(tenant, repo, href.replace(/^repodata\//, '')));
  if (!bytes) throw new Error(`missing ${href}`);
  const doc = parser.parse(gunzipSync(bytes).toString('utf8')) as {
    metadata: { '@packages': string; package?: { name: string; checksum: { '#text': string }; location: { '@href': string }; time: { '@file': string } }[] };
  };
  return {
    revision: String(repomd.repomd.revision),
    declared: Number(doc.metadata['@packages']),
    packages: (doc.metadata.package ?? []).map((p) => ({ name: p.name, pkgid: p.checksum['#text'], href: p.location['@href'], time: p.time['@file'] })),
  };
}

/** A small unsigned package built in memory (for repos with allowUnsigned): distinct NEVRA per name. */
const SENSE: Record<string, number> = { '<': 2, '>': 4, '=': 8, '<=': 10, '>=': 12 };

/** Dependency tags (name, flags, version) from `name` or `name >= 1.0` strings. */
function depTags(list: readonly string[], tags: [number, number, number]): Record<number, ReturnType<typeof str>> {
  if (list.length === 0) return {};
  const parsed = list.map((d) => {
    const [n, op, v] = d.split(' ');
    return { n: n as string, f: op === undefined ? 0 : (SENSE[op] ?? 0), v: v ?? '' };
  });
  return { [tags[0]]: strs(...parsed.map((p) => p.n)), [tags[1]]: i32(...parsed.map((p) => p.f)), [tags[2]]: strs(...parsed.map((p) => p.v)) };
}

/** An unsigned package; `deps` adds requires and provides (`name` or `name >= 1.0`). */
export function syntheticRpm(name: string, version = '1.0', deps: { requires?: string[]; provides?: string[] } = {}): Uint8Array<ArrayBuffer> {
  const main = header({
    1000: str(name), 1001: str(version), 1002: str('1'), 1004: i18n(`synthetic ${name}`), 1005: i18n('test package'),
    1006: i32(1700000000), 1014: str('MIT'), 1022: str('noarch'), 1044: str(`${name}-${version}-1.src.rpm`), 1124: str('cpio'), 1125: str('gzip'),
    ...depTags(deps.requires ?? [], [1049, 1048, 1050]), ...depTags(deps.provides ?? [], [1047, 1112, 1113]),
  }, 63);
  const payload = new TextEncoder().encode(`payload of ${name}`);
  const h = nodePlatform.createHash('sha256');
  h.update(main);
  const sig = header({ 1000: i32(main.length + payload.length), 273: str(toHex(h.digest())) }, 62);
  return new Uint8Array(rpmFile({ sig, main, payload }));
}
