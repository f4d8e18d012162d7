// The Node JSON logger: one parseable line per call, Errors reduced to name/message/code,
// undefined fields dropped; coalesced stderr writes each turn's lines once, in order.
import { describe, expect, it, vi } from 'vitest';
import { coalescedStderr, jsonLogger } from '../../../src/adapters/node/logger.js';

describe('jsonLogger', () => {
  it('writes one JSON line per call with time, level, msg and the fields', () => {
    const lines: string[] = [];
    const log = jsonLogger((l) => lines.push(l));
    const err = Object.assign(new Error('boom'), { code: 'E_X' });
    log.info('request', { requestId: 'r1', status: 200, skipped: undefined });
    log.error('failed', { error: err });
    expect(lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n'))).toBe(true);
    const [a, b] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(Object.keys(a!)).toEqual(['time', 'level', 'msg', 'requestId', 'status']);
    expect(a).toMatchObject({ level: 'info', msg: 'request', requestId: 'r1', status: 200 });
    expect(Date.parse(a!['time'] as string)).not.toBeNaN();
    expect(b).toMatchObject({ level: 'error', msg: 'failed', error: { name: 'Error', message: 'boom', code: 'E_X' } });
  });

  it('access writes the same text as info/error with the access fields (quoting, no requestId, levels)', () => {
    const lines: string[] = [];
    const log = jsonLogger((l) => lines.push(l));
    const cases = [
      { requestId: 'r1', method: 'GET', path: '/t/r/repodata/repomd.xml', status: 200, ms: 0.3, principal: 'token:abc' },
      { requestId: undefined, method: 'HEAD', path: '/t/r/a "b"\\c\u0001\ud800é', status: 404, ms: 12, principal: 'anonymous' },
      { requestId: 'x', method: 'GET', path: '/t/r/x', status: 503, ms: 1.5, principal: 'unauthenticated' },
    ];
    for (const c of cases) {
      const level = c.status >= 500 ? 'error' : 'info';
      log.access!(level, c);
      log[level]('request', { ...c });
      const [fast, generic] = lines.splice(0, 2);
      // same millisecond almost always; compare without the timestamp, then it in shape
      const strip = (l: string | undefined): string => (l ?? '').replace(/"time":"[^"]*"/, '');
      expect(strip(fast)).toBe(strip(generic));
      expect(JSON.parse(fast!)).toMatchObject({ level, msg: 'request', path: c.path, status: c.status });
    }
  });

  it('coalesced stderr: lines of one turn go out in one write, in order; a full buffer goes at once', async () => {
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const write = coalescedStderr(20);
      write('one\n');
      write('two\n');
      expect(spy).not.toHaveBeenCalled();
      await new Promise((r) => setImmediate(r));
      expect(spy.mock.calls.map((c) => c[0])).toEqual(['one\ntwo\n']);
      write('a line longer than twenty bytes\n');
      expect(spy).toHaveBeenCalledTimes(2);
      await new Promise((r) => setImmediate(r));
      expect(spy).toHaveBeenCalledTimes(2);
    } finally {
      spy.mockRestore();
    }
  });
});
