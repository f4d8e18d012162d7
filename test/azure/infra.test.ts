// Consistency of the deployment artefacts with the code: every app setting the one settings
// schema (src/settings) requires on Functions is set by infra/azure/main.bicep, every Berth
// setting the template sets is one Functions reads under its current name (no deprecated name,
// no typo), the names the functions bind to (queue, container, connection) are the ones the
// template creates, roles stay narrow, and host.json matches what the adapter assumes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { functionsSettings, OPERATOR_ALTERNATIVES, QUEUE_CONNECTION, requiredSettings, STORAGE_ALTERNATIVES } from '../../src/adapters/azure/config.js';
import { formerNames, settingsSchema } from '../../src/settings/schema.js';
import { encodeMessage } from '../../src/adapters/azure/queue-sink.js';
import { SERVE_V8_FLAGS } from '../../bin/serve-flags.js';
import { repoRoot } from '../helpers/tools.js';
import { installFakeFunctionsCore, triggerOf, type FakeCore } from './fake-functions-core.js';

const root = repoRoot();
const bicep = readFileSync(join(root, 'infra', 'azure', 'main.bicep'), 'utf8');
const params = JSON.parse(readFileSync(join(root, 'infra', 'azure', 'main.parameters.json'), 'utf8')) as { parameters: Record<string, { value: unknown }> };
const host = JSON.parse(readFileSync(join(root, 'host.json'), 'utf8')) as Record<string, unknown>;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { main: string; engines: { node: string } };

interface BicepResource { symbol: string; type: string; body: string }

/** Top-level `resource` declarations with their bodies (brace matching; strings hold no braces here). */
function resources(text: string): BicepResource[] {
  const out: BicepResource[] = [];
  const re = /^resource (\w+) '([^'@]+)@[^']+' = (?:\[for [^\n]*?: )?\{/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    let depth = 1;
    let i = m.index + m[0].length;
    for (; i < text.length && depth > 0; i++) {
      if (text[i] === '{') depth++;
      else if (text[i] === '}') depth--;
    }
    out.push({ symbol: m[1]!, type: m[2]!, body: text.slice(m.index + m[0].length, i - 1) });
  }
  return out;
}

/** `{ name: 'X', value: expr }` entries of the app settings arrays. */
function appSettings(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const m of text.matchAll(/\{ name: '([A-Za-z0-9_]+)', value: ([^}]+?) \}/g)) map.set(m[1]!, m[2]!.trim());
  return map;
}

function paramDefault(name: string): string {
  const m = new RegExp(`^param ${name} string = '([^']*)'`, 'm').exec(bicep);
  if (!m) throw new Error(`param ${name} has no string default`);
  return m[1]!;
}

const all = resources(bicep);
const bySymbol = new Map(all.map((r) => [r.symbol, r]));
const nameOf = (symbol: string): string => /^\s*name: ([^\n]+)$/m.exec(bySymbol.get(symbol)?.body ?? '')?.[1]?.trim() ?? '';
const settings = appSettings(bicep);

