/** Changelog entries (tags 1080-1082) for other.xml. */
import type { ChangelogEntry } from '../model.js';
import type { Header } from './header.js';
import { TAG } from './tags.js';

/**
 * The entries in header order (the first `limit` when given: the newest, all a repodata writer
 * with that changelog limit uses); the three arrays are walked in lockstep (shortest wins).
 */
export function readChangelog(h: Header, limit = Infinity): ChangelogEntry[] {
  const times = h.numberEntry(TAG.CHANGELOGTIME);
  if (times < 0) return [];
  const names = h.stringArray(TAG.CHANGELOGNAME, limit) ?? [];
  const texts = h.stringArray(TAG.CHANGELOGTEXT, limit) ?? [];
  const n = Math.min(h.count(times), limit, names.length, texts.length);
  const out = new Array<ChangelogEntry>(n);
  for (let i = 0; i < n; i++) {
    out[i] = { author: names[i] as string, time: h.numberAt(times, i, 0), text: texts[i] as string };
  }
  return out;
}
