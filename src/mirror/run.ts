/**
 * One mirror run (docs/mirror.md): upstream repomd.xml (directly or via a metalink), its
 * signature, the metadata files it names, the package set from primary.xml, the packages not
 * yet stored, then one publish step. Everything is verified before anything is published, so a
 * failure of any kind leaves the repo serving what it served before; the error is in the
 * summary and the state. An upstream repomd.xml identical to the last mirrored one (and an
 * unchanged configuration) ends the run after that one request.
 */
import * as openpgp from 'openpgp';
import type { Platform } from '../core/platform.js';
import { toHex } from '../core/platform.js';
import type { Logger } from '../core/logger.js';
import { appendAudit } from '../repo/audit.js';
import { syncMirrorAdvisories } from '../repo/advisories.js';
import type { EventSink } from '../repo/events.js';
import { readIndex } from '../repo/index-store.js';
import { getRepo } from '../repo/repos.js';
import { trustedKeyring } from '../repo/trusted-keys.js';
import type { BlobStore } from '../storage/blob-store.js';
import { commitComplete, commitFiltered } from './commit.js';
import { readMirrorConfig, readMirrorState, writeMirrorState, type MirrorConfig, type MirrorMode, type MirrorState } from '../repo/mirror-config.js';
import { MirrorError } from './errors.js';
import { deltaSource, noRanges, storeMemberMap, type RangeCounts } from './delta.js';
import { discardStaged, publishMetadataFiles, repodataName, SERVED_METADATA_TYPES, stageMetadataFile, type MetadataFile } from './metadata-files.js';
import { acquirePackage, checkRunQuota, mapBounded, type AcquireContext } from './packages.js';
import { tenantQuota } from '../repo/tenant-limits.js';
import { readUpstreamPackages, type UpstreamPackage } from './primary.js';
import { readRepomd, type RepomdEntry } from '../core/repodata/read/repomd.js';
import { verifyRepomdSignature } from './repomd-signature.js';
import { emptySelectionWarning, selectPackages } from './select.js';
import { fetchUpstreamRepomd } from './upstream-repomd.js';
import { prunedTo, upstreamAdvisories } from './updateinfo.js';
import { carryUpstreamComps, compsType, upstreamComps } from './groups.js';
import { carryUpstreamModules, planModules, upstreamModules, type ModulesPlan } from './modules.js';
import type { Advisory } from '../core/advisory/model.js';
import { fetchBytes, hashAlgorithmOf, type UpstreamOptions } from './upstream.js';
import type { IndexEntry } from '../repo/index-entry.js';
import type { Outbound } from '../net/outbound.js';
import { isOutboundError } from '../net/errors.js';
import { isRepodataReadError } from '../core/repodata/read/errors.js';

export interface MirrorDeps {
  store: BlobStore;
  platform: Platform;
  events: EventSink;
  clock: () => Date;
  logger: Logger;
  /**
   * The server's outbound HTTP client (src/net: egress policy, limits, timeouts). Without one a
   * run fails: a server never fetches from upstreams through an unchecked path.
   */
  outbound?: Outbound;
  /** Aborted when the process shuts down: in-flight fetches stop and the run fails cleanly. */
  shutdown?: AbortSignal;
  /** The process's serve cache, if any: a complete mirror commits a generation without regenerating. */
  cache?: { invalidateRepo(tenant: string, repo: string): void };
  /** Tenants whose scheduled runs may be in progress at once (schedule.ts; default 4). */
  mirrorTenants?: number;
  /** tenantQuotaBytes: the server's per-tenant storage quota, unless the tenant has its own (repo/tenant-limits.ts). */
  config?: { tenantQuotaBytes?: number | null };
}

export interface MirrorProgress {
  phase: 'repomd' | 'metadata' | 'packages' | 'publish';
  done: number;
  total: number;
}

export interface MirrorRunOptions {
  /** Token id, `operator` or `scheduler`, for the audit log. */
  actor?: string;
  onProgress?: (p: MirrorProgress) => void;
  signal?: AbortSignal;
  /** Run the whole pass even when upstream's repomd.xml is unchanged. */
  force?: boolean;
  attempts?: number;
  baseDelayMs?: number;
}

