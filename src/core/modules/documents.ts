/**
 * The documents of a modules.yaml, checked as dnf's reader (libmodulemd) checks what it loads from
 * a repository — a document it refuses is silently missing on every client, so Berth refuses it
 * up front, naming the document and the field:
 * - `modulemd` (or `modulemd-stream`) versions 1 and 2: `data.name`, `stream`, `context`, `arch`,
 *   `summary`, `description` strings, `version` an unsigned 64-bit integer, `license.module` a
 *   non-empty list, and each `artifacts.rpms` entry a `name-epoch:version-release.arch`;
 * - `modulemd-defaults` v1: `data.module`, optional `stream` and `profiles` (stream → names);
 * - `modulemd-obsoletes` v1: `data.module`, `stream`, `message`, `modified` (`YYYY-MM-DDTHH:MMZ`);
 * - `modulemd-translations` v1: `data.module`, `stream`, `modified`.
 * `modulemd-packager` documents are build input that dnf ignores in a repository: refused.
 */
import { ModulesError } from './errors.js';
import { nevraKey, parseNevra, type Nevra } from './nevra.js';
import { yamlDocuments, type ModulesLimits, type YamlStats } from './yaml-stream.js';

interface Common {
  index: number;
  /** The document's text as it was (see yaml-stream.ts). */
  text: string;
}

export interface StreamDocument extends Common {
  kind: 'modulemd';
  name: string;
  stream: string;
  version: string;
  context: string;
  arch: string;
  /** The artifacts' NEVRAs, canonical (`nevraKey`), with their parts. */
  artifacts: { key: string; nevra: Nevra }[];
}

export interface NamedDocument extends Common {
  kind: 'modulemd-defaults' | 'modulemd-obsoletes' | 'modulemd-translations';
  /** The module the document is about. */
  module: string;
}

export type ModuleDocument = StreamDocument | NamedDocument;

const MAX_U64 = 18446744073709551615n;
const STAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}Z$/;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const get = (o: Obj, k: string): unknown => (Object.hasOwn(o, k) ? o[k] : undefined);

class Doc {
  constructor(readonly index: number) {}
  fail(field: string | null, what: string): never {
    throw new ModulesError(`document ${this.index}${field === null ? '' : `, ${field}`}: ${what}`, this.index, field);
  }
  map(o: Obj, path: string, key: string, required: true): Obj;
  map(o: Obj, path: string, key: string, required: false): Obj | undefined;
  map(o: Obj, path: string, key: string, required: boolean): Obj | undefined {
    const v = get(o, key);
    if (v === undefined) return required ? this.fail(`${path}${key}`, 'is missing') : undefined;
    return isObj(v) ? v : this.fail(`${path}${key}`, 'must be a mapping');
  }
  string(o: Obj, path: string, key: string, required: true): string;
  string(o: Obj, path: string, key: string, required: false): string | undefined;
  string(o: Obj, path: string, key: string, required: boolean): string | undefined {
    const v = get(o, key);
    if (v === undefined) return required ? this.fail(`${path}${key}`, 'is missing') : undefined;
    if (typeof v !== 'string') return this.fail(`${path}${key}`, 'must be a string');
    if (required && v.trim() === '') return this.fail(`${path}${key}`, 'is empty');
    return v;
  }
  unsigned(o: Obj, path: string, key: string, required: boolean): string | undefined {
    const v = this.string(o, path, key, false);
    if (v === undefined) return required ? this.fail(`${path}${key}`, 'is missing') : undefined;
    if (!/^\d{1,20}$/.test(v) || BigInt(v) > MAX_U64) return this.fail(`${path}${key}`, 'must be an unsigned 64-bit integer');
    return v;
  }
  strings(o: Obj, path: string, key: string, required: boolean): string[] | undefined {
    const v = get(o, key);
    if (v === undefined) return required ? this.fail(`${path}${key}`, 'is missing') : undefined;
    if (!Array.isArray(v)) return this.fail(`${path}${key}`, 'must be a list');
    v.forEach((x, i) => {
      if (typeof x !== 'string') this.fail(`${path}${key}[${i}]`, 'must be a string');
    });
    return v as string[];
  }
}

