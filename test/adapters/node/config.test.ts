import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { ConfigError, loadConfig } from '../../../src/adapters/node/config.js';

describe('berth serve configuration', () => {
  it('defaults to the embedded store on loopback', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ host: '127.0.0.1', port: 8080, operatorTokenHash: null, publicUrl: null, retentionSeconds: 3 * 86400, maxUploadBytes: 1024 ** 3, codec: 'gz', warnings: [] });
    expect(c.storage).toEqual({ kind: 'fs', root: './.berth/data' });
  });

  it('reads every setting, flags winning over the environment', () => {
    const c = loadConfig({
      BERTH_ADMIN_TOKEN: 'a-long-enough-secret', BERTH_DATA: '/env/data', BERTH_PORT: '9000', BERTH_PUBLIC_URL: 'https://repo.example.com/',
      BERTH_MAX_UPLOAD_BYTES: '512M', BERTH_RETENTION: '12h', BERTH_GC_INTERVAL: '30m',
    }, { port: 0, data: '/flag/data', host: '0.0.0.0' });
    expect(c).toMatchObject({
      operatorTokenHash: createHash('sha256').update('a-long-enough-secret').digest('hex'), host: '0.0.0.0', port: 0, publicUrl: 'https://repo.example.com',
      maxUploadBytes: 512 * 1024 * 1024, retentionSeconds: 12 * 3600, gcIntervalSeconds: 1800,
    });
    expect(c.storage).toEqual({ kind: 'fs', root: '/flag/data' });
  });

  it('reads the number of worker processes from BERTH_WORKERS or --workers (auto = one per CPU)', () => {
    expect(loadConfig({}).workers).toBe(1);
    expect(loadConfig({ BERTH_WORKERS: '3' }).workers).toBe(3);
    expect(loadConfig({ BERTH_WORKERS: '3' }, { workers: '2' }).workers).toBe(2);
    expect(loadConfig({ BERTH_WORKERS: 'auto' }).workers).toBe(availableParallelism());
    for (const bad of ['0', 'many', '1.5', '257']) {
      expect(() => loadConfig({}, { workers: bad })).toThrow(/BERTH_WORKERS/);
    }
  });

  it('selects Azure by connection string or account URL, not both', () => {
    expect(loadConfig({ AZURE_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true' }).storage)
      .toEqual({ kind: 'azure-connection-string', connectionString: 'UseDevelopmentStorage=true', container: 'berth' });
    expect(loadConfig({ BERTH_STORAGE_ACCOUNT_URL: 'https://acct.blob.core.windows.net/', BERTH_CONTAINER: 'pkgs' }).storage)
      .toEqual({ kind: 'azure-account-url', accountUrl: 'https://acct.blob.core.windows.net', container: 'pkgs' });
    expect(() => loadConfig({ AZURE_STORAGE_CONNECTION_STRING: 'x', BERTH_STORAGE_ACCOUNT_URL: 'https://a.example' })).toThrow(ConfigError);
  });

  it('still reads the old names AZURE_STORAGE_ACCOUNT_URL and BERTH_AZURE_CONTAINER, with a deprecation warning', () => {
    const c = loadConfig({ AZURE_STORAGE_ACCOUNT_URL: 'https://acct.blob.core.windows.net', BERTH_AZURE_CONTAINER: 'pkgs' });
    expect(c.storage).toEqual({ kind: 'azure-account-url', accountUrl: 'https://acct.blob.core.windows.net', container: 'pkgs' });
    expect(c.warnings).toEqual([
      'AZURE_STORAGE_ACCOUNT_URL is deprecated and will stop being read in the next release: use BERTH_STORAGE_ACCOUNT_URL',
      'BERTH_AZURE_CONTAINER is deprecated and will stop being read in the next release: use BERTH_CONTAINER',
    ]);
    expect(() => loadConfig({ BERTH_AZURE_CONTAINER: 'Bad_Name' })).toThrow(/BERTH_AZURE_CONTAINER \(deprecated name of BERTH_CONTAINER\)/);
  });

  it('names the bad setting and never echoes a secret', () => {
    expect(() => loadConfig({ BERTH_PORT: '70000' })).toThrow(/BERTH_PORT/);
    expect(() => loadConfig({ BERTH_MAX_UPLOAD_BYTES: 'lots' })).toThrow(/BERTH_MAX_UPLOAD_BYTES.*"lots"/);
    expect(() => loadConfig({ BERTH_RETENTION: '-1d' })).toThrow(/BERTH_RETENTION/);
    expect(() => loadConfig({ BERTH_CONTAINER: 'Bad_Name' })).toThrow(/BERTH_CONTAINER/);
    let message = '';
    try {
      loadConfig({ BERTH_ADMIN_TOKEN: 'short-secret' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/BERTH_ADMIN_TOKEN/);
    expect(message).not.toContain('short-secret');
  });

  it('accepts the operator credential as its SHA-256 too, and refuses both at once', () => {
    const hash = createHash('sha256').update('some operator token').digest('hex');
    expect(loadConfig({ BERTH_ADMIN_TOKEN_SHA256: hash.toUpperCase() }).operatorTokenHash).toBe(hash);
    expect(() => loadConfig({ BERTH_ADMIN_TOKEN_SHA256: hash, BERTH_ADMIN_TOKEN: 'some operator token' })).toThrow(/not both/);
  });

  it('reads the cache windows and the metadata codec', () => {
    expect(loadConfig({})).toMatchObject({ tokenCacheSeconds: 5, metadataCacheSeconds: 1, mirrorCheckSeconds: 300 });
    expect(loadConfig({ BERTH_TOKEN_CACHE_SECONDS: '0', BERTH_METADATA_CACHE_SECONDS: '60', BERTH_METADATA_CODEC: 'zstd', BERTH_MIRROR_INTERVAL: '0' }))
      .toMatchObject({ tokenCacheSeconds: 0, metadataCacheSeconds: 60, codec: 'zstd', mirrorCheckSeconds: 0 });
    expect(() => loadConfig({ BERTH_TOKEN_CACHE_SECONDS: '61' })).toThrow(/BERTH_TOKEN_CACHE_SECONDS/);
  });
});
