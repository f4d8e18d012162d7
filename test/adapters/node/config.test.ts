import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseDuration, parseSize } from '../../../src/adapters/node/config.js';

describe('berth serve configuration', () => {
  it('defaults to the embedded store on loopback', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ host: '127.0.0.1', port: 8080, adminToken: null, publicUrl: null, retentionSeconds: 3 * 86400 });
    expect(c.storage).toEqual({ kind: 'fs', root: './.berth/data' });
  });

  it('reads every setting, flags winning over the environment', () => {
    const c = loadConfig({
      BERTH_ADMIN_TOKEN: 'a-long-enough-secret', BERTH_DATA: '/env/data', BERTH_PORT: '9000', BERTH_PUBLIC_URL: 'https://repo.example.com/',
      BERTH_MAX_UPLOAD_BYTES: '512M', BERTH_RETENTION: '12h', BERTH_GC_INTERVAL: '30m',
    }, { port: 0, data: '/flag/data', host: '0.0.0.0' });
    expect(c).toMatchObject({
      adminToken: 'a-long-enough-secret', host: '0.0.0.0', port: 0, publicUrl: 'https://repo.example.com',
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
    expect(loadConfig({ AZURE_STORAGE_ACCOUNT_URL: 'https://acct.blob.core.windows.net', BERTH_AZURE_CONTAINER: 'pkgs' }).storage)
      .toEqual({ kind: 'azure-account-url', accountUrl: 'https://acct.blob.core.windows.net', container: 'pkgs' });
    expect(() => loadConfig({ AZURE_STORAGE_CONNECTION_STRING: 'x', AZURE_STORAGE_ACCOUNT_URL: 'https://a.example' })).toThrow(ConfigError);
  });

  it('names the bad setting and never echoes a secret', () => {
    expect(() => loadConfig({ BERTH_PORT: '70000' })).toThrow(/BERTH_PORT/);
    expect(() => loadConfig({ BERTH_MAX_UPLOAD_BYTES: 'lots' })).toThrow(/BERTH_MAX_UPLOAD_BYTES.*"lots"/);
    expect(() => loadConfig({ BERTH_RETENTION: '-1d' })).toThrow(/BERTH_RETENTION/);
    expect(() => loadConfig({ BERTH_AZURE_CONTAINER: 'Bad_Name' })).toThrow(/BERTH_AZURE_CONTAINER/);
    let message = '';
    try {
      loadConfig({ BERTH_ADMIN_TOKEN: 'short-secret' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/BERTH_ADMIN_TOKEN/);
    expect(message).not.toContain('short-secret');
  });

  it('parses sizes and durations', () => {
    expect([parseSize('1024'), parseSize('2k'), parseSize('1G'), parseSize('3MiB'), parseSize('0'), parseSize('x')])
      .toEqual([1024, 2048, 1024 ** 3, 3 * 1024 ** 2, null, null]);
    expect([parseDuration('90'), parseDuration('90s'), parseDuration('2m'), parseDuration('1h'), parseDuration('3d'), parseDuration('1w')])
      .toEqual([90, 90, 120, 3600, 259200, null]);
  });
});