export interface MirrorSummary {
  ok: boolean;
  tenant: string;
  repo: string;
  mode: MirrorMode;
  outcome: 'updated' | 'unchanged' | 'failed';
  /** Base URL the run used (the chosen mirror with a metalink). */
  upstream: string | null;
  repomdSha256: string | null;
  /** Fingerprint of the upstream key that signed repomd.xml; null when not checked. */
  signedBy: string | null;
  revision: number | null;
  packages: { upstream: number; selected: number; added: number; removed: number; fetched: number; reused: number; skipped: { nevra: string; reason: string }[] };
  /** Things the run did as asked but that are probably not what was meant (filters that select nothing). */
  warnings: string[];
  metadataFiles: number;
  /** Record types of upstream's repomd.xml a complete mirror does not keep or serve. */
  metadataSkipped: string[];
  /** Metadata made from the stored copy plus changed members by Range (a Berth upstream; docs/mirror.md). */
  ranges: RangeCounts;
  bytes: number;
  requests: number;
  error?: { code: string; detail: string; details?: Record<string, unknown> };
  startedAt: string;
  finishedAt: string;
  durationMs: number;
}

const running = new Set<string>();

export function isMirrorRunning(tenant: string, repo: string): boolean {
  return running.has(`${tenant}/${repo}`);
}

function sha256Hex(platform: Platform, data: Uint8Array): string {
  const h = platform.createHash('sha256');
  h.update(data);
  return toHex(h.digest());
}

/** What a run depends on: a changed filter or key must not be short-circuited as "unchanged". */
function configHash(platform: Platform, c: MirrorConfig): string {
  const { from, metalink, key, verify, mode, include, exclude, arches, newest } = c;
  return sha256Hex(platform, new TextEncoder().encode(JSON.stringify({ from, metalink, key, verify, mode, include, exclude, arches, newest })));
}

/** Exact text of upstream bytes, or an error: generation records hold repomd.xml as text. */
function exactText(bytes: Uint8Array, what: string): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new MirrorError('unsupported_encoding', `upstream ${what} is not UTF-8`);
  }
  if (new TextEncoder().encode(text).length !== bytes.length) throw new MirrorError('unsupported_encoding', `upstream ${what} does not round-trip as UTF-8`);
  return text;
}

/** The records of upstream's repomd.xml; it must list a primary. */
function upstreamRecords(text: string): RepomdEntry[] {
  const { entries } = readRepomd(text);
  if (!entries.some((r) => r.type === 'primary')) throw new MirrorError('invalid_repomd', 'upstream repomd.xml has no primary record');
  return entries;
}

/** One signal for several (either aborts it), or undefined when there is none. */
function anySignal(signals: readonly (AbortSignal | undefined)[]): AbortSignal | undefined {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  if (present.length <= 1) return present[0];
  const ctl = new AbortController();
  for (const s of present) {
    if (s.aborted) ctl.abort(s.reason);
    else s.addEventListener('abort', () => ctl.abort(s.reason), { once: true });
  }
  return ctl.signal;
}

