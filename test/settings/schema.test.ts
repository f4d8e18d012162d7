// The one settings schema: every runtime reads a shared name with the same syntax, limits and
// default; old names still work, with a warning each runtime logs at start; the operator
// credential is accepted as plaintext or SHA-256 everywhere and never echoed.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadAzureConfig } from '../../src/adapters/azure/config.js';
import { buildAzureRuntime } from '../../src/adapters/azure/deps.js';
import { loadConfig } from '../../src/adapters/node/config.js';
import { logDeprecations } from '../../src/adapters/node/server.js';
import { parseWorkerEnv } from '../../src/adapters/cloudflare/config.js';
import { buildWorkerDeps } from '../../src/adapters/cloudflare/deps.js';
import { loadSettings } from '../../src/settings/load.js';
import { formerNames, RUNTIMES, SETTING_DOCS, settingsOf, settingsSchema, type SettingName } from '../../src/settings/schema.js';
import { parseDuration, parseSize } from '../../src/settings/units.js';

const TOKEN = 'operator-token-of-the-test-0123456789';
const HASH = createHash('sha256').update(TOKEN).digest('hex');
const AZURE = { AzureWebJobsStorage: 'UseDevelopmentStorage=true', BERTH_QUEUE: 'berth-events' };
const bindings = { BUCKET: {} as never, EVENTS: { send: async () => undefined } };

/** The three runtimes' own config loaders on one set of values (plus what each needs to start). */
function everywhere(values: Record<string, string>) {
  return {
    node: loadConfig(values),
    functions: loadAzureConfig({ BERTH_ADMIN_TOKEN_SHA256: HASH, ...AZURE, ...values }),
    worker: parseWorkerEnv({ ...bindings, ...values }),
  };
}

function capture() {
  const lines: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
  const log = (level: string) => (msg: string, fields: Record<string, unknown> = {}) => void lines.push({ level, msg, fields });
  return { lines, logger: { info: log('info'), warn: log('warn'), error: log('error') } };
}