describe('infra/azure/main.bicep sets what the config schema requires', () => {
  it('every required setting (derived from the zod schema) is set', () => {
    const required = requiredSettings();
    expect(required.length).toBeGreaterThan(0);
    for (const name of required) expect(settings.has(name), `${name} missing from main.bicep app settings`).toBe(true);
  });

  it('storage is reached by managed identity: exactly one storage alternative, no connection string, no shared keys', () => {
    expect(STORAGE_ALTERNATIVES.filter((k) => settings.has(k))).toEqual(['BERTH_STORAGE_ACCOUNT_URL']);
    expect(settings.get('BERTH_STORAGE_ACCOUNT_URL')).toBe('storage.properties.primaryEndpoints.blob');
    expect(bicep).toMatch(/allowSharedKeyAccess: false/);
    expect(bicep).not.toMatch(/listKeys\(|AccountKey=/);
  });

  it('sets no Berth setting Functions does not read (typos and deprecated names would be silently ignored)', () => {
    const known = new Set<string>(functionsSettings());
    const berth = [...settings.keys()].filter((name) => name.startsWith('BERTH_'));
    expect(berth.length).toBeGreaterThan(5);
    for (const name of berth) expect(known.has(name), `${name} is not a setting Functions reads`).toBe(true);
    for (const old of formerNames().keys()) expect(bicep, `deprecated name ${old}`).not.toContain(old);
    // The operator credential: exactly one of the two ways, and in the template only its hash.
    expect(OPERATOR_ALTERNATIVES.filter((k) => settings.has(k))).toEqual(['BERTH_ADMIN_TOKEN_SHA256']);
    expect(settings.get('BERTH_ADMIN_TOKEN_SHA256')).toBe('adminTokenSha256');
    expect(bicep).not.toMatch(/BERTH_ADMIN_TOKEN'/);
  });

  it('the Node worker runs with the V8 flags berth serve runs with', () => {
    expect(settings.get('languageWorkers__node__arguments')).toBe(`'${SERVE_V8_FLAGS.join(' ')}'`);
  });

  it('default and example values pass the schema', () => {
    const shape = settingsSchema.shape;
    const values: [keyof typeof shape, string][] = [
      ['BERTH_CONTAINER', paramDefault('containerName')], ['BERTH_CONTAINER', String(params.parameters['containerName']?.value)],
      ['BERTH_QUEUE', paramDefault('queueName')], ['BERTH_QUEUE', String(params.parameters['queueName']?.value)],
      ['BERTH_MAX_UPLOAD_BYTES', paramDefault('maxUploadBytes')], ['BERTH_RETENTION', paramDefault('retention')],
      ['BERTH_MIRROR_SCHEDULE', paramDefault('mirrorSchedule')],
    ];
    for (const [k, v] of values) expect(shape[k].safeParse(v).success, `${String(k)}=${v}`).toBe(true);
  });

  it('Flex Consumption: runtime in functionAppConfig (not app settings), Node matching package.json engines', () => {
    expect(bySymbol.get('plan')?.body).toMatch(/name: 'FC1'[\s\S]*tier: 'FlexConsumption'/);
    expect(settings.has('FUNCTIONS_WORKER_RUNTIME')).toBe(false);
    expect(settings.has('FUNCTIONS_EXTENSION_VERSION')).toBe(false);
    expect(bySymbol.get('functionApp')?.body).toMatch(/runtime: \{\s*name: 'node'\s*version: nodeVersion/);
    const major = /^>=(\d+)/.exec(pkg.engines.node)?.[1];
    expect(paramDefault('nodeVersion')).toBe(major);
    expect(bySymbol.get('functionApp')?.body).toMatch(/identity: \{ type: 'SystemAssigned' \}/);
    expect(bySymbol.get('functionApp')?.body).toMatch(/authentication: \{ type: 'SystemAssignedIdentity' \}/);
  });

  it('roles: only data-plane contributor roles, each scoped to one container, queue or the telemetry component', () => {
    const assignments = all.filter((r) => r.type === 'Microsoft.Authorization/roleAssignments');
    expect(assignments.length).toBeGreaterThanOrEqual(5);
    const allowedScopes = all
      .filter((r) => /blobServices\/containers$|queueServices\/queues$|Microsoft.Insights\/components$/.test(r.type))
      .map((r) => r.symbol);
    for (const a of assignments) {
      const scope = /scope: (\w+)/.exec(a.body)?.[1];
      expect(allowedScopes, `${a.symbol} scope ${scope}`).toContain(scope);
      expect(a.body).toMatch(/principalId: principalId/);
    }
    const scoped = (symbol: string): boolean => assignments.some((a) => new RegExp(`scope: ${symbol}\\b`).test(a.body));
    for (const s of ['dataContainer', 'deploymentContainer', 'hostContainers', 'eventsQueue', 'poisonQueue']) expect(scoped(s), s).toBe(true);
    // Owner, Contributor, Storage Blob Data Owner, Storage Account Contributor: never.
    for (const broad of ['8e3af657-a8ff-443c-a75c-2fe8c4bcb635', 'b24988ac-6180-42a0-ab88-20f7382dd24c', 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b', '17d1049b-9a84-46fb-8f53-869881c3d3ab']) {
      expect(bicep).not.toContain(broad);
    }
  });
});

describe('names agree across bicep, host.json and the functions', () => {
  let core: FakeCore;
  beforeAll(async () => {
    core = installFakeFunctionsCore();
    await import('../../functions/index.js');
  });

  it('the queue the trigger reads is the queue the template creates and the sink is told about', () => {
    const t = triggerOf(core.registrations.get('regenerate')!);
    const setting = /^%(\w+)%$/.exec(String(t['queueName']))?.[1];
    expect(setting).toBe('BERTH_QUEUE');
    expect(settings.get('BERTH_QUEUE')).toBe('eventsQueue.name');
    expect(nameOf('eventsQueue')).toBe('queueName');
    // the host's poison queue convention: <queue>-poison, created (the identity cannot create queues)
    expect(bicep).toMatch(/var poisonQueueName = '\$\{queueName\}-poison'/);
    expect(nameOf('poisonQueue')).toBe('poisonQueueName');
  });

  it('the trigger connection is identity-based in the template', () => {
    const t = triggerOf(core.registrations.get('regenerate')!);
    expect(t['connection']).toBe(QUEUE_CONNECTION);
    expect(settings.get(`${QUEUE_CONNECTION}__accountName`)).toBe('storage.name');
    expect(settings.get(`${QUEUE_CONNECTION}__credential`)).toBe("'managedidentity'");
  });

  it('the mirror timer: its schedule setting is set from a parameter whose default is the code default', async () => {
    const { DEFAULT_MIRROR_SCHEDULE } = await import('../../src/settings/schema.js');
    expect(settings.get('BERTH_MIRROR_SCHEDULE')).toBe('mirrorSchedule');
    expect(paramDefault('mirrorSchedule')).toBe(DEFAULT_MIRROR_SCHEDULE);
    expect(triggerOf(core.registrations.get('mirror')!)['type']).toBe('timerTrigger');
  });

  it('the data container is the one the template creates', () => {
    expect(settings.get('BERTH_CONTAINER')).toBe('dataContainer.name');
    expect(nameOf('dataContainer')).toBe('containerName');
  });

  it('host.json: v2, no /api prefix, bundle v4, base64 queue messages as the sink writes them, poison after retries', () => {
    expect(host['version']).toBe('2.0');
    const ext = host['extensions'] as { http: { routePrefix: string }; queues: Record<string, unknown> };
    expect(ext.http.routePrefix).toBe('');
    expect(host['extensionBundle']).toEqual({ id: 'Microsoft.Azure.Functions.ExtensionBundle', version: '[4.*, 5.0.0)' });
    expect(ext.queues['messageEncoding']).toBe('base64');
    const encoded = encodeMessage({ tenant: 'a', repo: 'b', revision: 1 });
    expect(Buffer.from(encoded, 'base64').toString('base64')).toBe(encoded);
    expect(ext.queues['maxDequeueCount']).toBeGreaterThan(1);
    expect(ext.queues['batchSize']).toBeGreaterThan(0);
    expect(host['logging']).toBeTypeOf('object');
    const http = triggerOf(core.registrations.get('berth')!);
    expect(http['route']).toBe('{*path}');
  });

  it('package.json main is the built functions entry point', () => {
    expect(pkg.main).toBe('dist/functions/index.js');
    const build = JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8')) as { include: string[] };
    expect(build.include).toEqual(expect.arrayContaining(['src', 'functions']));
  });
});
