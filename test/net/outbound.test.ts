// The outbound client through the Node transport against a hostile upstream on 127.0.0.1: the
// policy on every redirect hop and at connect time (a name that resolves to a refused address
// never gets a connection), bounded bodies, idle and total timeouts. Every bound is asserted by
// counters — bytes the client read, bytes and requests the servers saw — not by elapsed time.
import { createHash } from 'node:crypto';
import type { LookupAddress } from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeTransport } from '../../src/adapters/node/egress.js';
import { parseEgressAllow } from '../../src/net/egress-policy.js';
import { DEFAULT_OUTBOUND_LIMITS, type OutboundLimits } from '../../src/net/limits.js';
import { readAll } from '../../src/net/bounded-body.js';
import { createOutbound, type Outbound } from '../../src/net/outbound.js';
import { startHostile, until, type Hostile } from './hostile-upstream.js';
import { failure } from '../helpers/failure.js';

const SECRET = `internal-secret-${process.pid}`;

/** Test names resolve here; everything else fails to resolve. */
const names: Record<string, string[]> = {};
const fakeResolve = (hostname: string, cb: (err: Error | null, a: LookupAddress[]) => void): void => {
  const a = names[hostname];
  if (!a) cb(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
  else cb(null, a.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
};

function client(allow: string[], limits: Partial<OutboundLimits> = {}): Outbound {
  const l = { ...DEFAULT_OUTBOUND_LIMITS, ...limits };
  const policy = parseEgressAllow(allow);
  return createOutbound({ transport: nodeTransport(policy, l, fakeResolve), policy, limits: l });
}

describe('outbound HTTP (Node transport)', () => {
  let up: Hostile;
  /** A loopback-only service with something worth stealing, on another loopback address. */
  let internal: Hostile;

  beforeAll(async () => {
    up = await startHostile('127.0.0.1');
    internal = await startHostile('127.0.0.2');
    internal.set('/secret', { kind: 'body', body: SECRET });
    const port = new URL(internal.url).port;
    names['internal.test'] = ['127.0.0.2'];
    names['up.test'] = ['127.0.0.1'];
    names['mixed.test'] = ['93.184.216.34', '127.0.0.2'];
    up.set('/ok', { kind: 'body', body: 'hello' });
    up.set('/to-internal-ip', { kind: 'redirect', location: `http://127.0.0.2:${port}/secret` });
    up.set('/to-internal-name', { kind: 'redirect', location: `http://internal.test:${port}/secret` });
    up.set('/to-metadata', { kind: 'redirect', location: 'http://169.254.169.254/latest/meta-data/iam/' });
    up.set('/to-mapped', { kind: 'redirect', location: `http://[::ffff:127.0.0.2]:${port}/secret` });
    up.set('/to-file', { kind: 'redirect', location: 'file:///etc/passwd' });
    up.set('/to-ok', { kind: 'redirect', location: '/ok', status: 301 });
    up.set('/loop', { kind: 'redirect', location: '/loop' });
    up.set('/huge', { kind: 'endless', chunk: Buffer.alloc(64 * 1024, 0x41) });
    up.set('/drip', { kind: 'drip', body: 'x', everyMs: 1000 });
    up.set('/fast-drip', { kind: 'drip', body: 'y', everyMs: 20 });
    up.set('/stall', { kind: 'stall' });
  });
  afterAll(async () => {
    await up?.close();
    await internal?.close();
  });

  it('follows redirects within the policy, and answers the final URL', async () => {
    const res = await client(['127.0.0.1']).get(`${up.url}/to-ok`, { maxBytes: 100 });
    expect(res.status).toBe(200);
    expect(res.url).toBe(`${up.url}/ok`);
    expect(new TextDecoder().decode(await readAll(res.body))).toBe('hello');
  });

  it('refuses loopback by default: nothing is requested', async () => {
    const before = up.stats('/ok').requests;
    const e = await failure(client([]).get(`${up.url}/ok`, { maxBytes: 100 }));
    expect(e.code).toBe('egress_refused');
    expect(e.message).toMatch(/127\.0\.0\.1 is loopback/);
    expect(up.stats('/ok').requests).toBe(before);
  });

  it.each([
    ['/to-internal-ip', /127\.0\.0\.2 is loopback/],
    ['/to-internal-name', /internal\.test.*resolves to 127\.0\.0\.2/],
    ['/to-mapped', /127\.0\.0\.2 is loopback/],
    ['/to-metadata', /metadata service/],
    ['/to-file', /only http and https/],
  ])('a redirect hop %s is checked like the first URL: refused, the internal service never sees a request', async (path, why) => {
    const e = await failure(client(['127.0.0.1']).get(`${up.url}${path}`, { maxBytes: 1024 }));
    expect(e.code).toBe('egress_refused');
    expect(e.message).toMatch(why);
    expect(e.message).not.toContain(SECRET);
    expect(internal.stats('/secret').requests).toBe(0);
  });

  it('checks the addresses at connect time: a name with one refused address is refused, an allowed name connects to what was checked', async () => {
    const port = new URL(up.url).port;
    const e = await failure(client([]).get(`http://mixed.test:${port}/ok`, { maxBytes: 100 }));
    expect(e).toMatchObject({ code: 'egress_refused' });
    expect(e.message).toMatch(/127\.0\.0\.2.*loopback/);
    // allowing the range lets the same lookup through: the socket goes to the checked address
    const before = up.stats('/ok').requests;
    const res = await client(['127.0.0.0/8']).get(`http://up.test:${port}/ok`, { maxBytes: 100 });
    expect(new TextDecoder().decode(await readAll(res.body))).toBe('hello');
    expect(up.stats('/ok').requests).toBe(before + 1);
  });

  it('bounds the redirect count', async () => {
    const e = await failure(client(['127.0.0.1'], { maxRedirects: 3 }).get(`${up.url}/loop`, { maxBytes: 100 }));
    expect(e.code).toBe('upstream_redirects');
    expect(up.log.filter((l) => l === 'GET /loop').length).toBeLessThanOrEqual(4);
  });

  it('a body past its limit: reading stops at the limit and the connection is dropped', async () => {
    let read = 0;
    const res = await client(['127.0.0.1']).get(`${up.url}/huge`, { maxBytes: 1024 * 1024, onBytes: (n) => (read += n) });
    const e = await failure(readAll(res.body));
    expect(e.code).toBe('upstream_too_large');
    // at most one chunk read beyond the limit
    expect(read).toBeGreaterThan(1024 * 1024);
    expect(read).toBeLessThanOrEqual(1024 * 1024 + 256 * 1024);
    await until('the server to see the drop', () => up.stats('/huge').open === 0);
    expect(up.stats('/huge').dropped).toBe(1);
  });

  it('a slow drip hits the idle timeout after at most a byte', async () => {
    let read = 0;
    const res = await client(['127.0.0.1'], { idleTimeoutMs: 300 }).get(`${up.url}/drip`, { maxBytes: 1024, onBytes: (n) => (read += n) });
    const e = await failure(readAll(res.body));
    expect(e.code).toBe('upstream_timeout');
    expect(e.message).toMatch(/no data for 300 ms/);
    expect(read).toBeLessThanOrEqual(1);
    await until('the drop', () => up.stats('/drip').open === 0);
    expect(up.stats('/drip').bytesSent).toBeLessThanOrEqual(2);
  });

  it('a drip fast enough for the idle timeout still ends at the total timeout', async () => {
    let read = 0;
    const res = await client(['127.0.0.1'], { idleTimeoutMs: 5000, totalTimeoutMs: 1000 }).get(`${up.url}/fast-drip`, { maxBytes: 1024 * 1024, onBytes: (n) => (read += n) });
    const e = await failure(readAll(res.body));
    expect(e.code).toBe('upstream_timeout');
    expect(e.message).toMatch(/not finished within 1000 ms/);
    // one byte per 20 ms for about a second: far below what an unbounded read would take
    expect(read).toBeLessThan(200);
    await until('the drop', () => up.stats('/fast-drip').open === 0);
  });

  it('headers then silence hits the idle timeout', async () => {
    const res = await client(['127.0.0.1'], { idleTimeoutMs: 300 }).get(`${up.url}/stall`, { maxBytes: 1024 });
    expect((await failure(readAll(res.body))).code).toBe('upstream_timeout');
  });

  it('the caller aborting ends the request at once', async () => {
    const ctl = new AbortController();
    const res = await client(['127.0.0.1'], { idleTimeoutMs: 60_000 }).get(`${up.url}/stall`, { maxBytes: 1024, signal: ctl.signal });
    const pending = readAll(res.body);
    ctl.abort(new Error('shutting down'));
    expect((await failure(pending)).message).toMatch(/shutting down/);
  });

  it('credentials stay with their origin across redirects', async () => {
    const other = await startHostile('127.0.0.1');
    try {
      other.set('/landing', { kind: 'body', body: 'x' });
      up.set('/cross', { kind: 'redirect', location: `${other.url}/landing` });
      const res = await client(['127.0.0.1']).get(`${up.url}/cross`, { maxBytes: 100, headers: { authorization: 'Basic c2VjcmV0' } });
      await readAll(res.body);
      expect(up.auth.get('/cross')?.at(-1)).toBe('Basic c2VjcmV0');
      expect(other.auth.get('/landing')?.at(-1)).toBeUndefined();
    } finally {
      await other.close();
    }
  });

  it('errors never carry the body or a digest of it', async () => {
    const allowedInternal = client(['127.0.0.0/8']);
    const res = await allowedInternal.get(`${internal.url}/secret`, { maxBytes: 4 });
    const e = await failure(readAll(res.body));
    const digest = createHash('sha256').update(SECRET).digest('hex');
    expect(e.message).not.toContain(SECRET.slice(0, 4));
    expect(e.message).not.toContain(digest);
  });
});