describe('one settings schema for every runtime', () => {
  it('the shared settings get the same defaults everywhere', () => {
    const { node, functions, worker } = everywhere({});
    for (const c of [node, functions, worker]) {
      expect(c).toMatchObject({ maxUploadBytes: 1024 ** 3, retentionSeconds: 3 * 86400, codec: 'gz', publicUrl: null });
    }
    expect(node).toMatchObject({ tokenCacheSeconds: 5, metadataCacheSeconds: 1 });
    expect(worker).toMatchObject({ tokenCacheSeconds: 5, metadataCacheSeconds: 1 });
    expect(node.storage).toMatchObject({ kind: 'fs' });
  });

  it('the shared settings take the same syntax and mean the same everywhere', () => {
    const values = { BERTH_MAX_UPLOAD_BYTES: '100M', BERTH_RETENTION: '36h', BERTH_PUBLIC_URL: 'https://repo.example.com//', BERTH_METADATA_CODEC: 'zstd' };
    const { node, functions } = everywhere(values);
    const worker = parseWorkerEnv({ ...bindings, ...values, BERTH_METADATA_CODEC: 'gz' });
    for (const c of [node, functions, worker]) {
      expect(c).toMatchObject({ maxUploadBytes: 100 * 1024 * 1024, retentionSeconds: 36 * 3600, publicUrl: 'https://repo.example.com' });
    }
    expect([node.codec, functions.codec]).toEqual(['zstd', 'zstd']);
    // A wrangler var may be a JSON number: the same value as its text.
    expect(parseWorkerEnv({ ...bindings, BERTH_MAX_UPLOAD_BYTES: 104857600, BERTH_RETENTION: 259200 } as never))
      .toMatchObject({ maxUploadBytes: 100 * 1024 * 1024, retentionSeconds: 259200 });
  });

  it('and the same limits: every runtime refuses the same bad values, naming the setting', () => {
    const bad: [SettingName, string][] = [
      ['BERTH_MAX_UPLOAD_BYTES', '6G'], ['BERTH_MAX_UPLOAD_BYTES', '0'], ['BERTH_RETENTION', '400d'], ['BERTH_RETENTION', 'soon'],
      ['BERTH_METADATA_CODEC', 'xz'], ['BERTH_PUBLIC_URL', 'ftp://x'], ['BERTH_ADMIN_TOKEN', 'short'], ['BERTH_ADMIN_TOKEN_SHA256', 'berth_op_plaintext'],
    ];
    for (const [name, value] of bad) {
      expect(() => loadConfig({ [name]: value }), `node ${name}=${value}`).toThrow(name);
      expect(() => loadAzureConfig({ ...AZURE, BERTH_ADMIN_TOKEN_SHA256: HASH, [name]: value }), `functions ${name}=${value}`).toThrow(name);
      expect(() => parseWorkerEnv({ ...bindings, [name]: value }), `worker ${name}=${value}`).toThrow(name);
    }
    for (const value of ['61', '-1', '1.5']) {
      expect(() => loadConfig({ BERTH_TOKEN_CACHE_SECONDS: value })).toThrow('BERTH_TOKEN_CACHE_SECONDS');
      expect(() => parseWorkerEnv({ ...bindings, BERTH_TOKEN_CACHE_SECONDS: value })).toThrow('BERTH_TOKEN_CACHE_SECONDS');
    }
  });

  it('the operator credential: plaintext or SHA-256 on every runtime, hashed at start, never echoed', () => {
    const plain = {
      node: loadConfig({ BERTH_ADMIN_TOKEN: TOKEN }).operatorTokenHash,
      functions: loadAzureConfig({ ...AZURE, BERTH_ADMIN_TOKEN: TOKEN }).operatorTokenHash,
      worker: parseWorkerEnv({ ...bindings, BERTH_ADMIN_TOKEN: TOKEN }).operatorTokenHash,
    };
    expect(plain).toEqual({ node: HASH, functions: HASH, worker: HASH });
    const hashed = {
      node: loadConfig({ BERTH_ADMIN_TOKEN_SHA256: HASH }).operatorTokenHash,
      functions: loadAzureConfig({ ...AZURE, BERTH_ADMIN_TOKEN_SHA256: HASH.toUpperCase() }).operatorTokenHash,
      worker: parseWorkerEnv({ ...bindings, BERTH_ADMIN_TOKEN_SHA256: HASH }).operatorTokenHash,
    };
    expect(hashed).toEqual({ node: HASH, functions: HASH, worker: HASH });
    // Nothing returned holds the plaintext.
    for (const c of [loadConfig({ BERTH_ADMIN_TOKEN: TOKEN }), loadAzureConfig({ ...AZURE, BERTH_ADMIN_TOKEN: TOKEN })]) {
      expect(JSON.stringify(c)).not.toContain(TOKEN);
    }
    const errors: string[] = [];
    for (const load of [
      () => loadConfig({ BERTH_ADMIN_TOKEN: `${TOKEN}\u0000`.slice(0, 10) }),
      () => loadAzureConfig({ ...AZURE, BERTH_ADMIN_TOKEN: TOKEN, BERTH_ADMIN_TOKEN_SHA256: HASH }),
      () => parseWorkerEnv({ ...bindings, BERTH_ADMIN_TOKEN: TOKEN.slice(0, 12) }),
    ]) {
      try {
        load();
      } catch (e) {
        errors.push(String(e));
      }
    }
    expect(errors).toHaveLength(3);
    for (const e of errors) {
      expect(e).toMatch(/BERTH_ADMIN_TOKEN/);
      expect(e).not.toContain(TOKEN.slice(0, 10));
    }
    // Functions needs one of the two.
    expect(() => loadAzureConfig(AZURE)).toThrow(/BERTH_ADMIN_TOKEN or BERTH_ADMIN_TOKEN_SHA256: missing/);
  });

  it('old names keep working on every runtime that reads the new one, with a warning naming both', () => {
    const { node, functions, worker } = everywhere({ BERTH_RETENTION_SECONDS: '7200' });
    for (const c of [node, functions, worker]) {
      expect(c.retentionSeconds).toBe(7200);
      expect(c.warnings).toEqual(['BERTH_RETENTION_SECONDS is deprecated and will stop being read in the next release: use BERTH_RETENTION']);
    }
    // The new name wins, and the old one is reported as ignored.
    const both = loadConfig({ BERTH_RETENTION_SECONDS: '7200', BERTH_RETENTION: '1h' });
    expect(both.retentionSeconds).toBe(3600);
    expect(both.warnings[0]).toMatch(/^BERTH_RETENTION_SECONDS is ignored: BERTH_RETENTION is set/);
    const f = loadAzureConfig({ ...AZURE, BERTH_ADMIN_TOKEN_SHA256: HASH, BERTH_AZURE_CONTAINER: 'old-name' });
    expect(f.container).toBe('old-name');
    expect(f.warnings).toEqual(['BERTH_AZURE_CONTAINER is deprecated and will stop being read in the next release: use BERTH_CONTAINER']);
  });

  it('each runtime logs the deprecation warnings once at start', async () => {
    const n = capture();
    logDeprecations(loadConfig({ BERTH_AZURE_CONTAINER: 'x-y-z' }), n.logger);
    const f = capture();
    buildAzureRuntime(loadAzureConfig({ ...AZURE, BERTH_ADMIN_TOKEN_SHA256: HASH, BERTH_RETENTION_SECONDS: '60' }), f.logger);
    const w = capture();
    await buildWorkerDeps({ ...bindings, BERTH_RETENTION_SECONDS: 60 } as never, w.logger);
    for (const [c, old] of [[n, 'BERTH_AZURE_CONTAINER'], [f, 'BERTH_RETENTION_SECONDS'], [w, 'BERTH_RETENTION_SECONDS']] as const) {
      expect(c.lines.filter((l) => l.level === 'warn')).toEqual([
        { level: 'warn', msg: 'deprecated setting', fields: { detail: expect.stringMatching(new RegExp(`^${old} is deprecated`)) } },
      ]);
    }
  });
});

