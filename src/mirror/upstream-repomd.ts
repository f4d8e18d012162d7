/**
 * Getting upstream's repomd.xml: directly from the configured base URL, or through a metalink
 * (mirrors tried by preference until one serves a repomd.xml matching the metalink's strongest
 * hash), and then its detached signature from the same base — librepo's rule: the .asc comes
 * from the mirror that served repomd.xml.
 */
import type { Platform } from '../core/platform.js';
import type { MirrorConfig } from '../repo/mirror-config.js';
import { MirrorError } from './errors.js';
import { matchesMetalink, parseMetalink } from './metalink.js';
import { fetchBytes, fetchDocument, type UpstreamOptions } from './upstream.js';

export interface UpstreamRepomd {
  /** Directory URL of the repo root (ends with `/`). */
  base: string;
  bytes: Uint8Array;
  /**
   * The upstream is Berth: it named its revision in a `Berth-Revision` header, so it serves a
   * member map beside each generation (docs/mirror.md, Fetching only what changed).
   */
  berth: boolean;
  /** Mirrors that failed before `base` answered, with why (metalink only). */
  skipped: { base: string; reason: string }[];
}

/** Berth names the revision of every repomd.xml it serves (docs/sync.md, The changes feed). */
const isBerth = (h: Headers): boolean => /^\d{1,15}$/.test(h.get('berth-revision')?.trim() ?? '');

export function baseOf(url: string): string {
  const u = url.replace(/repodata\/repomd\.xml$/, '');
  return u.endsWith('/') ? u : `${u}/`;
}

export async function fetchUpstreamRepomd(config: MirrorConfig, platform: Platform, up: UpstreamOptions): Promise<UpstreamRepomd> {
  if (!config.metalink) {
    const base = baseOf(config.from);
    const doc = (await fetchDocument(`${base}repodata/repomd.xml`, up)) as { bytes: Uint8Array; headers: Headers };
    return { base, bytes: doc.bytes, berth: isBerth(doc.headers), skipped: [] };
  }
  const ml = parseMetalink(new TextDecoder().decode((await fetchBytes(config.from, up)) as Uint8Array));
  const skipped: { base: string; reason: string }[] = [];
  for (const m of ml.mirrors) {
    const base = baseOf(m.base);
    try {
      const doc = (await fetchDocument(`${base}repodata/repomd.xml`, { ...up, attempts: 1 })) as { bytes: Uint8Array; headers: Headers };
      if (matchesMetalink(doc.bytes, ml, platform)) return { base, bytes: doc.bytes, berth: isBerth(doc.headers), skipped };
      skipped.push({ base, reason: 'repomd.xml does not match the metalink hashes' });
    } catch (e) {
      skipped.push({ base, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  throw new MirrorError('metalink_no_mirror', `no mirror in the metalink served a matching repomd.xml: ${skipped.map((s) => `${s.base}: ${s.reason}`).join('; ')}`,
    { skipped });
}
