/**
 * How a repo's sorted package list is cut into index segments (docs/service.md, Index). A
 * segment ends after a package whose sha256's first 32 bits are 0 mod `divisor`, or when it
 * reaches `max` packages. Boundaries depend on the packages, not on their positions, so an insert
 * or delete changes the one segment it falls in (two when a boundary appears or disappears) and
 * every other segment keeps its bytes — and so its id, and the chunk-cache entries named by it.
 * Pure: no I/O.
 */
import type { IndexEntry } from './index-entry.js';

export interface IndexLayout {
  /** Mean packages per segment (formats.md §8: +1-4 % compressed size at 128-1024 per member). */
  divisor: number;
  /** Hard cap on packages per segment: what bounds a chunk build's memory and a segment's size. */
  max: number;
}

export const DEFAULT_LAYOUT: IndexLayout = { divisor: 256, max: 1024 };

export function normalLayout(l: Partial<IndexLayout> | undefined): IndexLayout {
  const divisor = Math.max(1, Math.floor(Number(l?.divisor ?? DEFAULT_LAYOUT.divisor)) || DEFAULT_LAYOUT.divisor);
  const max = Math.max(1, Math.floor(Number(l?.max ?? divisor * 4)) || DEFAULT_LAYOUT.max);
  return { divisor, max };
}

/** Does this package end its segment (whatever the segment's length)? */
export function isBoundary(sha256: string, layout: IndexLayout): boolean {
  return parseInt(sha256.slice(0, 8), 16) % layout.divisor === 0;
}

/** Cuts a sorted run into segments by the rule above; every entry lands in exactly one. */
export function cutRun<T extends Pick<IndexEntry, 'sha256'>>(entries: readonly T[], layout: IndexLayout): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  for (const e of entries) {
    current.push(e);
    if (isBoundary(e.sha256, layout) || current.length >= layout.max) {
      out.push(current);
      current = [];
    }
  }
  if (current.length > 0) out.push(current);
  return out;
}
