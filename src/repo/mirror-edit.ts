/**
 * Changing or removing a repo's mirror configuration (docs/mirror.md, Changing and removing).
 *
 * Removing a filtered mirror keeps its packages: they were published like any other and stay as
 * ordinary packages (only the mirror's bookkeeping goes). Removing a complete mirror empties the
 * repo's package set: its packages are upstream's, at upstream's paths, under upstream's
 * signature, and the repo becomes an ordinary (empty) repo that Berth signs from its next
 * regeneration on. Crash-safe in that order: the index is emptied while the configuration still
 * says "complete" (so regeneration leaves upstream's served generation alone), then the
 * configuration goes; a crash in between leaves a complete mirror with no packages, and
 * repeating the removal finishes it.
 */
import type { BlobStore } from '../storage/blob-store.js';
import { mirrorConfigKey, mirrorRegistryKey, mirrorStateKey } from '../storage/keys.js';
import { updateIndex } from './index-store.js';
import { normalizeMirrorInput, readMirrorConfig, writeMirrorConfig, MirrorConfigError, type MirrorConfig, type MirrorInput } from './mirror-config.js';

export interface MirrorRemoval {
  mode: MirrorConfig['mode'];
  /** Packages taken out of the index (complete mirrors), 0 otherwise. */
  removed: number;
  /** The index revision after removal, when it changed (regenerate for it). */
  revision: number | null;
}

/** Null when the repo is no mirror. */
export async function removeMirror(store: BlobStore, tenant: string, repo: string, now: () => Date): Promise<MirrorRemoval | null> {
  const config = await readMirrorConfig(store, tenant, repo);
  if (!config) return null;
  let removed = 0;
  let revision: number | null = null;
  if (config.mode === 'complete') {
    const r = await updateIndex(store, tenant, repo, now, (cur) => ({
      next: cur.packages.length === 0 ? null : { ...cur, packages: [] }, result: cur.packages.length,
    }));
    removed = r.result;
    revision = r.changed ? r.index.revision : null;
  }
  await store.delete(mirrorRegistryKey(tenant, repo));
  await store.delete(mirrorStateKey(tenant, repo));
  await store.delete(mirrorConfigKey(tenant, repo));
  return { mode: config.mode, removed, revision };
}

/** The stored configuration as the input it would have come from. */
function inputOf(config: MirrorConfig): MirrorInput {
  return {
    from: config.from, metalink: config.metalink, verify: config.verify, mode: config.mode,
    include: config.include, exclude: config.exclude, arches: config.arches,
    intervalSeconds: config.intervalSeconds, concurrency: config.concurrency,
    ...(config.key !== null ? { key: config.key } : {}), ...(config.newest !== null ? { newest: config.newest } : {}),
  };
}

/**
 * The configuration with `patch` applied (fields absent from the patch keep their values);
 * null when the repo is no mirror. The mode cannot change this way (400 `invalid_mirror`): a
 * complete mirror's index holds upstream's paths, a filtered one's Berth's.
 */
export async function patchMirror(store: BlobStore, tenant: string, repo: string, patch: Partial<MirrorInput>, now: Date): Promise<MirrorConfig | null> {
  const config = await readMirrorConfig(store, tenant, repo);
  if (!config) return null;
  const merged: MirrorInput = { ...inputOf(config), ...patch };
  // turning verification off drops the key it would check with
  if (patch.verify === false && patch.key === undefined) delete merged.key;
  if (patch.mode !== undefined && patch.mode !== config.mode) {
    throw new MirrorConfigError('invalid_mirror', `a mirror's mode cannot change (${config.mode}): remove the mirror and configure it again`);
  }
  const next = normalizeMirrorInput(merged, now);
  await writeMirrorConfig(store, tenant, repo, next);
  return next;
}
