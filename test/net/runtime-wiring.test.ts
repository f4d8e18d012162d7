// Every runtime's composition root gives mirror runs an outbound client that refuses loopback by
// default and lets the operator allow it with BERTH_EGRESS_ALLOW: the Node server, Azure
// Functions and the Worker (its deps built in Node from fake bindings; nothing is contacted).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadAzureConfig } from '../../src/adapters/azure/config.js';
import { buildAzureRuntime } from '../../src/adapters/azure/deps.js';
import { buildWorkerDeps } from '../../src/adapters/cloudflare/deps.js';
import type { WorkerEnv } from '../../src/adapters/cloudflare/config.js';
import { loadConfig } from '../../src/adapters/node/config.js';
import { buildAppDeps } from '../../src/adapters/node/deps.js';
import type { Outbound } from '../../src/net/outbound.js';
import { createMemoryBlobStore } from '../../src/storage/memory-store.js';
import type { Logger } from '../../src/core/logger.js';

const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function codeOf(outbound: Outbound | undefined, url: string): Promise<string> {
  if (!outbound) return 'no outbound';
  try {
    const res = await outbound.get(url, { maxBytes: 16 });
    await res.body.cancel();
    return `status ${res.status}`;
  } catch (e) {
    return (e as { code: string }).code;
  }
}

// a loopback port nothing listens on: allowed, the request is tried and fails to connect
const DEAD = 'http://127.0.0.1:9/repodata/repomd.xml';

const runtimes: [string, (env: Record<string, string>) => Promise<Outbound | undefined>][] = [
  ['Node server', async (env) => buildAppDeps(loadConfig(env), createMemoryBlobStore(), null, quiet).deps.outbound],
  ['Azure Functions', async (env) => buildAzureRuntime(loadAzureConfig({
    AzureWebJobsStorage: 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:1/devstoreaccount1;QueueEndpoint=http://127.0.0.1:1/devstoreaccount1;',
    BERTH_ADMIN_TOKEN_SHA256: createHash('sha256').update('x').digest('hex'), BERTH_CONTAINER: 'berth', BERTH_QUEUE: 'berth-events', ...env,
  }), quiet).deps.outbound],
  ['Worker', async (env) => (await buildWorkerDeps({
    BUCKET: {} as NonNullable<WorkerEnv['BUCKET']>, EVENTS: { send: async () => undefined }, ...env,
  } as WorkerEnv, quiet)).deps.outbound],
];

describe.each(runtimes)('%s', (_name, outboundFor) => {
  it('refuses loopback by default, reaches it when the operator allows it', async () => {
    expect(await codeOf(await outboundFor({}), DEAD)).toBe('egress_refused');
    expect(await codeOf(await outboundFor({}), 'http://169.254.169.254/latest/meta-data/')).toBe('egress_refused');
    expect(await codeOf(await outboundFor({ BERTH_EGRESS_ALLOW: '127.0.0.1' }), DEAD)).toBe('upstream_unreachable');
  });

  it('refuses an invalid setting by name', async () => {
    await expect(outboundFor({ BERTH_UPSTREAM_CONNECT_TIMEOUT: 'never' })).rejects.toThrow(/BERTH_UPSTREAM_CONNECT_TIMEOUT/);
  });
});
