/** Conformance: single-key behaviour (round trip, ETags, ranges, conditions, keys, copy). */
import { describe, expect, it } from 'vitest';
import type { StoreRef } from './blob-store.suite.js';
import { bytes, text } from './stream-probe.js';

const code = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (err) {
    return (err as { code?: string }).code ?? `uncoded: ${String(err)}`;
  }
  return 'resolved';
};

export function describeBasics(ref: StoreRef): void {
  describe('basics', () => {
    it('round-trips bytes, content type and metadata; missing keys are null', async () => {
      const s = ref.store;
      const before = Date.now();
      const { etag } = await s.put('a/b/c.json', bytes('{"x":1}'), { contentType: 'application/json', metadata: { revision: '7' } });
      expect(etag).toMatch(/^"[^"]+"$/);
      const head = await s.head('a/b/c.json');
      expect(head).toMatchObject({ key: 'a/b/c.json', size: 7, etag, contentType: 'application/json', metadata: { revision: '7' } });
      expect(head!.lastModified).toBeInstanceOf(Date);
      expect(head!.lastModified.getTime()).toBeGreaterThan(before - 5 * 60_000);
      const obj = await s.get('a/b/c.json');
      expect(obj).toMatchObject({ size: 7, etag, contentType: 'application/json' });
      expect(obj!.range).toBeUndefined();
      expect(await text(obj!.body)).toBe('{"x":1}');
      expect(await s.get('a/b/missing')).toBeNull();
      expect(await s.head('a/b')).toBeNull();
      expect(await s.delete('a/b/c.json')).toBe(true);
      expect(await s.get('a/b/c.json')).toBeNull();
      expect(await s.head('a/b/c.json')).toBeNull();
    });

    it('delete of a missing key is idempotent (false)', async () => {
      expect(await ref.store.delete('never/there')).toBe(false);
    });

    it('defaults the content type and stores empty blobs', async () => {
      const s = ref.store;
      await s.put('empty', new Uint8Array(0));
      const obj = await s.get('empty');
      expect(obj).toMatchObject({ size: 0, contentType: 'application/octet-stream', metadata: {} });
      expect(await text(obj!.body)).toBe('');
      await s.delete('empty');
    });

    it('gives every write a new ETag, even for identical bytes', async () => {
      const s = ref.store;
      const seen = new Set<string>();
      for (let i = 0; i < 3; i++) seen.add((await s.put('etag/k', bytes('same'))).etag);
      expect(seen.size).toBe(3);
      const last = [...seen].at(-1);
      expect((await s.head('etag/k'))!.etag).toBe(last);
      await s.delete('etag/k');
    });

    it('lets a key and a deeper key coexist', async () => {
      const s = ref.store;
      await s.put('nest', bytes('outer'));
      await s.put('nest/inner', bytes('inner'));
      expect(await text((await s.get('nest'))!.body)).toBe('outer');
      expect(await text((await s.get('nest/inner'))!.body)).toBe('inner');
      await s.delete('nest');
      expect(await text((await s.get('nest/inner'))!.body)).toBe('inner');
      await s.delete('nest/inner');
    });

    it('serves ranges: start-only, start+length, clamped, and rejects past the end', async () => {
      const s = ref.store;
      await s.put('range/k', bytes('0123456789'));
      const tail = await s.get('range/k', { range: { offset: 7 } });
      expect(tail).toMatchObject({ size: 10, range: { offset: 7, length: 3 } });
      expect(await text(tail!.body)).toBe('789');
      const mid = await s.get('range/k', { range: { offset: 2, length: 4 } });
      expect(mid).toMatchObject({ size: 10, range: { offset: 2, length: 4 } });
      expect(await text(mid!.body)).toBe('2345');
      const clamped = await s.get('range/k', { range: { offset: 8, length: 100 } });
      expect(clamped!.range).toEqual({ offset: 8, length: 2 });
      expect(await text(clamped!.body)).toBe('89');
      const first = await s.get('range/k', { range: { offset: 0, length: 1 } });
      expect(await text(first!.body)).toBe('0');
      const err = await s.get('range/k', { range: { offset: 10 } }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'range_not_satisfiable', size: 10 });
      expect(await code(s.get('range/k', { range: { offset: 11, length: 2 } }))).toBe('range_not_satisfiable');
      expect(await code(s.get('range/k', { range: { offset: -1 } }))).toBe('invalid_storage_argument');
      expect(await code(s.get('range/k', { range: { offset: 0, length: 0 } }))).toBe('invalid_storage_argument');
      expect(await s.get('range/missing', { range: { offset: 3 } })).toBeNull();
      await s.put('range/empty', new Uint8Array(0));
      expect(await code(s.get('range/empty', { range: { offset: 0 } }))).toBe('range_not_satisfiable');
      await s.delete('range/k');
      await s.delete('range/empty');
    });

    it('create-only (ifNoneMatch *) writes once and then conflicts', async () => {
      const s = ref.store;
      const { etag } = await s.put('once/k', bytes('first'), { ifNoneMatch: '*' });
      expect(await code(s.put('once/k', bytes('second'), { ifNoneMatch: '*' }))).toBe('precondition_failed');
      const obj = await s.get('once/k');
      expect(obj!.etag).toBe(etag);
      expect(await text(obj!.body)).toBe('first');
      await s.delete('once/k');
    });

    it('ifMatch swaps on the current ETag (quoted or bare) and fails when stale or missing', async () => {
      const s = ref.store;
      const v1 = await s.put('cas/k', bytes('v1'));
      const v2 = await s.put('cas/k', bytes('v2'), { ifMatch: v1.etag });
      expect(v2.etag).not.toBe(v1.etag);
      expect(await code(s.put('cas/k', bytes('stale'), { ifMatch: v1.etag }))).toBe('precondition_failed');
      expect(await code(s.put('cas/k', bytes('weak'), { ifMatch: `W/${v2.etag}` }))).toBe('precondition_failed');
      expect(await text((await s.get('cas/k'))!.body)).toBe('v2');
      const v3 = await s.put('cas/k', bytes('v3'), { ifMatch: v2.etag.slice(1, -1) });
      expect(await text((await s.get('cas/k'))!.body)).toBe('v3');
      expect(await code(s.put('cas/missing', bytes('x'), { ifMatch: v3.etag }))).toBe('precondition_failed');
      expect(await s.head('cas/missing')).toBeNull();
      expect(await code(s.put('cas/k', bytes('x'), { ifMatch: v3.etag, ifNoneMatch: '*' }))).toBe('invalid_storage_argument');
      await s.delete('cas/k');
    });

    it('conditional delete honours ifMatch', async () => {
      const s = ref.store;
      const v1 = await s.put('del/k', bytes('v1'));
      const v2 = await s.put('del/k', bytes('v2'));
      expect(await code(s.delete('del/k', { ifMatch: v1.etag }))).toBe('precondition_failed');
      expect(await s.head('del/k')).not.toBeNull();
      expect(await s.delete('del/k', { ifMatch: v2.etag })).toBe(true);
      expect(await code(s.delete('del/k', { ifMatch: v2.etag }))).toBe('precondition_failed');
    });

    it('rejects invalid keys before any I/O', async () => {
      const s = ref.store;
      const bad = ['', '/a', 'a/', 'a//b', '..', '../a', 'a/../b', 'a/./b', 'a..b', 'A', 'a b', 'a\\b', 'é',
        '.hidden', 'a/.tmp-x', '-a', 'a/_b', 'a@blob', 'a%2fb', 'a?b', 'a\u0000b',
        'x'.repeat(201), `${'abcdefghij/'.repeat(93)}abc`];
      for (const key of bad) {
        expect(await code(s.put(key, bytes('x'))), key).toBe('invalid_key');
        expect(await code(s.get(key)), key).toBe('invalid_key');
        expect(await code(s.head(key)), key).toBe('invalid_key');
        expect(await code(s.delete(key)), key).toBe('invalid_key');
      }
      expect(await code(s.list('/a'))).toBe('invalid_key');
      expect(await code(s.list('a//'))).toBe('invalid_key');
      expect(await code(s.put('ok', bytes('x'), { metadata: { 'Bad-Name': 'x' } }))).toBe('invalid_storage_argument');
      expect(await code(s.put('ok', bytes('x'), { contentType: 'text/plain\r\nX: y' }))).toBe('invalid_storage_argument');
      expect((await s.list('')).items).toEqual([]);
      const longest = `${'abcdefghi/'.repeat(102)}abc`;
      expect(longest.length).toBe(1023);
      await s.put(longest, bytes('fits'));
      expect(await text((await s.get(longest))!.body)).toBe('fits');
      await s.delete(longest);
    });

    it('getBytes (where the store has it) gives the bytes and ranges get gives, in one exact buffer', async () => {
      const s = ref.store;
      if (!s.getBytes) return;
      await s.put('bytes/k', bytes('0123456789'));
      const dec = (b: Uint8Array | null): string | null => (b === null ? null : new TextDecoder().decode(b));
      expect(dec(await s.getBytes('bytes/k'))).toBe('0123456789');
      expect(dec(await s.getBytes('bytes/k', { range: { offset: 7 } }))).toBe('789');
      const mid = await s.getBytes('bytes/k', { range: { offset: 2, length: 4 } });
      expect(dec(mid)).toBe('2345');
      expect(mid!.byteLength).toBe(4);
      expect(mid!.buffer.byteLength).toBe(4);
      expect(dec(await s.getBytes('bytes/k', { range: { offset: 8, length: 100 } }))).toBe('89');
      expect(await s.getBytes('bytes/missing')).toBeNull();
      expect(await code(s.getBytes('bytes/k', { range: { offset: 10 } }))).toBe('range_not_satisfiable');
      expect(await code(s.getBytes('/bad'))).toBe('invalid_key');
      await s.put('bytes/empty', new Uint8Array(0));
      expect((await s.getBytes('bytes/empty'))!.length).toBe(0);
      await s.delete('bytes/k');
      await s.delete('bytes/empty');
    });

    it('a scratch put is an ordinary write in every other respect (readable at once, conditions hold)', async () => {
      const s = ref.store;
      await s.put('scratch/k', bytes('staged'), { scratch: true, contentType: 'application/x-rpm', metadata: { n: '1' } });
      const obj = await s.get('scratch/k');
      expect(obj).toMatchObject({ contentType: 'application/x-rpm', metadata: { n: '1' }, size: 6 });
      expect(await text(obj!.body)).toBe('staged');
      expect(await code(s.put('scratch/k', bytes('again'), { scratch: true, ifNoneMatch: '*' }))).toBe('precondition_failed');
      await s.delete('scratch/k');
    });

    it('getBytes reads into a lent buffer when the bytes fit, and into a new one when not', async () => {
      const s = ref.store;
      if (!s.getBytes) return;
      await s.put('bytes/lend', bytes('0123456789'));
      const dec = (b: Uint8Array | null): string | null => (b === null ? null : new TextDecoder().decode(b));
      const lent = new Uint8Array(4096).fill(0x2a); // room for a driver's framing too
      const whole = await s.getBytes('bytes/lend', { into: lent });
      expect(dec(whole)).toBe('0123456789');
      expect(whole!.buffer).toBe(lent.buffer);
      const mid = await s.getBytes('bytes/lend', { range: { offset: 3, length: 4 }, into: lent });
      expect(dec(mid)).toBe('3456');
      expect(mid!.buffer).toBe(lent.buffer);
      // too small: the lent buffer is left alone
      const small = new Uint8Array(4).fill(0x2a);
      const other = await s.getBytes('bytes/lend', { into: small });
      expect(dec(other)).toBe('0123456789');
      expect(other!.buffer).not.toBe(small.buffer);
      expect([...small]).toEqual([0x2a, 0x2a, 0x2a, 0x2a]);
      expect(await s.getBytes('bytes/missing', { into: lent })).toBeNull();
      await s.delete('bytes/lend');
    });

    it('copies with content type and metadata when the store supports copy', async () => {
      const s = ref.store;
      if (!s.copy) return;
      const src = await s.put('copy/src', bytes('payload'), { contentType: 'application/x-rpm', metadata: { sha: 'ab' } });
      const dst = await s.copy('copy/src', 'copy/dst', { ifNoneMatch: '*' });
      expect(dst.etag).not.toBe(src.etag);
      const obj = await s.get('copy/dst');
      expect(obj).toMatchObject({ etag: dst.etag, contentType: 'application/x-rpm', metadata: { sha: 'ab' }, size: 7 });
      expect(await text(obj!.body)).toBe('payload');
      expect(await code(s.copy('copy/src', 'copy/dst', { ifNoneMatch: '*' }))).toBe('precondition_failed');
      expect(await code(s.copy('copy/nothing', 'copy/dst2'))).toBe('blob_not_found');
      expect(await s.head('copy/dst2')).toBeNull();
      await s.delete('copy/src');
      await s.delete('copy/dst');
    });
  });
}
