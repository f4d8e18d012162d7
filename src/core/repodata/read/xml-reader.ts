/**
 * The one XML tokenizer for repodata Berth reads (repomd.xml, primary/filelists/other.xml,
 * metalinks): saxes, a conforming streaming parser, with the bounds hostile input needs. Nothing
 * is ever expanded — a DOCTYPE (the only way to declare entities) is refused, as is any encoding
 * but UTF-8 — characters XML 1.0 forbids are refused by saxes itself, and every token (a text
 * node, a tag with its attributes, a comment) is bounded: text is fed in slices and the distance
 * since the last event is checked after each one, so no token can grow past its limit by more
 * than a slice. Nesting depth and attributes per element are bounded too.
 */
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { RepodataReadError } from './errors.js';

export interface XmlLimits {
  /** Largest token: one text node, one start tag with its attributes, one comment (chars). */
  maxTokenChars: number;
  maxDepth: number;
  maxAttributes: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = { maxTokenChars: 1024 * 1024, maxDepth: 64, maxAttributes: 256 };

/**
 * saxes' message without what it quotes of the document (a tag name, a character): an error
 * about upstream bytes says where and what kind of fault, never repeats the bytes.
 */
function faultOf(message: string): string {
  const m = /^(?:[^:]*:)?(\d+:\d+): ([^:]*)/.exec(message);
  return m ? `${m[1]}: ${(m[2] as string).replace(/\.$/, '')}` : 'malformed';
}

/** Text is fed to saxes in slices of at most this many chars, so the checks run that often. */
export const SLICE = 64 * 1024;

export interface XmlHandlers {
  /** `at`: the position just after the start tag's `>` (string index over the whole stream). */
  open(name: string, attrs: Readonly<Record<string, string>>, depth: number, at: number): void;
  close(name: string, depth: number, end: number): void;
  text?(text: string, depth: number): void;
  /** After every slice: the caller checks its own bounds (element sizes) against `position`. */
  checked?(position: number): void;
}

export class XmlReader {
  readonly #p = new SaxesParser<{ xmlns: false; position: true }>({ xmlns: false, position: true });
  readonly #limits: XmlLimits;
  #lastEvent = 0;
  #depth = 0;
  #error: Error | null = null;
  #fed = 0;

  constructor(handlers: XmlHandlers, limits: Partial<XmlLimits> = {}) {
    this.#limits = { ...DEFAULT_XML_LIMITS, ...limits };
    const p = this.#p;
    const seen = (): void => {
      this.#lastEvent = p.position;
    };
    p.on('error', (e) => {
      this.#error ??= new RepodataReadError('invalid_xml', `not well-formed XML: ${faultOf(e.message)}`);
    });
    p.on('doctype', () => this.#fail(new RepodataReadError('invalid_xml', 'a DOCTYPE is not allowed in repodata (no entity is ever declared or expanded)')));
    p.on('xmldecl', (d) => {
      if (d.encoding !== undefined && !/^utf-?8$/i.test(d.encoding)) this.#fail(new RepodataReadError('invalid_xml', `encoding ${JSON.stringify(d.encoding)} is not supported (repodata is UTF-8)`));
      seen();
    });
    // No per-attribute or tag-start events (they cost as much as the parse): a start tag with all
    // its attributes is one token, bounded like any other, and the count is checked when it ends.
    p.on('opentag', (tag: SaxesTagPlain) => {
      this.#depth++;
      if (this.#depth > this.#limits.maxDepth) this.#fail(new RepodataReadError('xml_limit', `elements nested deeper than ${this.#limits.maxDepth}`));
      let attributes = 0;
      for (const _ in tag.attributes) attributes++;
      if (attributes > this.#limits.maxAttributes) this.#fail(new RepodataReadError('xml_limit', `an element has more than ${this.#limits.maxAttributes} attributes`));
      seen();
      handlers.open(tag.name, tag.attributes, this.#depth, p.position);
      if (tag.isSelfClosing) {
        handlers.close(tag.name, this.#depth, p.position);
        this.#depth--;
      }
    });
    p.on('closetag', (tag: SaxesTagPlain) => {
      seen();
      if (tag.isSelfClosing) return; // reported with the open tag
      handlers.close(tag.name, this.#depth, p.position);
      this.#depth--;
    });
    const onText = handlers.text;
    if (onText) {
      p.on('text', (t) => {
        seen();
        onText(t, this.#depth);
      });
    }
    for (const ev of ['comment', 'cdata', 'processinginstruction'] as const) p.on(ev, seen);
    this.#handlers = handlers;
  }

  readonly #handlers: XmlHandlers;

  #fail(e: Error): void {
    this.#error ??= e;
  }

  #throwIfFailed(): void {
    if (this.#error) throw this.#error;
  }

  /** Feeds decoded text; throws the first error (malformed, refused or over a limit). */
  write(text: string): void {
    for (let i = 0; i < text.length; i += SLICE) {
      const slice = text.slice(i, i + SLICE);
      this.#fed += slice.length;
      try {
        this.#p.write(slice);
      } catch (e) {
        // a handler's own refusal passes through as it is; anything else is the parser's
        this.#fail((e as { isBerthError?: boolean }).isBerthError ? e as Error : new RepodataReadError('invalid_xml', `not well-formed XML: ${faultOf((e as Error).message)}`));
      }
      this.#throwIfFailed();
      if (this.#fed - this.#lastEvent > this.#limits.maxTokenChars) {
        throw new RepodataReadError('xml_limit', `a text, tag or comment longer than ${this.#limits.maxTokenChars} characters`);
      }
      this.#handlers.checked?.(this.#fed);
      this.#throwIfFailed();
    }
  }

  /** Chars fed so far (the absolute position after the last slice). */
  get position(): number {
    return this.#fed;
  }

  /** Report a caller's own error (from a handler) as this reader's failure. */
  fail(e: Error): void {
    this.#fail(e);
  }

  end(): void {
    try {
      this.#p.close();
    } catch (e) {
      this.#fail(new RepodataReadError('invalid_xml', `not well-formed XML: ${faultOf((e as Error).message)}`));
    }
    this.#throwIfFailed();
  }
}
