/**
 * A YAML stream (modules.yaml) read one document at a time with the `yaml` package's lexer,
 * parser and composer, bounded against hostile input before anything is built from it:
 * - documents: counted as the parser completes each; one past `maxDocuments` stops the read;
 * - nesting: the parser's stack (one entry per open collection) is checked after every token,
 *   so `[[[[…` or `- - - …` stops at `maxDepth` instead of exhausting memory or the call stack;
 * - aliases: refused at the first `*name` (libmodulemd, dnf's reader, does not resolve them, and
 *   an alias bomb is never expanded).
 * The caller bounds the text's size. Scalars are read as strings (YAML's failsafe schema), as
 * libmodulemd reads them: `version: 20230102` stays digits, `context: 00000000` is not a number.
 * Each document also comes with its own text, so a filter can write kept documents back as
 * they were.
 */
import { Composer, CST, Lexer, Parser, type Document } from 'yaml';
import { ModulesError } from './errors.js';

export interface ModulesLimits {
  /** Most documents in one stream (a distribution's modules.yaml holds a few thousand). */
  maxDocuments: number;
  /** Most collections open at once (a modulemd document needs about ten). */
  maxDepth: number;
}

export const MODULES_LIMITS: ModulesLimits = { maxDocuments: 100_000, maxDepth: 64 };

export interface YamlDocument {
  /** 1-based position in the stream. */
  index: number;
  /** Plain data: strings, arrays and objects. */
  value: unknown;
  /** The document's text as it was, starting with a `---` line and ending with a newline. */
  text: string;
}

/** What a read got through, for tests of the bounds. */
export interface YamlStats {
  /** Characters the parser consumed. */
  offset: number;
  /** Documents the parser completed. */
  documents: number;
  /** Deepest parser stack seen. */
  depth: number;
}

const lineOf = (text: string, offset: number): number => {
  let n = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) n++;
  return n;
};

export function* yamlDocuments(text: string, limits: Partial<ModulesLimits> = {}, stats: YamlStats = { offset: 0, documents: 0, depth: 0 }): Generator<YamlDocument> {
  const lim = { ...MODULES_LIMITS, ...limits };
  const lexer = new Lexer();
  const parser = new Parser();
  const composer = new Composer({ schema: 'failsafe', uniqueKeys: true, strict: true, prettyErrors: false });
  const starts: { offset: number; explicit: boolean }[] = [];
  /** Offsets where a document or a directive begins: one document's text ends at the next. */
  const bounds: number[] = [];
  let bound = 0;
  let composed = 0;

  const note = (token: CST.Token): void => {
    if (token.type === 'document') {
      starts.push({ offset: token.offset, explicit: token.start.some((t) => t.type === 'doc-start') });
      bounds.push(token.offset);
      stats.documents = starts.length;
      if (starts.length > lim.maxDocuments) throw new ModulesError(`more than ${lim.maxDocuments} YAML documents`);
    } else if (token.type === 'directive') {
      bounds.push(token.offset);
    }
  };

  function* take(docs: Iterable<Document.Parsed>): Generator<YamlDocument> {
    for (const doc of docs) {
      const index = ++composed;
      const start = starts[index - 1];
      if (!start) throw new ModulesError(`document ${index}: no document start`, index);
      const err = doc.errors[0];
      if (err) throw new ModulesError(`document ${index} (line ${lineOf(text, err.pos[0])}): ${(err.message.split('\n')[0] ?? '').slice(0, 160)}`, index);
      if (doc.contents === null) throw new ModulesError(`document ${index} (line ${lineOf(text, start.offset)}) is empty`, index);
      while (bound < bounds.length && (bounds[bound] as number) <= start.offset) bound++;
      let body = text.slice(start.offset, bounds[bound] ?? text.length);
      if (!body.endsWith('\n')) body += '\n';
      yield { index, value: doc.toJS({ maxAliasCount: 0 }) as unknown, text: start.explicit ? body : `---\n${body}` };
    }
  }

  let scalarNext = false;
  for (const lexeme of lexer.lex(text)) {
    if (scalarNext) scalarNext = false;
    else {
      const type = CST.tokenType(lexeme);
      if (type === 'scalar') scalarNext = true;
      else if (type === 'alias') {
        throw new ModulesError(`document ${starts.length + 1} (line ${lineOf(text, parser.offset)}): YAML aliases (*name) are not allowed: dnf's modulemd reader does not resolve them`, starts.length + 1);
      }
    }
    for (const token of parser.next(lexeme)) {
      note(token);
      yield* take(composer.next(token));
    }
    stats.offset = parser.offset;
    if (parser.stack.length > stats.depth) stats.depth = parser.stack.length;
    if (parser.stack.length > lim.maxDepth) {
      throw new ModulesError(`document ${starts.length + 1} (line ${lineOf(text, parser.offset)}): nested deeper than ${lim.maxDepth} levels`, starts.length + 1);
    }
  }
  for (const token of parser.end()) {
    note(token);
    yield* take(composer.next(token));
  }
  yield* take(composer.end());
}
