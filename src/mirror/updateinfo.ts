/**
 * Upstream's updateinfo for a filtered mirror (docs/mirror.md): read from the staged, verified
 * file through the bounded readers (decompressed bytes capped, one bounded XML tokenizer, at most
 * MAX_UPSTREAM_ADVISORIES `<update>` elements), each advisory checked by the upload schema, then
 * pruned to the packages the mirror kept; advisories naming none of them are dropped.
 */
import type { Advisory, AdvisoryPackage } from '../core/advisory/model.js';
import { readUpdateinfo } from '../core/advisory/read.js';
import type { Platform } from '../core/platform.js';
import { metadataText } from '../core/repodata/read/metadata-text.js';
import type { OutboundLimits } from '../net/limits.js';
import { advisorySchema, cleanAdvisory } from '../repo/advisory-schema.js';
import type { IndexEntry } from '../repo/index-entry.js';
import type { BlobStore } from '../storage/blob-store.js';
import { MirrorError } from './errors.js';

/** Most decompressed bytes of upstream's updateinfo read (it is parsed whole). */
export const MAX_UPDATEINFO_BYTES = 128 * 1024 * 1024;
export const MAX_UPSTREAM_ADVISORIES = 100_000;

const keyOf = (name: string, epoch: number | string, version: string, release: string, arch: string): string =>
  `${name}\0${Number(epoch) || 0}\0${version}\0${release}\0${arch}`;

export interface UpstreamAdvisories {
  advisories: Advisory[];
  /** `<update>` elements the schema refused (skipped). */
  invalid: number;
}

/** Upstream's advisories, each checked by the upload schema (read before anything is published). */
export async function upstreamAdvisories(
  store: BlobStore, key: string, href: string, platform: Platform, limits: Pick<OutboundLimits, 'maxXmlBytes'>,
): Promise<UpstreamAdvisories> {
  const obj = await store.get(key);
  if (!obj) throw new MirrorError('mirror_failed', `staged ${href} vanished`);
  const parts: string[] = [];
  for await (const t of metadataText(obj.body, href, platform, { maxBytes: Math.min(limits.maxXmlBytes, MAX_UPDATEINFO_BYTES) })) parts.push(t);
  const raw = readUpdateinfo(parts.join(''), { maxAdvisories: MAX_UPSTREAM_ADVISORIES });
  const out: Advisory[] = [];
  let invalid = 0;
  for (const r of raw) {
    const parsed = advisorySchema.safeParse(r);
    if (!parsed.success) {
      invalid++;
      continue;
    }
    out.push(cleanAdvisory(parsed.data));
  }
  return { advisories: out, invalid };
}

/** Each advisory with only the packages kept; advisories naming none of them are dropped. */
export function prunedTo(advisories: readonly Advisory[], kept: readonly IndexEntry[]): Advisory[] {
  const held = new Set(kept.map((e) => keyOf(e.name, e.epoch, e.version, e.release, e.arch)));
  const keptOne = (p: AdvisoryPackage): boolean => held.has(keyOf(p.name, p.epoch, p.version, p.release, p.arch));
  const out: Advisory[] = [];
  for (const a of advisories) {
    const packages = a.packages.filter(keptOne);
    if (packages.length > 0) out.push({ ...a, packages });
  }
  return out;
}
