/**
 * Group commit for callers in one process: items submitted while a batch is being written wait
 * and then go in together, as the next batch. The batch is written by one of its own callers —
 * the first in line — in that caller's own async context, and every result is settled before
 * that caller returns. No caller ever does I/O on another's behalf after it has its own answer,
 * which matters in a Worker isolate: there, I/O begun for one request and still pending when that
 * request ends is cancelled, and whoever waited for it would hang.
 */
interface Waiter<T, R> {
  item: T;
  /** Resolves when the waiter's turn comes: to lead the next batch, or because its result is in. */
  turn: Promise<'lead' | 'done'>;
  wake: (role: 'lead' | 'done') => void;
  result?: { ok: true; value: R } | { ok: false; error: unknown };
}

export class GroupQueue<T, R> {
  readonly #waiting: Waiter<T, R>[] = [];
  #busy = false;

  constructor(
    /** Writes a batch; one result per item, in order. */
    private readonly run: (items: T[]) => Promise<R[]>,
    private readonly max: number,
  ) {}

  /** Items waiting for a batch (for tests and diagnostics). */
  get waiting(): number {
    return this.#waiting.length;
  }

  async submit(item: T): Promise<R> {
    let wake!: (role: 'lead' | 'done') => void;
    const turn = new Promise<'lead' | 'done'>((r) => (wake = r));
    const me: Waiter<T, R> = { item, turn, wake };
    this.#waiting.push(me);
    if (this.#busy) await me.turn;
    else this.#busy = true;
    if (!me.result) await this.#lead();
    const r = me.result as NonNullable<Waiter<T, R>['result']>;
    if (!r.ok) throw r.error;
    return r.value;
  }

  /** Runs the next batch (which starts with the caller), then hands the lead on. */
  async #lead(): Promise<void> {
    const batch = this.#waiting.splice(0, this.max);
    try {
      const out = await this.run(batch.map((w) => w.item));
      batch.forEach((w, i) => (w.result = { ok: true, value: out[i] as R }));
    } catch (error) {
      batch.forEach((w) => (w.result = { ok: false, error }));
    }
    const next = this.#waiting[0];
    if (next) next.wake('lead');
    else this.#busy = false;
    for (const w of batch) w.wake('done');
  }
}

/** One queue per key per owner object (a store), created on first use. */
export function queuesPer<O extends object, T, R>(make: (owner: O, key: string) => GroupQueue<T, R>): (owner: O, key: string) => GroupQueue<T, R> {
  const all = new WeakMap<O, Map<string, GroupQueue<T, R>>>();
  return (owner, key) => {
    let byKey = all.get(owner);
    if (!byKey) {
      byKey = new Map();
      all.set(owner, byKey);
    }
    let q = byKey.get(key);
    if (!q) {
      q = make(owner, key);
      byKey.set(key, q);
    }
    return q;
  };
}