function streamDocument(d: Doc, data: Obj, text: string): StreamDocument {
  const p = 'data.';
  const version = d.unsigned(data, p, 'version', true) as string;
  const out: StreamDocument = {
    kind: 'modulemd', index: d.index, text, version,
    name: d.string(data, p, 'name', true), stream: d.string(data, p, 'stream', true),
    context: d.string(data, p, 'context', true), arch: d.string(data, p, 'arch', true), artifacts: [],
  };
  d.string(data, p, 'summary', true);
  d.string(data, p, 'description', true);
  const license = d.map(data, p, 'license', true);
  if ((d.strings(license, `${p}license.`, 'module', true) as string[]).length === 0) d.fail(`${p}license.module`, 'is empty');
  const artifacts = d.map(data, p, 'artifacts', false);
  const rpms = artifacts ? d.strings(artifacts, `${p}artifacts.`, 'rpms', false) ?? [] : [];
  rpms.forEach((s, i) => {
    const nevra = parseNevra(s);
    if (!nevra) d.fail(`${p}artifacts.rpms[${i}]`, 'is not a NEVRA (name-epoch:version-release.arch)');
    out.artifacts.push({ key: nevraKey(nevra), nevra });
  });
  return out;
}

function namedDocument(d: Doc, kind: NamedDocument['kind'], data: Obj, text: string): NamedDocument {
  const p = 'data.';
  const module = d.string(data, p, 'module', true);
  if (kind === 'modulemd-defaults') {
    d.string(data, p, 'stream', false);
    d.unsigned(data, p, 'modified', false);
    const profiles = d.map(data, p, 'profiles', false);
    for (const k of Object.keys(profiles ?? {})) d.strings(profiles as Obj, `${p}profiles.`, k, true);
  } else if (kind === 'modulemd-obsoletes') {
    d.string(data, p, 'stream', true);
    d.string(data, p, 'message', true);
    if (!STAMP.test(d.string(data, p, 'modified', true))) d.fail(`${p}modified`, 'must be a UTC time YYYY-MM-DDTHH:MMZ');
    const eol = d.string(data, p, 'eol_date', false);
    if (eol !== undefined && !STAMP.test(eol)) d.fail(`${p}eol_date`, 'must be a UTC time YYYY-MM-DDTHH:MMZ');
    const by = d.map(data, p, 'obsoleted_by', false);
    if (by) {
      d.string(by, `${p}obsoleted_by.`, 'module', true);
      d.string(by, `${p}obsoleted_by.`, 'stream', true);
    }
  } else {
    d.string(data, p, 'stream', true);
    d.unsigned(data, p, 'modified', true);
    d.map(data, p, 'translations', false);
  }
  return { kind, index: d.index, text, module };
}

/** One checked document. */
export function moduleDocument(index: number, value: unknown, text: string): ModuleDocument {
  const d: Doc = new Doc(index);
  if (value === '' || value === null) d.fail(null, 'is empty');
  if (!isObj(value)) d.fail(null, 'must be a mapping (document, version, data)');
  const type = d.string(value, '', 'document', true);
  const version = d.unsigned(value, '', 'version', true) as string;
  const data = d.map(value, '', 'data', true);
  const known = (ok: boolean): void => {
    if (!ok) d.fail('version', `${type} version ${version} is not one dnf reads`);
  };
  switch (type) {
    case 'modulemd':
    case 'modulemd-stream':
      known(version === '1' || version === '2');
      return streamDocument(d, data, text);
    case 'modulemd-defaults':
    case 'modulemd-obsoletes':
    case 'modulemd-translations':
      known(version === '1');
      return namedDocument(d, type, data, text);
    case 'modulemd-packager':
      return d.fail('document', 'modulemd-packager documents are build input: dnf ignores them in a repository');
    default:
      return d.fail('document', `unknown document type (expected modulemd, modulemd-defaults, modulemd-obsoletes or modulemd-translations)`);
  }
}

/** Every document of a modules.yaml, checked; throws ModulesError at the first one refused. */
export function* moduleDocuments(text: string, limits: Partial<ModulesLimits> = {}, stats?: YamlStats): Generator<ModuleDocument> {
  for (const doc of yamlDocuments(text, limits, stats)) yield moduleDocument(doc.index, doc.value, doc.text);
}

export interface ModulesSummary {
  /** Module stream documents. */
  modulemd: number;
  defaults: number;
  obsoletes: number;
  translations: number;
}

/** Checks a whole modules.yaml (an upload) and counts what it holds; it must hold a document. */
export function checkModules(text: string, limits: Partial<ModulesLimits> = {}): ModulesSummary {
  const out: ModulesSummary = { modulemd: 0, defaults: 0, obsoletes: 0, translations: 0 };
  for (const d of moduleDocuments(text, limits)) {
    if (d.kind === 'modulemd') out.modulemd++;
    else if (d.kind === 'modulemd-defaults') out.defaults++;
    else if (d.kind === 'modulemd-obsoletes') out.obsoletes++;
    else out.translations++;
  }
  if (out.modulemd + out.defaults + out.obsoletes + out.translations === 0) throw new ModulesError('modules.yaml holds no YAML document');
  return out;
}