const SAFE_HREF = /^(?!\/)(?!.*(?:^|\/)\.\.?(?:\/|$))[^?#\0\\]+\.rpm$/;

export async function runMirror(deps: MirrorDeps, tenant: string, repo: string, opts: MirrorRunOptions = {}): Promise<MirrorSummary> {
  const id = `${tenant}/${repo}`;
  if (running.has(id)) throw new MirrorError('mirror_running', `a mirror run for ${id} is already in progress`);
  running.add(id);
  try {
    return await runLocked(deps, tenant, repo, opts);
  } finally {
    running.delete(id);
  }
}

async function runLocked(deps: MirrorDeps, tenant: string, repo: string, opts: MirrorRunOptions): Promise<MirrorSummary> {
  const { store, platform } = deps;
  const config = await readMirrorConfig(store, tenant, repo);
  if (!config) throw new MirrorError('mirror_not_configured', `${tenant}/${repo} has no mirror configuration`);
  const settings = await getRepo(store, tenant, repo);
  if (!settings) throw new MirrorError('not_found', `repo ${tenant}/${repo} not found`);
  const state = await readMirrorState(store, tenant, repo);
  const started = deps.clock();
  const summary: MirrorSummary = {
    ok: true, tenant, repo, mode: config.mode, outcome: 'unchanged', upstream: null, repomdSha256: null, signedBy: null, revision: null,
    packages: { upstream: 0, selected: 0, added: 0, removed: 0, fetched: 0, reused: 0, skipped: [] },
    warnings: [],
    metadataFiles: 0, metadataSkipped: [], ranges: noRanges(), bytes: 0, requests: 0, startedAt: started.toISOString(), finishedAt: '', durationMs: 0,
  };
  const signal = anySignal([opts.signal, deps.shutdown]);
  const staged: MetadataFile[] = [];
  const stored = new Set<string>();
  let next: MirrorState = state;
  try {
    if (!deps.outbound) throw new MirrorError('egress_unconfigured', 'this server has no outbound HTTP client configured: it cannot mirror');
    const up: UpstreamOptions = {
      platform, outbound: deps.outbound, onRequest: () => void summary.requests++,
      ...(signal ? { signal } : {}),
      ...(opts.attempts !== undefined ? { attempts: opts.attempts } : {}), ...(opts.baseDelayMs !== undefined ? { baseDelayMs: opts.baseDelayMs } : {}),
    };
    opts.onProgress?.({ phase: 'repomd', done: 0, total: 1 });
    const got = await fetchUpstreamRepomd(config, platform, up);
    summary.upstream = got.base;
    const repomdSha256 = sha256Hex(platform, got.bytes);
    summary.repomdSha256 = repomdSha256;
    const hash = configHash(platform, config);
    if (!opts.force && state.lastRun?.ok && state.repomdSha256 === summary.repomdSha256 && state.configHash === hash) {
      next = { ...state, lastRun: { startedAt: summary.startedAt, finishedAt: deps.clock().toISOString(), ok: true, outcome: 'unchanged' } };
      return summary;
    }

    let asc: Uint8Array | null = null;
    if (config.key !== null) {
      asc = await fetchBytes(`${got.base}repodata/repomd.xml.asc`, up, true);
      if (!asc) throw new MirrorError('repomd_signature_missing', `upstream has no repodata/repomd.xml.asc to check against the configured key`);
      summary.signedBy = await verifyRepomdSignature(got.bytes, asc, config.key, deps.clock());
    } else if (config.mode === 'complete') {
      // verify: false — still pass upstream's signature on (unchecked) when there is one.
      asc = await fetchBytes(`${got.base}repodata/repomd.xml.asc`, up, true);
    }

    const repomdText = exactText(got.bytes, 'repomd.xml');
    const records = upstreamRecords(repomdText);
    // filtered mode: primary, and updateinfo, comps and modules to carry pruned to the packages kept
    const wanted = config.mode === 'complete' ? records.filter((r) => SERVED_METADATA_TYPES.has(r.type)) : records.filter((r) => r.type === 'primary' || r.type === 'updateinfo' || r.type === 'modules' || r.type === compsType(records.map((x) => x.type)));
    summary.metadataSkipped = config.mode === 'complete' ? records.filter((r) => !SERVED_METADATA_TYPES.has(r.type)).map((r) => r.type) : [];
    const names = wanted.map((r) => (config.mode === 'complete' ? repodataName(tenant, repo, r) : null));
    // a complete mirror holds upstream's previous files: from a Berth upstream, fetch only what changed
    const delta = config.mode === 'complete' && got.berth
      ? await deltaSource(store, tenant, repo, got.base, repomdSha256, state.repomdSha256 ?? undefined, wanted, up) : null;
    if (delta) summary.ranges = delta.counts;
    for (const [i, r] of wanted.entries()) {
      opts.onProgress?.({ phase: 'metadata', done: i, total: wanted.length });
      const f = await stageMetadataFile(store, tenant, repo, got.base, r, up, names[i] ?? null, delta);
      staged.push(f);
      summary.bytes += f.bytes;
      if (f.staged) summary.metadataFiles++;
    }
    // upstream's advisories are read and checked before anything is published
    const updateinfo = staged.find((f) => f.record.type === 'updateinfo');
    const upstreamAdv = updateinfo ? await upstreamAdvisories(store, updateinfo.key, updateinfo.record.href, platform, deps.outbound.limits) : { advisories: [], invalid: 0 };
    const comps = config.mode === 'complete' ? null : await upstreamComps(store, staged.find((f) => f.record.type === compsType(records.map((x) => x.type))), platform, deps.outbound.limits);
    const moduleDocs = config.mode === 'complete' ? null : await upstreamModules(store, staged.find((f) => f.record.type === 'modules'), platform, deps.outbound.limits);
    if (upstreamAdv.invalid > 0) summary.warnings.push(`${upstreamAdv.invalid} upstream advisory(ies) in updateinfo are not valid advisories and were skipped`);
    const primary = staged.find((f) => f.record.type === 'primary') as MetadataFile;
    const all = await readUpstreamPackages(store, primary.key, primary.record.href, platform, deps.outbound.limits);
    const filtered = config.mode === 'complete' ? all : selectPackages(all, config);
    // modular packages go with their module stream: those only dropped streams name are not mirrored
    const modules = config.mode === 'complete' ? null : await planModules(store, tenant, repo, moduleDocs, all, filtered, config.arches, state.modules === true, summary.warnings);
    const selected = modules?.selected ?? filtered;
    summary.packages.upstream = all.length;
    summary.packages.selected = selected.length;
    const empty = config.mode === 'complete' ? null : emptySelectionWarning(all.length, selected.length, config);
    if (empty !== null) {
      summary.warnings.push(empty);
      deps.logger.warn('mirror filters select nothing', { tenant, repo, upstream: all.length });
    }
    if (config.mode === 'complete') {
      const bad = selected.find((p) => p.base !== null || !SAFE_HREF.test(p.href));
      if (bad) throw new MirrorError('unsupported_layout', `upstream package ${bad.base ?? ''}${bad.href} cannot be served at its href (xml:base or unusual path)`);
    }

    const { index } = await readIndex(store, tenant, repo);
    const bySha = new Map(index.packages.map((p) => [p.sha256, p]));
    const indexed = (p: UpstreamPackage): IndexEntry | undefined =>
      hashAlgorithmOf(p.checksum.type) === 'sha256' ? bySha.get(p.checksum.value) : undefined;
    const need = selected.filter((p) => !indexed(p));
    const fresh = new Map<UpstreamPackage, IndexEntry>();
    const now = deps.clock();
    const ctx: AcquireContext = {
      store, platform, tenant, repo, mode: config.mode, addedAt: Math.floor(now.getTime() / 1000),
      trust: { keyring: await trustedKeyring(store, tenant, repo), requireSignature: !settings.allowUnsigned, now },
      base: got.base, upstream: up, reusable: new Set(state.pending ?? []), onStored: (sha) => void stored.add(sha),
      quotaBytes: await tenantQuota(store, tenant, deps.config?.tenantQuotaBytes),
    };
    await checkRunQuota(ctx, need, config.concurrency);
    let done = 0;
    const acquired = await mapBounded(need, config.concurrency, (p) => acquirePackage(ctx, p),
      () => opts.onProgress?.({ phase: 'packages', done: ++done, total: need.length }));
    for (const a of acquired) {
      fresh.set(a.pkg, a.entry);
      summary.bytes += a.bytes;
      if (a.fetched) summary.packages.fetched++;
      else summary.packages.reused++;
    }

    opts.onProgress?.({ phase: 'publish', done: 0, total: 1 });
    const entry = (p: UpstreamPackage): IndexEntry => {
      const old = indexed(p);
      if (!old) return fresh.get(p) as IndexEntry;
      return config.mode === 'complete' ? { ...old, location: p.href, filename: p.href.slice(p.href.lastIndexOf('/') + 1) } : old;
    };
    const entries = selected.map(entry);
    // The repo may have been deleted (even made again) or stopped mirroring while the run
    // fetched: publish only into the repo and configuration this run started with.
    const current = await getRepo(store, tenant, repo);
    if (current?.createdAt !== settings.createdAt || (await readMirrorConfig(store, tenant, repo))?.updatedAt !== config.updatedAt) {
      throw new MirrorError('mirror_superseded', `${tenant}/${repo} was deleted or its mirror configuration changed during the run: nothing published`);
    }
    let managed: string[];
    let advisories = state.advisories ?? [];
    let groups = state.groups === true;
    let modulesOwned = state.modules === true;
    if (config.mode === 'complete') {
      await publishMetadataFiles(store, tenant, repo, staged);
      const ascText = asc === null ? '' : /-----BEGIN PGP SIGNATURE-----/.test(new TextDecoder().decode(asc))
        ? exactText(asc, 'repomd.xml.asc') : openpgp.armor(openpgp.enums.armor.signature, asc);
      const map = delta ? [await storeMemberMap(store, tenant, repo, repomdSha256, delta)].filter((n): n is string => n !== null) : [];
      const r = await commitComplete(deps, tenant, repo, entries, [...staged.map((f) => f.name), ...map], repomdText, ascText);
      await deps.cache?.invalidateRepo(tenant, repo);
      Object.assign(summary.packages, { added: r.added, removed: r.removed });
      summary.revision = r.revision;
      managed = entries.map((e) => e.sha256);
    } else {
      const r = await commitFiltered(deps, tenant, repo, entries, new Set(state.managed));
      Object.assign(summary.packages, { added: r.added, removed: r.removed, skipped: r.skipped });
      summary.revision = r.revision;
      managed = r.managed;
      const kept = new Set(managed);
      groups = await carryUpstreamComps(deps, { appendAudit }, tenant, repo, comps, new Set(entries.filter((e) => kept.has(e.sha256)).map((e) => e.name)),
        state.groups === true, opts.actor ?? 'scheduler', summary.warnings);
      modulesOwned = await carryUpstreamModules(deps, { appendAudit }, tenant, repo, modules as ModulesPlan, state.modules === true, opts.actor ?? 'scheduler');
      advisories = await carryUpstreamAdvisories(deps, tenant, repo, upstreamAdv.advisories, entries, kept, state.advisories ?? [], opts.actor ?? 'scheduler');
    }
    summary.outcome = 'updated';
    const finished = deps.clock().toISOString();
    next = {
      repomdSha256: summary.repomdSha256, configHash: hash, base: got.base, managed, pending: [], advisories, groups, modules: modulesOwned,
      lastRun: { startedAt: summary.startedAt, finishedAt: finished, ok: true, outcome: 'updated' }, lastSuccessAt: finished,
    };
    await appendAudit(store, tenant, {
      actor: opts.actor ?? 'scheduler', action: 'mirror.run', target: repo,
      details: { upstream: got.base, repomdSha256: summary.repomdSha256, revision: summary.revision, added: summary.packages.added, removed: summary.packages.removed },
    }, deps.clock());
    return summary;
  } catch (e) {
    // what upstream did wrong is the run's outcome; anything else is Berth's own failure
    const upstreamFault = e instanceof MirrorError || isOutboundError(e) || isRepodataReadError(e);
    if (!upstreamFault) deps.logger.error('mirror run failed', { tenant, repo, error: String((e as Error).stack ?? e) });
    const code = e instanceof MirrorError ? e.code : ((e as { code?: unknown }).code as string | undefined) ?? 'mirror_failed';
    summary.ok = false;
    summary.outcome = 'failed';
    summary.error = { code: typeof code === 'string' ? code : 'mirror_failed', detail: e instanceof Error ? e.message : String(e),
      ...(e instanceof MirrorError && Object.keys(e.details).length > 0 ? { details: e.details } : {}) };
    next = {
      ...state, pending: [...new Set([...(state.pending ?? []), ...stored])],
      lastRun: { startedAt: summary.startedAt, finishedAt: deps.clock().toISOString(), ok: false, outcome: 'failed', error: { code: summary.error.code, detail: summary.error.detail } },
    };
    deps.logger.warn('mirror run refused', { tenant, repo, code: summary.error.code, detail: summary.error.detail });
    return summary;
  } finally {
    await discardStaged(store, staged);
    const end = deps.clock();
    summary.finishedAt = end.toISOString();
    summary.durationMs = end.getTime() - started.getTime();
    await writeMirrorState(store, tenant, repo, next).catch((err: unknown) => deps.logger.error('mirror state not written', { tenant, repo, error: String(err) }));
  }
}

/**
 * Filtered mode: upstream's advisories pruned to the packages this mirror keeps replace the ones
 * the previous run carried (docs/mirror.md). Returns the ids carried, for the mirror state.
 */
async function carryUpstreamAdvisories(
  deps: MirrorDeps, tenant: string, repo: string, upstream: readonly Advisory[], entries: readonly IndexEntry[], managed: ReadonlySet<string>,
  owned: readonly string[], actor: string,
): Promise<string[]> {
  const carried = prunedTo(upstream, entries.filter((e) => managed.has(e.sha256)));
  if (carried.length === 0 && owned.length === 0) return [];
  await syncMirrorAdvisories(deps, { appendAudit }, tenant, repo, carried, owned, actor);
  return carried.map((a) => a.id);
}
