/**
 * Worker configuration from `env` (wrangler.jsonc `vars`, secrets from `wrangler secret put`).
 * Values may arrive as strings or JSON numbers. Errors name the variable, never a secret's value.
 */
import { BerthError } from '../../core/errors.js';
import type { Codec } from '../../core/platform.js';
import type { R2BucketLike } from '../../storage/r2-store.js';
import { zstdAvailable } from './platform.js';

export interface QueueLike<T> {
  send(body: T): Promise<void>;
}

/** What the Worker reads from its environment (bindings, vars, secrets). */
export interface WorkerEnv {
  /** R2 bucket binding (storage `r2`). */
  BUCKET?: R2BucketLike;
  /** Queue producer for RepoChanged events (storage `r2`). */
  EVENTS?: QueueLike<unknown>;
  /** `r2` (default; read-write) or `azure-sas` (read-only edge in front of Azure Blob). */
  BERTH_STORAGE?: string;
  /** Secret: the operator credential. */
  BERTH_ADMIN_TOKEN?: string;
  AZURE_BLOB_CONTAINER_URL?: string;
  /** Secret: a container SAS with read + list (`sp=rl`). */
  AZURE_BLOB_SAS?: string;
  BERTH_PUBLIC_URL?: string;
  BERTH_MAX_UPLOAD_BYTES?: string | number;
  BERTH_RETENTION_SECONDS?: string | number;
  /** How long a verified (or refused) credential is trusted at the edge; 1..60, default 60. */
  BERTH_TOKEN_CACHE_SECONDS?: string | number;
  /** How long the edge reuses a repo's current generation and settings; 0..60, default 5. */
  BERTH_METADATA_CACHE_SECONDS?: string | number;
  /** `gz` (default) or `zstd` (only where node:zlib has zstd). */
  BERTH_METADATA_CODEC?: string;
}

export class WorkerConfigError extends BerthError {
  override name = 'WorkerConfigError';
  constructor(message: string) {
    super('worker_config', message);
  }
}

/** The revocation bound promised in docs/service.md: a cached credential lives at most this long. */
export const MAX_TOKEN_CACHE_SECONDS = 60;

export type WorkerStorage =
  | { kind: 'r2'; bucket: R2BucketLike; events: QueueLike<unknown> }
  | { kind: 'azure-sas'; containerUrl: string; sas: string };

export interface WorkerConfig {
  storage: WorkerStorage;
  adminToken: string | null;
  publicUrl: string | null;
  maxUploadBytes: number;
  retentionSeconds: number;
  tokenCacheSeconds: number;
  metadataCacheSeconds: number;
  codec: Codec;
}

function int(env: WorkerEnv, name: keyof WorkerEnv, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new WorkerConfigError(`${name} must be an integer in ${min}..${max}`);
  return n;
}

export function parseWorkerEnv(env: WorkerEnv): WorkerConfig {
  const kind = env.BERTH_STORAGE ?? 'r2';
  let storage: WorkerStorage;
  if (kind === 'r2') {
    if (!env.BUCKET) throw new WorkerConfigError('BERTH_STORAGE=r2 needs an R2 bucket binding named BUCKET');
    if (!env.EVENTS) throw new WorkerConfigError('BERTH_STORAGE=r2 needs a queue producer binding named EVENTS');
    storage = { kind, bucket: env.BUCKET, events: env.EVENTS };
  } else if (kind === 'azure-sas') {
    if (!env.AZURE_BLOB_CONTAINER_URL || !/^https?:\/\/[^?]+$/.test(env.AZURE_BLOB_CONTAINER_URL)) {
      throw new WorkerConfigError('BERTH_STORAGE=azure-sas needs AZURE_BLOB_CONTAINER_URL (http(s) URL without query)');
    }
    if (!env.AZURE_BLOB_SAS) throw new WorkerConfigError('BERTH_STORAGE=azure-sas needs the AZURE_BLOB_SAS secret');
    storage = { kind, containerUrl: env.AZURE_BLOB_CONTAINER_URL, sas: env.AZURE_BLOB_SAS };
  } else {
    throw new WorkerConfigError('BERTH_STORAGE must be r2 or azure-sas');
  }
  const codec = env.BERTH_METADATA_CODEC ?? 'gz';
  if (codec !== 'gz' && codec !== 'zstd') throw new WorkerConfigError('BERTH_METADATA_CODEC must be gz or zstd');
  if (codec === 'zstd' && !zstdAvailable) throw new WorkerConfigError('BERTH_METADATA_CODEC=zstd: this runtime has no zstd (use gz)');
  const admin = env.BERTH_ADMIN_TOKEN ?? '';
  if (admin !== '' && admin.length < 16) throw new WorkerConfigError('BERTH_ADMIN_TOKEN must be at least 16 characters');
  const publicUrl = env.BERTH_PUBLIC_URL ?? '';
  if (publicUrl !== '' && !/^https?:\/\/\S+$/.test(publicUrl)) throw new WorkerConfigError('BERTH_PUBLIC_URL must be an http(s) URL');
  return {
    storage,
    adminToken: admin === '' ? null : admin,
    publicUrl: publicUrl === '' ? null : publicUrl.replace(/\/+$/, ''),
    maxUploadBytes: int(env, 'BERTH_MAX_UPLOAD_BYTES', 100 * 1024 * 1024, 1, 5 * 1024 ** 3),
    retentionSeconds: int(env, 'BERTH_RETENTION_SECONDS', 3 * 86400, 0, 365 * 86400),
    tokenCacheSeconds: int(env, 'BERTH_TOKEN_CACHE_SECONDS', MAX_TOKEN_CACHE_SECONDS, 1, MAX_TOKEN_CACHE_SECONDS),
    metadataCacheSeconds: int(env, 'BERTH_METADATA_CACHE_SECONDS', 5, 0, 60),
    codec,
  };
}
