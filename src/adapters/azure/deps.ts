/**
 * Composition root for Azure Functions (mirrors src/adapters/node/deps.ts): Azure Blob store,
 * Storage Queue event sink, Node platform, and the one Hono app. Built once per worker process
 * from the app settings and shared by the HTTP, queue and timer functions.
 */
import { DefaultAzureCredential } from '@azure/identity';
import { QueueClient, QueueServiceClient } from '@azure/storage-queue';
import type { Hono } from 'hono';
import { createApp } from '../../http/app.js';
import type { AppDeps } from '../../http/deps.js';
import type { Logger } from '../../core/logger.js';
import type { AppEnv } from '../../http/env.js';
import { MEMBER_CACHE_BYTES, ObjectCache } from '../../repo/object-cache.js';
import { regenerate, type RegenerateResult } from '../../repo/regenerate.js';
import { storeTenancy } from '../../repo/tenancy-bindings.js';
import type { BlobStore } from '../../storage/blob-store.js';
import { createAzureBlobStore } from '../../storage/azure-store.js';
import { nodeOutbound } from '../node/egress.js';
import { nodePlatform } from '../node/platform.js';
import { loadAzureConfig, type AzureConfig } from './config.js';
import { consoleLogger } from './logger.js';
import { QueueEventSink } from './queue-sink.js';

export interface AzureRuntime {
  config: AzureConfig;
  deps: AppDeps;
  app: Hono<AppEnv>;
  regenerate(tenant: string, repo: string): Promise<RegenerateResult>;
}

export function createStoreAndQueue(config: AzureConfig): { store: BlobStore; queue: QueueClient } {
  const s = config.storage;
  if (s.kind === 'connection-string') {
    return {
      store: createAzureBlobStore({ connectionString: s.connectionString, container: config.container }),
      queue: QueueServiceClient.fromConnectionString(s.connectionString).getQueueClient(config.queue),
    };
  }
  // One credential for both clients: the Function App's system-assigned managed identity in Azure.
  const credential = new DefaultAzureCredential();
  return {
    store: createAzureBlobStore({ accountUrl: s.blobServiceUrl, credential, container: config.container, createContainer: false }),
    queue: new QueueClient(`${s.queueServiceUrl}/${config.queue}`, credential),
  };
}

export function buildAzureRuntime(config: AzureConfig, logger: Logger = consoleLogger()): AzureRuntime {
  for (const warning of config.warnings) logger.warn('deprecated setting', { detail: warning });
  const { store, queue } = createStoreAndQueue(config);
  const clock = (): Date => new Date();
  const deps: AppDeps = {
    store,
    platform: nodePlatform,
    events: new QueueEventSink(queue),
    clock,
    logger,
    outbound: nodeOutbound(config.outbound.policy, config.outbound.limits),
    mirrorTenants: config.outbound.mirrorTenants,
    config: {
      maxUploadBytes: config.maxUploadBytes,
      retentionSeconds: config.retentionSeconds,
      operatorTokenHash: config.operatorTokenHash,
      publicUrl: config.publicUrl,
      rateLimit: config.rateLimit,
      tenantQuotaBytes: config.tenantQuotaBytes,
    },
  };
  // Every chunk-cache read is a round trip to Blob Storage: a warm worker keeps the members, so a
  // regeneration after one publish reads only the chunks that changed (src/repo/chunk-source.ts).
  const memberCache = new ObjectCache(MEMBER_CACHE_BYTES);
  return {
    config,
    deps,
    app: createApp(deps),
    regenerate: (tenant, repo) => regenerate({ store, platform: nodePlatform, clock, logger }, storeTenancy, tenant, repo, { codec: config.codec, memberCache }),
  };
}

let current: AzureRuntime | null = null;

/** The process-wide runtime, built from `process.env` on first use (throws ConfigError if misconfigured). */
export function azureRuntime(): AzureRuntime {
  current ??= buildAzureRuntime(loadAzureConfig(process.env));
  return current;
}

/** Tests: build the next runtime from other settings. */
export function resetAzureRuntime(): void {
  current = null;
}
