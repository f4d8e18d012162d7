// Loads functions/index.ts the way the Functions host would (with a fake host API) and checks
// what it registers: one catch-all HTTP function, the queue consumer bound to BERTH_QUEUE, the
// GC and mirror timers, HTTP streaming, and the start-up validation of the app settings.
import { createHash } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MIRROR_SCHEDULE, functionsSettings, mirrorScheduleFrom, OPERATOR_ALTERNATIVES, QUEUE_CONNECTION, requiredSettings } from '../../src/adapters/azure/config.js';
import { resetAzureRuntime } from '../../src/adapters/azure/deps.js';
import { installFakeFunctionsCore, triggerOf, type FakeCore } from './fake-functions-core.js';

let core: FakeCore;
let gcSchedule: string;
let mirrorSchedule: string;
let httpMethods: string[];

beforeAll(async () => {
  core = installFakeFunctionsCore();
  await import('../../functions/index.js');
  gcSchedule = (await import('../../functions/gc.js')).GC_SCHEDULE;
  mirrorSchedule = (await import('../../functions/mirror.js')).MIRROR_SCHEDULE;
  httpMethods = (await import('../../functions/http.js')).HTTP_METHODS;
});

const SETTINGS: string[] = functionsSettings();
const saved = Object.fromEntries(SETTINGS.map((k) => [k, process.env[k]]));
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  resetAzureRuntime();
});

describe('Azure Functions registrations', () => {
  it('registers exactly the HTTP, queue and timer functions', () => {
    expect([...core.registrations.keys()].sort()).toEqual(['berth', 'gc', 'mirror', 'regenerate']);
    expect(core.programmingModel).not.toBeNull();
  });

  it('serves every method and path anonymously through one catch-all HTTP function', () => {
    const http = core.registrations.get('berth')!;
    const t = triggerOf(http);
    expect(t).toMatchObject({ type: 'httpTrigger', route: '{*path}', authLevel: 'anonymous' });
    expect([...(t['methods'] as string[])].sort()).toEqual(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT']);
    expect(httpMethods).toEqual(t['methods']);
    // the handler's return value is the HTTP response
    expect(http.bindings['$return']).toMatchObject({ type: 'http', direction: 'out' });
  });

  it('enables HTTP streaming (request and response bodies are not buffered)', () => {
    expect(core.logs.some((l) => /HTTP streaming enabled/.test(l.message))).toBe(true);
  });

  it('consumes the BERTH_QUEUE queue on the AzureWebJobsStorage connection', () => {
    const t = triggerOf(core.registrations.get('regenerate')!);
    expect(t).toMatchObject({ type: 'queueTrigger', queueName: '%BERTH_QUEUE%', connection: QUEUE_CONNECTION });
  });

  it('runs GC on an hourly six-field NCRONTAB schedule', () => {
    const t = triggerOf(core.registrations.get('gc')!);
    expect(t).toMatchObject({ type: 'timerTrigger', schedule: gcSchedule, runOnStartup: false, useMonitor: true });
    const fields = gcSchedule.split(' ');
    expect(fields).toHaveLength(6);
    // fixed second and minute, every hour, day, month and weekday
    expect(fields.slice(0, 2).every((f) => /^\d+$/.test(f))).toBe(true);
    expect(fields.slice(2)).toEqual(['*', '*', '*', '*']);
  });

  it('looks for due mirrors on a timer whose schedule is an app setting (default every 5 minutes)', () => {
    const t = triggerOf(core.registrations.get('mirror')!);
    // the test process sets no BERTH_MIRROR_SCHEDULE, so the registration took the default
    expect(process.env['BERTH_MIRROR_SCHEDULE']).toBeUndefined();
    expect(mirrorSchedule).toBe(DEFAULT_MIRROR_SCHEDULE);
    expect(t).toMatchObject({ type: 'timerTrigger', schedule: DEFAULT_MIRROR_SCHEDULE, runOnStartup: false, useMonitor: false });
    const fields = DEFAULT_MIRROR_SCHEDULE.split(' ');
    expect(fields).toHaveLength(6);
    expect(fields[1]).toBe('*/5');
    // not at the same second and minute as GC
    expect(fields.slice(0, 2)).not.toEqual(gcSchedule.split(' ').slice(0, 2));

    expect(mirrorScheduleFrom({ BERTH_MIRROR_SCHEDULE: ' 0 0 */6 * * * ' })).toBe('0 0 */6 * * *');
    expect(mirrorScheduleFrom({ BERTH_MIRROR_SCHEDULE: '' })).toBe(DEFAULT_MIRROR_SCHEDULE);
    // five-field cron and the TimeSpan form (App Service plans only) are refused, naming the setting
    for (const bad of ['*/5 * * * *', '00:05:00', '0 */5 * * * * *']) {
      expect(() => mirrorScheduleFrom({ BERTH_MIRROR_SCHEDULE: bad })).toThrow(/BERTH_MIRROR_SCHEDULE: expected a six-field NCRONTAB/);
    }
  });

  it('validates the app settings at start-up and names what is missing', async () => {
    const hooks = core.hooks.get('appStart') ?? [];
    expect(hooks).toHaveLength(1);
    for (const k of SETTINGS) delete process.env[k];
    let message = '';
    try {
      await hooks[0]!({});
    } catch (e) {
      message = String(e);
    }
    expect(requiredSettings()).toEqual(['BERTH_QUEUE']);
    for (const name of requiredSettings()) expect(message).toContain(name);
    delete process.env['AzureWebJobsStorage'];
    process.env['BERTH_STORAGE_ACCOUNT_URL'] = 'https://acct.blob.core.windows.net';
    process.env['BERTH_QUEUE'] = 'berth-events';
    message = '';
    try {
      await hooks[0]!({});
    } catch (e) {
      message = String(e);
    }
    for (const name of OPERATOR_ALTERNATIVES) expect(message).toContain(name);
    delete process.env['BERTH_STORAGE_ACCOUNT_URL'];

    process.env['AzureWebJobsStorage'] = 'UseDevelopmentStorage=true';
    process.env['BERTH_CONTAINER'] = 'berth';
    process.env['BERTH_QUEUE'] = 'berth-events';
    process.env['BERTH_ADMIN_TOKEN_SHA256'] = createHash('sha256').update('operator-secret').digest('hex');
    resetAzureRuntime();
    await expect(Promise.resolve(hooks[0]!({}))).resolves.toBeUndefined();
  });
});
