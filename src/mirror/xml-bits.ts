/**
 * Just enough XML reading for repomd.xml, metalinks and primary.xml: these are machine-written
 * documents with a fixed shape, read with anchored patterns rather than a DOM (primary.xml of a
 * large distribution is hundreds of MB uncompressed; it is read one <package> at a time).
 */
import { decodeXml } from '../core/repodata/package-elements.js';

/** Attributes of the first `<tag …>` in `xml` (names as written, values decoded), or null. */
export function tagAttrs(xml: string, tag: string): Record<string, string> | null {
  const m = new RegExp(`<${tag.replace(/[.:]/g, '\\$&')}(\\s[^>]*?)?/?>`).exec(xml);
  if (!m) return null;
  const out: Record<string, string> = {};
  for (const a of (m[1] ?? '').matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
    out[a[1] as string] = decodeXml(a[2] ?? a[3] ?? '');
  }
  return out;
}

/** Decoded text of the first `<tag …>text</tag>`, or null. */
export function tagText(xml: string, tag: string): string | null {
  const m = new RegExp(`<${tag.replace(/[.:]/g, '\\$&')}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag.replace(/[.:]/g, '\\$&')}>`).exec(xml);
  return m ? decodeXml(m[1] as string) : null;
}

/** Every `<tag …>…</tag>` element (outer text), in order. */
export function elements(xml: string, tag: string): string[] {
  const t = tag.replace(/[.:]/g, '\\$&');
  return [...xml.matchAll(new RegExp(`<${t}(?:\\s[^>]*)?>[\\s\\S]*?</${t}>`, 'g'))].map((m) => m[0]);
}
