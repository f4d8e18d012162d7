/**
 * One package into a repo's storage — the part publishing and mirroring share (docs/service.md,
 * publish steps 1-5): stage the bytes (streamed into `uploads/`, counted, hashed, reading stops at
 * the limit), read them as an RPM, verify them against the repo's trusted keys, build the index
 * entry and the fragments, and store the content-addressed blob and the fragment file. What
 * differs stays with the caller: where the bytes come from (a request body, an upstream
 * download), what is checked before reading (a mirror's size and checksum from primary.xml),
 * and how the index changes (publish's CAS, a mirror's commit).
 *
 * Every refusal is a `Refusal` with a stable code; nothing is stored until the package passed.
 * The staged blob is the caller's to discard (`discard`), whatever happened.
 */
import type { Keyring } from '../core/pgp/keyring.js';
import { legacyHashAlgorithms, verifyRpm, type Verification } from '../core/pgp/verify-rpm.js';
import type { HashAlgorithm, Platform } from '../core/platform.js';
import { toHex } from '../core/platform.js';
import { readRpm, type RpmReadResult } from '../core/rpm/index.js';
import type { BlobStore } from '../storage/blob-store.js';
import { isStorageError } from '../storage/errors.js';
import { packageBlobKey, uploadKey } from '../storage/keys.js';
import { Refusal } from './errors.js';
import { indexSigner, packagePlacement, unplaceableName, type IndexEntry, type IndexSigner } from './index-entry.js';
import { ByteTap } from './byte-tap.js';
import { fragmentFile, packageRecord, writeFragmentFile, type FragmentFile } from './package-fragments.js';

export interface IngestDeps {
  store: BlobStore;
  platform: Platform;
}

/** What reading the bytes as an RPM while they streamed in came to (`StageOptions.read`). */
export type ReadWhileStaged = { ok: true; result: RpmReadResult } | { ok: false; error: unknown };

/** Bytes in staging, with what was learnt while they streamed in. */
export interface Staged {
  key: string;
  size: number;
  sha256: string;
  /** Hex digests of every algorithm asked for (sha256 always). */
  digests: Partial<Record<HashAlgorithm, string>>;
  /** The bytes read as an RPM on their way in, when asked for: `examine` then reads nothing back. */
  read?: ReadWhileStaged;
}

export interface StageOptions {
  /** Most bytes accepted: reading stops, and `overLimit()` is thrown, past it. */
  limit: number;
  overLimit: () => Error;
  /** Digests besides sha256 (a mirror checks primary.xml's checksum type). */
  digests?: readonly HashAlgorithm[];
  contentType?: string;
  /** Also read the bytes as an RPM while they stream in (one pass: `examine` uses it). */
  read?: boolean;
}

const refuse = (code: string, detail: string, extra: Record<string, unknown> = {}): Refusal =>
  new Refusal('unprocessable', code, detail, extra);

/** Streams `body` into a fresh staging blob, counted and hashed; nothing is left on failure. */
export async function stage(deps: IngestDeps, body: ReadableStream<Uint8Array>, opts: StageOptions): Promise<Staged> {
  const key = uploadKey(crypto.randomUUID());
  const hashes = [...new Set<HashAlgorithm>(['sha256', ...(opts.digests ?? [])])].map((a) => [a, deps.platform.createHash(a)] as const);
  let size = 0;
  // the RPM reader takes each chunk before it goes on to the store (at most one chunk between them)
  const tap = opts.read ? new ByteTap() : null;
  const reading: Promise<ReadWhileStaged> | null = tap === null ? null
    : readRpm(tap, deps.platform, { headerPayloadHashes: legacyHashAlgorithms }).then((result) => ({ ok: true as const, result }), (error: unknown) => ({ ok: false as const, error }));
  const meter = new TransformStream<Uint8Array, Uint8Array>({
    async transform(chunk, controller) {
      size += chunk.length;
      if (size > opts.limit) {
        controller.error(opts.overLimit());
        return;
      }
      for (const [, h] of hashes) h.update(chunk);
      if (tap) await tap.push(chunk);
      controller.enqueue(chunk);
    },
    flush() {
      tap?.end();
    },
  });
  try {
    // scratch: read back and discarded by this request; what must survive a crash is the copy
    await deps.store.put(key, body.pipeThrough(meter), { contentType: opts.contentType ?? 'application/x-rpm', scratch: true });
  } catch (e) {
    tap?.fail(e);
    await reading;
    await deps.store.delete(key).catch(() => undefined);
    throw e;
  }
  // the bytes ended at the limit check or the put: the reader has seen all of them (or stopped)
  tap?.end();
  const digests: Partial<Record<HashAlgorithm, string>> = {};
  for (const [a, h] of hashes) digests[a] = toHex(h.digest());
  const staged: Staged = { key, size, sha256: digests.sha256 as string, digests };
  if (reading) staged.read = await reading;
  return staged;
}

export async function discard(deps: Pick<IngestDeps, 'store'>, staged: Pick<Staged, 'key'> | null): Promise<void> {
  if (staged) await deps.store.delete(staged.key).catch(() => undefined);
}

export interface Trust {
  keyring: Keyring;
  requireSignature: boolean;
  now: Date;
}

export interface Examined {
  result: RpmReadResult;
  signer: IndexSigner | null;
}

