// Unit tests of the Azure adapter pieces: settings, request/response conversion, the per-repo
// queue consumer and the queue message encoding.
import { createHash } from 'node:crypto';
import { HttpRequest, HttpResponse, type HttpRequestInit } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadAzureConfig, queueUrlFor, requiredSettings } from '../../src/adapters/azure/config.js';
import { toResponseInit, toWebRequest } from '../../src/adapters/azure/handler.js';
import { parseRepoChanged, RegenerationConsumer } from '../../src/adapters/azure/regenerate-consumer.js';
import { encodeMessage } from '../../src/adapters/azure/queue-sink.js';

const HASH = createHash('sha256').update('operator').digest('hex');
const BASE = { BERTH_CONTAINER: 'berth', BERTH_QUEUE: 'berth-events', BERTH_ADMIN_TOKEN_SHA256: HASH };

describe('Azure app settings', () => {
  it('requires the queue and the operator credential; names each missing one', () => {
    expect(requiredSettings()).toEqual(['BERTH_QUEUE']);
    expect(() => loadAzureConfig({ AzureWebJobsStorage: 'UseDevelopmentStorage=true', BERTH_ADMIN_TOKEN_SHA256: HASH }))
      .toThrow(/BERTH_QUEUE: missing setting/);
    expect(() => loadAzureConfig({ AzureWebJobsStorage: 'UseDevelopmentStorage=true', BERTH_QUEUE: 'q-1' }))
      .toThrow(/BERTH_ADMIN_TOKEN or BERTH_ADMIN_TOKEN_SHA256: missing app setting/);
    // The container has the same default as berth serve's.
    expect(loadAzureConfig({ AzureWebJobsStorage: 'x', BERTH_QUEUE: 'q-1', BERTH_ADMIN_TOKEN_SHA256: HASH }).container).toBe('berth');
  });

  it('needs exactly one way to storage, and never echoes the connection string', () => {
    expect(() => loadAzureConfig(BASE)).toThrow(/AzureWebJobsStorage or BERTH_STORAGE_ACCOUNT_URL \(found neither\)/);
    expect(() => loadAzureConfig({ ...BASE, AzureWebJobsStorage: 'x', BERTH_STORAGE_ACCOUNT_URL: 'https://a.blob.core.windows.net' }))
      .toThrow(/found both/);
    let msg = '';
    try {
      loadAzureConfig({ ...BASE, AzureWebJobsStorage: 'AccountKey=very-secret', BERTH_QUEUE: 'Bad_Name' });
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      msg = String(e);
    }
    expect(msg).toMatch(/BERTH_QUEUE: a queue name: 3-63 lowercase/);
    expect(msg).not.toContain('very-secret');
  });

  it('takes the operator token as plaintext (hashed at once) or as its SHA-256, never a token where the hash belongs', () => {
    expect(loadAzureConfig({ ...BASE, AzureWebJobsStorage: 'x', BERTH_ADMIN_TOKEN_SHA256: undefined, BERTH_ADMIN_TOKEN: 'operator-token-long' }).operatorTokenHash)
      .toBe(createHash('sha256').update('operator-token-long').digest('hex'));
    expect(() => loadAzureConfig({ ...BASE, AzureWebJobsStorage: 'x', BERTH_ADMIN_TOKEN_SHA256: 'berth_op_plaintext-token' }))
      .toThrow(/BERTH_ADMIN_TOKEN_SHA256: must be the 64-hex-digit SHA-256/);
  });

  it('managed identity: queue endpoint derived from the blob endpoint, or given', () => {
    const c = loadAzureConfig({ ...BASE, BERTH_STORAGE_ACCOUNT_URL: 'https://acct.blob.core.windows.net/', BERTH_MAX_UPLOAD_BYTES: '50M', BERTH_RETENTION: '2d' });
    expect(c.storage).toEqual({ kind: 'managed-identity', blobServiceUrl: 'https://acct.blob.core.windows.net', queueServiceUrl: 'https://acct.queue.core.windows.net' });
    expect(c).toMatchObject({ maxUploadBytes: 50 * 1024 * 1024, retentionSeconds: 2 * 86400, operatorTokenHash: HASH, publicUrl: null });
    expect(queueUrlFor('https://acct.blob.core.chinacloudapi.cn')).toBe('https://acct.queue.core.chinacloudapi.cn');
    expect(() => loadAzureConfig({ ...BASE, BERTH_STORAGE_ACCOUNT_URL: 'http://127.0.0.1:10000/devstoreaccount1' })).toThrow(/BERTH_QUEUE_SERVICE_URL/);
    expect(loadAzureConfig({ ...BASE, BERTH_STORAGE_ACCOUNT_URL: 'http://127.0.0.1:10000/a', BERTH_QUEUE_SERVICE_URL: 'http://127.0.0.1:10001/a' }).storage)
      .toMatchObject({ queueServiceUrl: 'http://127.0.0.1:10001/a' });
  });
});

