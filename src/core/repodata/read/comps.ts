/**
 * Checks an uploaded comps document (package groups, the repomd `group` record) with the bounded
 * tokenizer and says what it defines: the root must be `<comps>`, each `<group>`,
 * `<category>` and `<environment>` needs an `<id>`, and each `<packagereq>` names a package.
 * The document itself is stored and served as it was uploaded.
 */
import { RepodataReadError } from './errors.js';
import { XmlReader, type XmlLimits } from './xml-reader.js';

export interface CompsSummary {
  groups: string[];
  categories: string[];
  environments: string[];
  /** Distinct package names the groups require or suggest. */
  packages: string[];
}

const KINDS = { group: 'groups', category: 'categories', environment: 'environments' } as const;

export function readComps(text: string, limits: Partial<XmlLimits> = {}): CompsSummary {
  const out: CompsSummary = { groups: [], categories: [], environments: [], packages: [] };
  const packages = new Set<string>();
  const stack: string[] = [];
  let buf: string[] | null = null;
  let id: string | null = null;
  const reader = new XmlReader({
    open(name, _attrs, depth) {
      if (depth === 1 && name !== 'comps') throw new RepodataReadError('invalid_xml', 'a comps document must be <comps>');
      stack.push(name);
      const parent = stack[stack.length - 2];
      if ((name === 'id' && parent !== undefined && parent in KINDS && stack.length === 3) || (name === 'packagereq' && parent === 'packagelist')) buf = [];
      if (name in KINDS && depth === 2) id = null;
    },
    text(t) {
      buf?.push(t);
    },
    close(name) {
      stack.pop();
      const parent = stack[stack.length - 1];
      const value = buf?.join('').trim();
      if (name === 'id' && buf && parent !== undefined) id = value ?? null;
      if (name === 'packagereq' && buf && value) packages.add(value);
      buf = null;
      if (name in KINDS && stack.length === 1) {
        if (!id) throw new RepodataReadError('invalid_xml', `a <${name}> without an <id>`);
        out[KINDS[name as keyof typeof KINDS]].push(id);
      }
    },
  }, limits);
  reader.write(text);
  reader.end();
  if (stack.length !== 0 || (out.groups.length === 0 && out.categories.length === 0 && out.environments.length === 0)) {
    throw new RepodataReadError('invalid_xml', 'the comps document defines no group, category or environment');
  }
  out.packages = [...packages].sort();
  return out;
}
