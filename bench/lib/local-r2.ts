/**
 * The Worker's local R2 bucket (binding BUCKET of infra/cloudflare/wrangler.jsonc), opened from
 * Node through wrangler's getPlatformProxy on the same persisted state a Worker started with
 * `dev.persist: <dir>` uses (wrangler keeps it under `<dir>/v3`): seeding in bulk through the
 * binding, with many calls in flight, instead of one `wrangler r2 object put` process per object.
 * Only one of the two may have the state open at a time: dispose before starting the Worker.
 *
 * The caller sets the offline environment first (wranglerEnv in edge-worker.ts, or the test's
 * workerd.ts): wrangler reads it when it loads.
 */
import { join } from 'node:path';
import { createR2BlobStore, type R2BucketLike } from '../../src/storage/r2-store.js';
import type { BlobStore } from '../../src/storage/blob-store.js';

export interface LocalR2 {
  store: BlobStore;
  bucket: R2BucketLike;
  dispose(): Promise<void>;
}

interface PlatformProxy {
  env: Record<string, unknown>;
  dispose(): Promise<void>;
}
type GetPlatformProxy = (options: Record<string, unknown>) => Promise<PlatformProxy>;

export async function openLocalR2(root: string, persist: string): Promise<LocalR2> {
  const { getPlatformProxy } = (await import('wrangler')) as unknown as { getPlatformProxy: GetPlatformProxy };
  const proxy = await getPlatformProxy({
    configPath: join(root, 'infra', 'cloudflare', 'wrangler.jsonc'),
    persist: { path: join(persist, 'v3') },
    remoteBindings: false,
  });
  const bucket = proxy.env['BUCKET'] as R2BucketLike | undefined;
  if (!bucket) {
    await proxy.dispose();
    throw new Error('wrangler.jsonc has no BUCKET binding');
  }
  return { store: createR2BlobStore(bucket), bucket, dispose: () => proxy.dispose() };
}