describe('HTTP conversion', () => {
  it('keeps a streamed request body, method, URL and every header value', async () => {
    const chunks = ['rpm-', 'bytes'];
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        const next = chunks.shift();
        if (next === undefined) c.close();
        else c.enqueue(new TextEncoder().encode(next));
      },
    });
    const headers = new Headers([['Authorization', 'Bearer t'], ['X-Multi', 'a'], ['X-Multi', 'b']]);
    const nativeRequest = new Request('https://fn.example/api/v1/repos/a/b/packages?x=1', { method: 'PUT', headers, body, duplex: 'half' } as RequestInit);
    const web = toWebRequest(new HttpRequest({ url: nativeRequest.url, method: 'PUT', nativeRequest } as HttpRequestInit));
    expect(web.method).toBe('PUT');
    expect(web.url).toBe('https://fn.example/api/v1/repos/a/b/packages?x=1');
    expect(web.headers.get('x-multi')).toBe('a, b');
    expect(web.headers.get('authorization')).toBe('Bearer t');
    expect(await web.text()).toBe('rpm-bytes');
    const get = toWebRequest(new HttpRequest({ url: 'https://fn.example/healthz', method: 'GET' }));
    expect(get.body).toBeNull();
  });

  it('hands the response stream and headers over untouched (cookie case, repeated headers)', async () => {
    const stream = new ReadableStream<Uint8Array>({ start: (c) => { c.enqueue(new Uint8Array([1, 2, 3])); c.close(); } });
    const headers = new Headers();
    headers.append('Set-Cookie', 'SessionID=A; Path=/');
    headers.append('Set-Cookie', 'CamelCase=B');
    headers.set('Content-Range', 'bytes 0-2/10');
    const res = new Response(stream, { status: 206, headers });
    const init = toResponseInit(res);
    expect(init.body).toBe(res.body);
    const out = new HttpResponse(init);
    expect(out.status).toBe(206);
    expect(out.headers.getSetCookie()).toEqual(['SessionID=A; Path=/', 'CamelCase=B']);
    expect(out.headers.get('content-range')).toBe('bytes 0-2/10');
    expect([...new Uint8Array(await out.arrayBuffer())]).toEqual([1, 2, 3]);
    expect(toResponseInit(new Response(null, { status: 304 })).body).toBeUndefined();
  });
});

describe('queue messages and the per-repo consumer', () => {
  it('encodes RepoChanged as base64 JSON and parses it back (object or string)', () => {
    const text = Buffer.from(encodeMessage({ tenant: 'acme', repo: 'main', revision: 7 }), 'base64').toString('utf8');
    expect(parseRepoChanged(JSON.parse(text))).toEqual({ tenant: 'acme', repo: 'main', revision: 7 });
    expect(parseRepoChanged(text)).toEqual({ tenant: 'acme', repo: 'main', revision: 7 });
    expect(() => parseRepoChanged({ tenant: '../x', repo: 'main', revision: 1 })).toThrow(/RepoChanged/);
  });

  it('runs one regeneration per repo at a time; a burst costs at most two runs and every message waits for a run that started after it', async () => {
    const runs: string[] = [];
    let release: () => void = () => undefined;
    const consumer = new RegenerationConsumer(async (t, r) => {
      runs.push(`${t}/${r}`);
      if (runs.length === 1) await new Promise<void>((res) => (release = res));
    });
    const first = consumer.handle({ tenant: 'a', repo: 'm', revision: 1 });
    const burst = Array.from({ length: 8 }, (_, i) => consumer.handle({ tenant: 'a', repo: 'm', revision: i + 2 }));
    const other = consumer.handle({ tenant: 'a', repo: 'other', revision: 1 });
    await other;
    let burstDone = false;
    void Promise.all(burst).then(() => (burstDone = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(burstDone).toBe(false); // the first run is still going: the burst must wait for the next one
    release();
    await Promise.all([first, ...burst]);
    expect(runs).toEqual(['a/m', 'a/other', 'a/m']);
  });

  it('a failed run rejects its messages (so the host retries them) without blocking later ones', async () => {
    let fail = true;
    const consumer = new RegenerationConsumer(async () => {
      if (fail) throw new Error('storage down');
    });
    await expect(consumer.handle({ tenant: 'a', repo: 'm', revision: 1 })).rejects.toThrow('storage down');
    fail = false;
    await expect(consumer.handle({ tenant: 'a', repo: 'm', revision: 2 })).resolves.toBeUndefined();
  });
});
