/**
 * Just enough XML reading for repomd.xml, metalinks and primary.xml: these are machine-written
 * documents with a fixed shape, read with anchored patterns rather than a DOM (primary.xml of a
 * large distribution is hundreds of MB uncompressed; it is read one <package> at a time).
 */

const ENTITY: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function decodeXml(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (m, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(Number(e.slice(1)));
    return ENTITY[e] ?? m;
  });
}

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

/** Yields each `<package …>…</package>` of a stream of text chunks, holding one at a time. */
export async function* packageElements(texts: AsyncIterable<string>): AsyncGenerator<string> {
  let buf = '';
  const END = '</package>';
  for await (const chunk of texts) {
    buf += chunk;
    for (;;) {
      const start = buf.search(/<package[\s>]/);
      if (start < 0) {
        buf = buf.slice(-16);
        break;
      }
      const end = buf.indexOf(END, start);
      if (end < 0) {
        if (start > 0) buf = buf.slice(start);
        break;
      }
      yield buf.slice(start, end + END.length);
      buf = buf.slice(end + END.length);
    }
  }
}
