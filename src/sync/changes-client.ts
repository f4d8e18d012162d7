/**
 * The Berth changes feed from the sync side: when the source is a Berth repo
 * (`<origin>/<tenant>/<repo>`), ask what changed between the revision DIR holds and the one
 * just fetched. Only an exact, empty answer is acted on (the package set is unchanged, so
 * primary.xml need not be parsed); anything else — not Berth, an error, `complete: false` —
 * means "parse primary as usual", so the feed can make a sync cheaper but never wrong.
 */
import type { Source } from './http.js';

export type FeedVerdict = 'unchanged' | 'changed' | 'incomplete' | 'unavailable';

const NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** The changes URL for a Berth baseurl, or null when the URL does not look like one. */
export function changesUrl(baseUrl: string, since: string, until: string): string | null {
  const u = new URL(baseUrl);
  const parts = u.pathname.split('/').filter((p) => p !== '');
  if (parts.length !== 2 || !parts.every((p) => NAME.test(p))) return null;
  if (!/^\d{1,12}$/.test(since) || !/^\d{1,12}$/.test(until) || Number(until) < Number(since)) return null;
  return `${u.origin}/api/v1/repos/${parts[0]}/${parts[1]}/changes?since=${since}&until=${until}`;
}

export async function askFeed(source: Source, since: string | null, until: string | null): Promise<FeedVerdict> {
  if (since === null || until === null) return 'unavailable';
  const url = changesUrl(source.baseUrl, since, until);
  if (!url) return 'unavailable';
  let body: unknown;
  try {
    const bytes = await source.getBytes(url, { allowMissing: true });
    if (!bytes) return 'unavailable';
    body = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return 'unavailable';
  }
  const f = body as { from?: unknown; to?: unknown; added?: unknown; removed?: unknown; complete?: unknown };
  if (!Array.isArray(f.added) || !Array.isArray(f.removed) || typeof f.complete !== 'boolean') return 'unavailable';
  if (!f.complete || f.from !== Number(since) || f.to !== Number(until)) return 'incomplete';
  return f.added.length === 0 && f.removed.length === 0 ? 'unchanged' : 'changed';
}
