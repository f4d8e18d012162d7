/**
 * Reads updateinfo XML (one or more `<update>` elements, under `<updates>` or alone) into the
 * advisory JSON form the service validates (the same schema as a JSON upload), through the one
 * bounded XML tokenizer: no DOCTYPE or entities, UTF-8 only, bounded tokens and depth. Elements
 * Berth does not keep are skipped; an advisory with more than one collection keeps them as one.
 */
import { RepodataReadError } from '../repodata/read/errors.js';
import { XmlReader, type XmlLimits } from '../repodata/read/xml-reader.js';

/** One advisory as read, before validation (strings as they were written). */
export type RawAdvisory = Record<string, unknown> & {
  references: Record<string, string>[];
  packages: Record<string, unknown>[];
  collection: Record<string, string>;
};

const TEXT_FIELDS = new Set(['id', 'title', 'severity', 'rights', 'release', 'pushcount', 'summary', 'description', 'solution', 'message']);
const FLAGS: Record<string, string> = { reboot_suggested: 'rebootSuggested', restart_suggested: 'restartSuggested', relogin_suggested: 'reloginSuggested' };
const truthy = (s: string): boolean => /^[Tt1]/.test(s.trim());

export interface ReadAdvisoriesOptions {
  /** At most this many `<update>` elements (default 10,000). */
  maxAdvisories?: number;
  limits?: Partial<XmlLimits>;
}

export function readUpdateinfo(text: string, opts: ReadAdvisoriesOptions = {}): RawAdvisory[] {
  const max = opts.maxAdvisories ?? 10_000;
  const out: RawAdvisory[] = [];
  let cur: RawAdvisory | null = null;
  let pkg: Record<string, unknown> | null = null;
  let buf: string[] | null = null;
  let rootSeen = false;
  const stack: string[] = [];

  const reader = new XmlReader({
    open(name, attrs, depth) {
      stack.push(name);
      if (depth === 1) {
        rootSeen = true;
        if (name !== 'updates' && name !== 'update') throw new RepodataReadError('invalid_xml', 'updateinfo must be <updates> or <update>');
      }
      if (name === 'update' && (depth === 1 || (depth === 2 && stack[0] === 'updates'))) {
        if (out.length >= max) throw new RepodataReadError('xml_limit', `more than ${max} advisories in one upload`);
        cur = { ...pick(attrs, ['from', 'status', 'type', 'version']), references: [], packages: [], collection: {} };
        return;
      }
      if (!cur) return;
      const parent = stack[stack.length - 2];
      if ((name === 'issued' || name === 'updated') && parent === 'update') {
        if (attrs['date'] !== undefined) cur[name] = attrs['date'];
      } else if (name === 'reference' && parent === 'references') {
        cur.references.push(pick(attrs, ['href', 'id', 'type', 'title']));
      } else if (name === 'collection' && parent === 'pkglist') {
        if (attrs['short'] !== undefined && cur.collection.short === undefined) cur.collection.short = attrs['short'];
      } else if (name === 'package' && parent === 'collection') {
        pkg = { ...pick(attrs, ['name', 'epoch', 'version', 'release', 'arch', 'src']) };
      } else if (name === 'sum' && pkg && parent === 'package') {
        pkg['sum'] = { type: attrs['type'] ?? 'sha256', value: '' };
        buf = [];
      } else if ((TEXT_FIELDS.has(name) && parent === 'update') || (name === 'name' && parent === 'collection') || (pkg && parent === 'package')) {
        buf = [];
      }
    },
    text(t) {
      buf?.push(t);
    },
    close(name) {
      stack.pop();
      const parent = stack[stack.length - 1];
      const text = buf?.join('') ?? '';
      if (name === 'update' && cur && (parent === undefined || parent === 'updates')) {
        out.push(cur);
        cur = null;
        return;
      }
      if (!cur) return;
      if (TEXT_FIELDS.has(name) && parent === 'update') cur[name] = text.trim();
      else if (name === 'name' && parent === 'collection' && cur.collection.name === undefined) cur.collection.name = text.trim();
      else if (name === 'package' && pkg && parent === 'collection') {
        cur.packages.push(pkg);
        pkg = null;
      } else if (pkg && parent === 'package') {
        if (name === 'filename') pkg['filename'] = text.trim();
        else if (name === 'sum') (pkg['sum'] as { value: string }).value = text.trim();
        else if (FLAGS[name] !== undefined && truthy(text)) pkg[FLAGS[name]] = true;
      }
      buf = null;
    },
  }, opts.limits);
  reader.write(text);
  reader.end();
  if (!rootSeen) throw new RepodataReadError('invalid_xml', 'no updateinfo document');
  return out;
}

function pick(attrs: Readonly<Record<string, string>>, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) if (attrs[n] !== undefined) out[n] = attrs[n];
  return out;
}
