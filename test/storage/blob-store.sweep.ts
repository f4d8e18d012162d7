/**
 * Conformance for `sweepTemporary`, for drivers declared to have one (`sweeps: true`; the fs
 * store's temp files): residue
 * of interrupted writes older than the cutoff goes, younger residue — a write still in progress —
 * stays, and no blob is ever touched. The driver's test supplies `residue` (leave what a crash
 * would, last written at a given time) and `leftovers` (see it).
 */
import { describe, expect, it } from 'vitest';
import type { StoreRef, StoreUnderTest } from './blob-store.suite.js';
import { bytes, text } from './stream-probe.js';

const HOUR = 3600_000;

export function describeSweep(ref: StoreRef, sut: () => StoreUnderTest): void {
  describe('sweepTemporary', () => {
    it('removes residue older than the cutoff, keeps younger residue and every blob', async () => {
      const { residue, leftovers } = sut();
      const sweep = ref.store.sweepTemporary;
      if (!sweep || !residue || !leftovers) throw new Error('a driver declared to sweep needs sweepTemporary, and its test residue and leftovers');
      await ref.store.put('sweep/keep', bytes('blob'));
      const base = await leftovers(); // what a stored blob looks like to the driver's test
      const now = Date.now();
      await residue(new Date(now - 2 * HOUR));
      await residue(new Date(now - 3 * HOUR));
      await residue(new Date(now));
      expect(await sweep(new Date(now - HOUR))).toBe(2);
      expect(await leftovers()).toHaveLength(base.length + 1);
      expect(await sweep(new Date(now - HOUR))).toBe(0);
      expect(await sweep(new Date(now + HOUR))).toBe(1);
      expect(await leftovers()).toEqual(base);
      expect(await text((await ref.store.get('sweep/keep'))!.body)).toBe('blob');
      await ref.store.delete('sweep/keep');
    });

    it('never sweeps a write in progress when the cutoff leaves it its grace', async () => {
      const sweep = ref.store.sweepTemporary;
      if (!sweep) throw new Error('a driver declared to sweep needs sweepTemporary');
      let release: () => void = () => undefined;
      const held = new Promise<void>((r) => (release = r));
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        async pull(c) {
          if (sent === 1) await held;
          if (sent++ < 2) c.enqueue(new Uint8Array(64 * 1024).fill(3));
          else c.close();
        },
      }, { highWaterMark: 0 });
      const put = ref.store.put('sweep/slow', body);
      await new Promise((r) => setTimeout(r, 50));
      expect(await sweep(new Date(Date.now() - HOUR))).toBe(0);
      release();
      await put;
      expect((await ref.store.head('sweep/slow'))?.size).toBe(128 * 1024);
      await ref.store.delete('sweep/slow');
    });
  });
}
