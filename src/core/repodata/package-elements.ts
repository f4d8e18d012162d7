/**
 * Reading machine-written metadata (primary.xml, filelists.xml, other.xml, repomd.xml) back as
 * text: anchored patterns rather than a DOM, one `<package>` element at a time, so memory stays
 * bounded by one element however large the file is.
 */

/**
 * Yields each `<package …>…</package>` element of a stream of text chunks, in order, holding at
 * most one element (plus one chunk) at a time. `close` is the text an element ends with:
 * `</package>\n` keeps the line break createrepo_c writes after each one.
 */
export async function* packageElements(texts: AsyncIterable<string>, close = '</package>'): AsyncGenerator<string> {
  let buf = '';
  for await (const chunk of texts) {
    buf += chunk;
    for (;;) {
      const start = buf.search(/<package[\s>]/);
      if (start < 0) {
        // a start tag may be split across chunks: keep enough of the tail to see it whole
        buf = buf.slice(-16);
        break;
      }
      const end = buf.indexOf(close, start);
      if (end < 0) {
        buf = buf.slice(start);
        break;
      }
      yield buf.slice(start, end + close.length);
      buf = buf.slice(end + close.length);
    }
  }
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Text or attribute value with the predefined entities and character references decoded. */
export function decodeXml(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (m, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(Number(e.slice(1)));
    return ENTITIES[e] ?? m;
  });
}
