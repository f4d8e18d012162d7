/**
 * The package list of an upstream primary.xml, read from its staged copy through the one
 * repodata reader (src/core/repodata/read: streaming, bounded, gz/zstd by suffix as libsolv
 * does): what a mirror needs to select, fetch and verify each package.
 */
import type { Platform } from '../core/platform.js';
import { metadataText } from '../core/repodata/read/metadata-text.js';
import { primaryPackages, type PrimaryPackage } from '../core/repodata/read/primary.js';
import type { OutboundLimits } from '../net/limits.js';
import type { BlobStore } from '../storage/blob-store.js';

export type UpstreamPackage = PrimaryPackage;

export async function readUpstreamPackages(
  store: BlobStore, key: string, href: string, platform: Platform, limits: Pick<OutboundLimits, 'maxXmlBytes' | 'maxXmlElementBytes'>,
): Promise<UpstreamPackage[]> {
  const obj = await store.get(key);
  if (!obj) throw new Error(`staged metadata ${key} vanished`);
  const out: UpstreamPackage[] = [];
  const text = metadataText(obj.body, href, platform, { maxBytes: limits.maxXmlBytes });
  for await (const p of primaryPackages(text, { limits: { maxElementChars: limits.maxXmlElementBytes } })) out.push(p);
  return out;
}
