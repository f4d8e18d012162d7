/**
 * A repo's mirror configuration (`t/<t>/r/<r>/mirror.json`), its run state
 * (`mirror-state.json`) and the registry marker the scheduler lists (`mirrors/<t>/<r>.json`).
 *
 * The mode is fixed at configuration time: `complete` keeps upstream's metadata and signature
 * bit for bit, so it needs the upstream key to be worth anything (or an explicit
 * `verify: false`); `filtered` re-publishes a subset and Berth signs the result.
 */
import { z } from 'zod';
import { BerthError } from '../core/errors.js';
import { readJson, writeJson } from '../storage/json-blob.js';
import type { BlobStore } from '../storage/blob-store.js';
import { mirrorConfigKey, mirrorRegistryKey, mirrorStateKey } from '../storage/keys.js';

export type MirrorMode = 'complete' | 'filtered';

const GLOB = z.string().min(1).max(200).regex(/^[^\s/]+$/, 'a package name glob (*, ?, [..]) without spaces or /');

/** The request body of POST …/mirror (also the OpenAPI schema). */
export const mirrorInputSchema = z.object({
  from: z.url({ protocol: /^https?$/ }),
  metalink: z.boolean().default(false),
  key: z.string().max(256 * 1024).optional(),
  verify: z.boolean().optional(),
  mode: z.enum(['complete', 'filtered']).optional(),
  include: z.array(GLOB).max(1000).default([]),
  exclude: z.array(GLOB).max(1000).default([]),
  arches: z.array(z.string().regex(/^[A-Za-z0-9_]{1,32}$/)).max(64).default([]),
  newest: z.number().int().min(1).max(10_000).optional(),
  /** How often the scheduler runs this mirror, in seconds (default 6 h; 0 = never, run by hand). */
  intervalSeconds: z.number().int().min(0).max(30 * 86400).optional(),
  /** Package downloads in flight (default 4). */
  concurrency: z.number().int().min(1).max(32).optional(),
});
export type MirrorInput = z.output<typeof mirrorInputSchema>;

export interface MirrorConfig {
  from: string;
  metalink: boolean;
  /** Armored upstream public key(s) that sign repomd.xml; null when none was given. */
  key: string | null;
  /** False only when the operator said so explicitly: then repomd.xml.asc is not checked. */
  verify: boolean;
  mode: MirrorMode;
  include: string[];
  exclude: string[];
  arches: string[];
  newest: number | null;
  intervalSeconds: number;
  concurrency: number;
  updatedAt: string;
}

export const DEFAULT_INTERVAL_SECONDS = 6 * 3600;

export class MirrorConfigError extends BerthError {
  override name = 'MirrorConfigError';
  constructor(code: string, message: string) {
    super(code, message);
  }
}

/** Applies the defaults and the cross-field rules; throws MirrorConfigError (→ 400/422). */
export function normalizeMirrorInput(input: MirrorInput, now: Date): MirrorConfig {
  const filtering = input.include.length > 0 || input.exclude.length > 0 || input.arches.length > 0 || input.newest !== undefined;
  const mode: MirrorMode = input.mode ?? (filtering ? 'filtered' : 'complete');
  if (mode === 'complete' && filtering) {
    throw new MirrorConfigError('invalid_mirror', 'complete mode mirrors every package: include/exclude/arches/newest need mode "filtered"');
  }
  const key = input.key?.trim() ? input.key : null;
  const verify = input.verify ?? true;
  if (mode === 'complete' && verify && key === null) {
    throw new MirrorConfigError('mirror_key_required',
      'complete mode serves upstream\'s repomd.xml.asc unchanged: give the upstream signing key (key) or set verify: false explicitly');
  }
  if (!verify && key !== null) throw new MirrorConfigError('invalid_mirror', 'a key was given with verify: false; drop one of them');
  return {
    from: input.from,
    metalink: input.metalink,
    key,
    verify,
    mode,
    include: input.include,
    exclude: input.exclude,
    arches: input.arches,
    newest: input.newest ?? null,
    intervalSeconds: input.intervalSeconds ?? DEFAULT_INTERVAL_SECONDS,
    concurrency: input.concurrency ?? 4,
    updatedAt: now.toISOString(),
  };
}

export async function readMirrorConfig(store: BlobStore, tenant: string, repo: string): Promise<MirrorConfig | null> {
  return (await readJson<MirrorConfig>(store, mirrorConfigKey(tenant, repo)))?.value ?? null;
}

export async function writeMirrorConfig(store: BlobStore, tenant: string, repo: string, config: MirrorConfig): Promise<void> {
  await writeJson(store, mirrorConfigKey(tenant, repo), config);
  await writeJson(store, mirrorRegistryKey(tenant, repo), { tenant, repo });
}

/**
 * True for a complete-mode mirror: publishing and deleting are refused there and regeneration
 * leaves its (upstream) generation alone. One small read; absent config = not a mirror.
 */
export async function isCompleteMirror(store: BlobStore, tenant: string, repo: string): Promise<boolean> {
  return (await readMirrorConfig(store, tenant, repo))?.mode === 'complete';
}

export interface MirrorRunRecord {
  startedAt: string;
  finishedAt: string;
  ok: boolean;
  outcome: 'updated' | 'unchanged' | 'failed';
  error?: { code: string; detail: string };
}

export interface MirrorState {
  /** sha256 of the upstream repomd.xml last mirrored successfully. */
  repomdSha256: string | null;
  /** sha256 of the configuration that run used: a changed filter forces a full pass. */
  configHash: string | null;
  /** Base URL the last successful run used (the chosen metalink mirror). */
  base: string | null;
  /** sha256 of every package the mirror put in the index (filtered mode removes only these). */
  managed: string[];
  /**
   * sha256 of packages this mirror downloaded and verified in runs that did not commit: the next
   * run reuses them (if GC has not collected them) instead of downloading again. Absent in
   * states written before it existed.
   */
  pending?: string[];
  /** Ids of the upstream advisories a filtered mirror carried (the next run replaces them). */
  advisories?: string[];
  /** True when the repo's package groups are upstream's, carried by a filtered mirror. */
  groups?: boolean;
  /** True when the repo's modules are upstream's, pruned and carried by a filtered mirror. */
  modules?: boolean;
  lastRun: MirrorRunRecord | null;
  lastSuccessAt: string | null;
}

export function emptyState(): MirrorState {
  return { repomdSha256: null, configHash: null, base: null, managed: [], lastRun: null, lastSuccessAt: null };
}

export async function readMirrorState(store: BlobStore, tenant: string, repo: string): Promise<MirrorState> {
  return (await readJson<MirrorState>(store, mirrorStateKey(tenant, repo)))?.value ?? emptyState();
}

export async function writeMirrorState(store: BlobStore, tenant: string, repo: string, state: MirrorState): Promise<void> {
  await writeJson(store, mirrorStateKey(tenant, repo), state);
}