describe('the schema and its documentation', () => {
  it('documents every setting, says which runtimes read it, and each runtime reads the shared ones', () => {
    expect(Object.keys(SETTING_DOCS).sort()).toEqual(Object.keys(settingsSchema.shape).sort());
    for (const r of RUNTIMES) {
      for (const shared of ['BERTH_ADMIN_TOKEN', 'BERTH_ADMIN_TOKEN_SHA256', 'BERTH_PUBLIC_URL', 'BERTH_MAX_UPLOAD_BYTES', 'BERTH_RETENTION', 'BERTH_METADATA_CODEC']) {
        expect(settingsOf(r), r).toContain(shared);
      }
    }
  });

  it('every documented default is the schema default', () => {
    const shape = settingsSchema.shape as Record<SettingName, { safeParse(v: unknown): { success: boolean; data?: unknown } }>;
    for (const name of Object.keys(shape) as SettingName[]) {
      const shown = SETTING_DOCS[name].shownDefault;
      const unset = shape[name].safeParse(undefined);
      if (shown === undefined) {
        expect(unset.success && unset.data === undefined, `${name} has a default but shows none`).toBe(true);
        continue;
      }
      expect(shape[name].safeParse(shown), name).toEqual(unset);
    }
  });

  it('old names are not current names, and each names a current setting', () => {
    for (const [old, current] of formerNames()) {
      expect(Object.keys(settingsSchema.shape)).not.toContain(old);
      expect(Object.keys(settingsSchema.shape)).toContain(current);
    }
    expect([...formerNames().keys()].sort()).toEqual(['AZURE_STORAGE_ACCOUNT_URL', 'BERTH_AZURE_CONTAINER', 'BERTH_RETENTION_SECONDS']);
  });

  it('empty values mean unset; a binding where a setting belongs is refused', () => {
    expect(loadSettings('node', { BERTH_RETENTION: '' }).values.BERTH_RETENTION).toBe(3 * 86400);
    expect(() => loadSettings('worker', { BERTH_RETENTION: { not: 'text' } })).toThrow(/BERTH_RETENTION: must be text/);
  });

  it('sizes and durations', () => {
    expect([parseSize('1024'), parseSize('2k'), parseSize('1G'), parseSize('3MiB'), parseSize('0'), parseSize('x')])
      .toEqual([1024, 2048, 1024 ** 3, 3 * 1024 ** 2, null, null]);
    expect([parseDuration('90'), parseDuration('90s'), parseDuration('2m'), parseDuration('1h'), parseDuration('3d'), parseDuration('1w'), parseDuration('0'), parseDuration('0', true)])
      .toEqual([90, 90, 120, 3600, 259200, null, null, 0]);
  });
});
