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
