/**
 * Edits a repo index one package at a time while touching only the segments concerned
 * (docs/service.md, Index). Built on a segment list; a segment's entries are loaded the first
 * time an operation falls into it, changed copies are kept in memory, and `finish` encodes the
 * changed segments and the new list. Loaded arrays are shared with the object cache and are never
 * mutated: every change makes new arrays.
 *
 * Every check an operation makes is against one sort key `(filename, location)`: identical bytes
 * have the same placement, the same NEVRA the same filename (and location), and a location is
 * unique in a repo — so the segment covering the key holds every entry that can clash.
 */
import { compareKeys, findEntry, sameNevra, type AddOutcome, type EntryKey, type IndexEntry } from './index-entry.js';
import { cutRun, isBoundary, type IndexLayout } from './index-layout.js';
import { encodeList, encodeSegment, type EncodedObject, type SegmentRef } from './index-objects.js';

interface Slot {
  /** The stored segment this slot still is; null once changed. */
  ref: SegmentRef | null;
  entries: readonly IndexEntry[] | null;
}

export interface EditResult {
  refs: SegmentRef[];
  /** Changed segments, then the list (absent when the index became empty). */
  objects: EncodedObject[];
  listId: string | null;
}

export class IndexEditor {
  readonly #slots: Slot[];
  #dirty = false;
  /** Segments read from the store while editing (for tests and diagnostics). */
  loads = 0;

  constructor(
    list: readonly SegmentRef[],
    readonly layout: IndexLayout,
    private readonly load: (id: string) => Promise<IndexEntry[]>,
  ) {
    this.#slots = list.map((ref) => ({ ref, entries: null }));
  }

  get changed(): boolean {
    return this.#dirty;
  }

  get count(): number {
    return this.#slots.reduce((n, s) => n + (s.entries?.length ?? s.ref?.count ?? 0), 0);
  }

  /** Segments as they stand (changed ones have no id yet). */
  get segments(): number {
    return this.#slots.length;
  }

  #first(i: number): EntryKey {
    const s = this.#slots[i] as Slot;
    return s.entries?.[0] ?? (s.ref as SegmentRef).first;
  }

  /** The slot whose range holds `key`: the last one starting at or before it (0 before all; -1 when empty). */
  #covering(key: EntryKey): number {
    let lo = 0;
    let hi = this.#slots.length - 1;
    if (hi < 0) return -1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (compareKeys(this.#first(mid), key) <= 0) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  async #entries(i: number): Promise<readonly IndexEntry[]> {
    const s = this.#slots[i] as Slot;
    if (!s.entries) {
      s.entries = await this.load((s.ref as SegmentRef).id);
      this.loads++;
    }
    return s.entries;
  }

  /** The entry at exactly this key, if any. */
  async lookup(key: EntryKey): Promise<IndexEntry | undefined> {
    const i = this.#covering(key);
    if (i < 0) return undefined;
    return findEntry(await this.#entries(i), key);
  }

  /** Adds `entry` unless its bytes are there already (the stored entry is returned) or its NEVRA or location is taken. */
  async add(entry: IndexEntry): Promise<AddOutcome> {
    if (this.#slots.length === 0) {
      this.#replace(-1, [entry]);
      return { kind: 'added', entry };
    }
    const i = this.#covering(entry);
    const es = await this.#entries(i);
    const same = es.find((p) => p.sha256 === entry.sha256);
    if (same) return { kind: 'exists', entry: same };
    const nevra = es.find((p) => sameNevra(p, entry));
    if (nevra) return { kind: 'nevra_conflict', existing: nevra };
    const loc = es.find((p) => p.location === entry.location);
    if (loc) return { kind: 'location_conflict', existing: loc };
    let at = 0;
    while (at < es.length && compareKeys(es[at] as IndexEntry, entry) < 0) at++;
    await this.#change(i, [...es.slice(0, at), entry, ...es.slice(at)]);
    return { kind: 'added', entry };
  }

  /** Removes the package with this sha256, looked for at `key`; null when it is not there. */
  async remove(sha256: string, key: EntryKey): Promise<IndexEntry | null> {
    const i = this.#covering(key);
    if (i < 0) return null;
    const es = await this.#entries(i);
    const hit = es.find((p) => p.sha256 === sha256);
    if (!hit) return null;
    await this.#change(i, es.filter((p) => p !== hit));
    return hit;
  }

  /**
   * Slot `i` now holds `entries`: cut them again by the segment rule, together with the next
   * segment when they no longer end at a boundary (so a removed boundary merges two segments and
   * a package after the last boundary joins the run that follows).
   */
  async #change(i: number, entries: IndexEntry[]): Promise<void> {
    let run = entries;
    let span = 1;
    const last = run[run.length - 1];
    if (last && !isBoundary(last.sha256, this.layout) && i + 1 < this.#slots.length) {
      run = [...run, ...(await this.#entries(i + 1))];
      span = 2;
    }
    this.#replace(i, run, span);
  }

  #replace(i: number, run: IndexEntry[], span = 1): void {
    this.#dirty = true;
    const pieces = cutRun(run, this.layout).map((entries): Slot => ({ ref: null, entries }));
    if (i < 0) this.#slots.splice(0, 0, ...pieces);
    else this.#slots.splice(i, span, ...pieces);
  }

  /** The new list and the objects to store for it; null when nothing changed. */
  async finish(): Promise<EditResult | null> {
    if (!this.changed) return null;
    const objects: EncodedObject[] = [];
    const refs: SegmentRef[] = [];
    for (const s of this.#slots) {
      if (s.ref) {
        refs.push(s.ref);
        continue;
      }
      const entries = s.entries as readonly IndexEntry[];
      const seg = await encodeSegment(entries);
      objects.push(seg);
      const first = entries[0] as IndexEntry;
      refs.push({ id: seg.id, count: entries.length, first: { filename: first.filename, location: first.location } });
    }
    if (refs.length === 0) return { refs, objects, listId: null };
    const list = await encodeList(refs);
    objects.push(list);
    return { refs, objects, listId: list.id };
  }
}