/** The verification verdicts, as refusal codes (docs/service.md). */
export const VERDICT_CODES: Record<Exclude<Verification['status'], 'ok'>, string> = {
  unsigned: 'unsigned',
  nokey: 'untrusted_key',
  untrusted: 'untrusted_key',
  // an algorithm we cannot check cannot establish trust either
  unsupported: 'untrusted_key',
  'bad-signature': 'bad_signature',
  'digest-mismatch': 'digest_mismatch',
  'weak-algorithm': 'weak_algorithm',
};

/**
 * Reads the blob at `key` (staged, or one this repo's mirror stored earlier) as an RPM whose
 * sha256 must be `sha256`, and verifies it against `trust`. Refusals: `not_an_rpm`, `delta_rpm`,
 * and the verdict codes (`unsigned`, `untrusted_key`, `bad_signature`, …).
 */
export async function examine(deps: IngestDeps, blob: { key: string; sha256: string; read?: ReadWhileStaged }, trust: Trust): Promise<Examined> {
  let result: RpmReadResult;
  try {
    if (blob.read) {
      if (!blob.read.ok) throw blob.read.error;
      result = blob.read.result;
    } else {
      const obj = await deps.store.get(blob.key);
      if (!obj) throw new Error(`${blob.key} vanished`);
      result = await readRpm(obj.body, deps.platform, { headerPayloadHashes: legacyHashAlgorithms });
    }
  } catch (e) {
    const err = e as { name?: string; code?: string; message?: string };
    if (err.name === 'RpmFormatError') throw refuse('not_an_rpm', `not an RPM package: ${err.message} (${err.code})`, { reason: err.code });
    throw e;
  }
  if (result.computed.fileSha256 !== blob.sha256) throw new Error(`${blob.key} changed while being read`);
  if (result.pkg.payloadFormat === 'drpm') throw refuse('delta_rpm', 'delta RPMs (.drpm) are not packages');
  const verdict = await verifyRpm(result, trust.keyring, { requireSignature: trust.requireSignature, date: trust.now });
  if (!verdict.ok) {
    const code = VERDICT_CODES[verdict.status as Exclude<Verification['status'], 'ok'>] ?? 'bad_signature';
    throw refuse(code, verdict.reason, { verification: verdict.status });
  }
  const signer = indexSigner(verdict.signer);
  return { result, signer };
}

export interface Prepared {
  entry: IndexEntry;
  /** Null when the repo does not build its own metadata (a complete mirror serves upstream's). */
  fragment: FragmentFile | null;
}

export interface PrepareOptions {
  addedAt: number;
  /** Where the package lives; default Berth's own placement from its header. */
  placement?: { filename: string; location: string };
  fragment: boolean;
}

/** The index entry and fragments; refusals `invalid_package_name`, `unrepresentable_metadata`. */
export function prepare(examined: Examined, blob: { sha256: string; size: number }, opts: PrepareOptions): Prepared {
  const pkg = examined.result.pkg;
  if (!opts.placement) {
    const unplaceable = unplaceableName(pkg.name);
    if (unplaceable !== null) throw refuse('invalid_package_name', unplaceable, { name: pkg.name });
  }
  const { filename, location } = opts.placement ?? packagePlacement(pkg);
  const entry: IndexEntry = {
    sha256: blob.sha256, name: pkg.name, epoch: pkg.epoch ?? 0, version: pkg.version, release: pkg.release,
    arch: pkg.arch, filename, location, size: blob.size, addedAt: opts.addedAt, signer: examined.signer,
  };
  if (!opts.fragment) return { entry, fragment: null };
  const frag = fragmentFile(packageRecord(examined.result, opts.addedAt, location));
  if ('excluded' in frag) throw refuse('unrepresentable_metadata', frag.excluded.message, { field: frag.excluded.field, char: frag.excluded.char });
  return { entry, fragment: frag };
}

/** Content-addressed copy of the staged bytes; an existing blob holds the same bytes by construction. */
export async function storeBlob(deps: Pick<IngestDeps, 'store'>, tenant: string, staged: Pick<Staged, 'key' | 'sha256'>): Promise<boolean> {
  const { store } = deps;
  const to = packageBlobKey(tenant, staged.sha256);
  try {
    if (store.copy) {
      await store.copy(staged.key, to, { ifNoneMatch: '*' });
    } else {
      const obj = await store.get(staged.key);
      if (!obj) throw new Error(`staged ${staged.key} vanished`);
      await store.put(to, obj.body, { ifNoneMatch: '*', contentType: 'application/x-rpm' });
    }
    return true;
  } catch (e) {
    if (!isStorageError(e, 'precondition_failed')) throw e;
    return false;
  }
}

/** Stores what a verified package needs before the index names it: its blob and its fragment file. */
/** True when the blob was new (the tenant's usage grows by its size: the caller records that). */
export async function storePackage(deps: Pick<IngestDeps, 'store'>, tenant: string, repo: string, staged: Pick<Staged, 'key' | 'sha256'>, prepared: Prepared): Promise<boolean> {
  const created = await storeBlob(deps, tenant, staged);
  if (prepared.fragment) await writeFragmentFile(deps.store, tenant, repo, prepared.fragment);
  return created;
}
