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
import { fetchBytes, type UpstreamOptions } from './upstream.js';

export interface UpstreamRepomd {
  /** Directory URL of the repo root (ends with `/`). */
  base: string;
  bytes: Uint8Array;
  /** Mirrors that failed before `base` answered, with why (metalink only). */
  skipped: { base: string; reason: string }[];
}

export function baseOf(url: string): string {
  const u = url.replace(/repodata\/repomd\.xml$/, '');
  return u.endsWith('/') ? u : `${u}/`;
}

export async function fetchUpstreamRepomd(config: MirrorConfig, platform: Platform, up: UpstreamOptions): Promise<UpstreamRepomd> {
  if (!config.metalink) {
    const base = baseOf(config.from);
    const bytes = await fetchBytes(`${base}repodata/repomd.xml`, up);
    return { base, bytes: bytes as Uint8Array, skipped: [] };
  }
  const ml = parseMetalink(new TextDecoder().decode((await fetchBytes(config.from, up)) as Uint8Array));
  const skipped: { base: string; reason: string }[] = [];
  for (const m of ml.mirrors) {
    const base = baseOf(m.base);
    try {
      const bytes = (await fetchBytes(`${base}repodata/repomd.xml`, { ...up, attempts: 1 })) as Uint8Array;
      if (matchesMetalink(bytes, ml, platform)) return { base, bytes, skipped };
      skipped.push({ base, reason: 'repomd.xml does not match the metalink hashes' });
    } catch (e) {
      skipped.push({ base, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  throw new MirrorError('metalink_no_mirror', `no mirror in the metalink served a matching repomd.xml: ${skipped.map((s) => `${s.base}: ${s.reason}`).join('; ')}`,
    { skipped });
}
