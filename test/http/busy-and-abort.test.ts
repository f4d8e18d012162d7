// Two outcomes of publishing that are nobody's fault on the server: contention (503 `busy`, which
// must say how long to wait) and a client that goes away mid-upload (a quiet 499, nothing stored).
import { describe, expect, it } from 'vitest';
import { toProblem, BUSY_RETRY_AFTER_SECONDS } from '../../src/http/errors.js';
import { Refusal } from '../../src/repo/errors.js';
import { IndexContentionError } from '../../src/repo/index-store.js';
import type { BlobStore } from '../../src/storage/blob-store.js';
import { makeWorld, snapshot, syntheticRpm } from '../repo/support.js';
import { appFor, bearer } from './serving-app.js';

const URL_ = 'http://x/api/v1/repos/acme/main/packages';

/** The store, except that every write of a repo index fails as a CAS that kept losing. */
function contended(store: BlobStore): BlobStore {
  return {
    get: (k, o) => store.get(k, o),
    head: (k) => store.head(k),
    put: (k, b, o) => (k.endsWith('/index.json') ? Promise.reject(new IndexContentionError(k, 64)) : store.put(k, b, o)),
    delete: (k, o) => store.delete(k, o),
    list: (p, o) => store.list(p, o),
  };
}

describe('503 busy carries Retry-After', () => {
  it('maps index and audit contention, and busy/rate-limited refusals, to a problem with Retry-After', () => {
    const index = toProblem(new IndexContentionError('t/acme/r/main/index.json', 64));
    expect(index).toMatchObject({ status: 503, code: 'busy', headers: { 'retry-after': String(BUSY_RETRY_AFTER_SECONDS) } });
    expect(index?.detail).toContain(`${BUSY_RETRY_AFTER_SECONDS} s`);
    expect(index?.detail).not.toContain('index.json'); // no storage layout in answers
    expect(toProblem(new Refusal('busy', 'busy', 'x'))?.headers).toEqual({ 'retry-after': String(BUSY_RETRY_AFTER_SECONDS) });
    expect(toProblem(new Refusal('rate_limited', 'slow_down', 'x', {}, 30))).toMatchObject({ status: 429, headers: { 'retry-after': '30' } });
    expect(toProblem(new Refusal('conflict', 'nevra_conflict', 'x'))?.headers).toEqual({});
  });

  it('a publish that loses the index race answers 503 busy with Retry-After, and leaves no upload behind', async () => {
    const w = await makeWorld([{ name: 'main', allowUnsigned: true }]);
    const raw = w.store;
    w.deps = { ...w.deps, store: contended(raw) };
    const app = await appFor(w);
    const res = await app.request(URL_, { method: 'PUT', body: syntheticRpm('busy'), headers: bearer() });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe(String(BUSY_RETRY_AFTER_SECONDS));
    expect(await res.json()).toMatchObject({ code: 'busy' });
    expect((await snapshot(raw)).filter((k) => k.startsWith('uploads/'))).toEqual([]);
  });
});

describe('a client that disconnects mid-upload', () => {
  it('gets 499 client_closed_request: nothing stored, no error logged', async () => {
    const w = await makeWorld([{ name: 'main', allowUnsigned: true }]);
    const app = await appFor(w);
    const before = await snapshot(w.store);
    let sent = 0;
    // What the Node server hands the app when the socket closes mid-body: a body stream that errors.
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent >= 3) {
          c.error(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
          return;
        }
        sent++;
        c.enqueue(new Uint8Array(4096));
      },
    }, { highWaterMark: 0 });
    const res = await app.request(URL_, { method: 'PUT', body, headers: { ...bearer(), 'content-length': '100000' }, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(499);
    expect(await res.json()).toMatchObject({ code: 'client_closed_request' });
    expect(await snapshot(w.store)).toEqual(before);
    expect(w.logger.lines.filter((l) => l.level !== 'info')).toEqual([]);
  });
});
