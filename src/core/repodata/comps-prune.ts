/**
 * A comps document (package groups) pruned to the packages a filtered mirror keeps: each group
 * keeps only the `<packagereq>`s naming a kept package and goes when none is left; categories and
 * environments keep only the `<groupid>`s of groups that remain and go when none is left. Read
 * with the bounded tokenizer (the caller caps the text), written back with the XML writer's
 * escaping; comments and processing instructions are not kept.
 */
import { RepodataReadError } from './read/errors.js';
import { XmlReader, type XmlLimits } from './read/xml-reader.js';
import { escapeAttr, escapeText } from './xml-escape.js';

interface Node {
  name: string;
  attrs: Readonly<Record<string, string>>;
  children: (Node | string)[];
}

const textOf = (n: Node): string => n.children.map((c) => (typeof c === 'string' ? c : textOf(c))).join('').trim();
const child = (n: Node, name: string): Node | undefined => n.children.find((c): c is Node => typeof c !== 'string' && c.name === name);
const elements = (n: Node): Node[] => n.children.filter((c): c is Node => typeof c !== 'string');

function parse(text: string, limits: Partial<XmlLimits>): Node {
  const root: Node = { name: '', attrs: {}, children: [] };
  const stack: Node[] = [root];
  const reader = new XmlReader({
    open(name, attrs) {
      const n: Node = { name, attrs, children: [] };
      (stack[stack.length - 1] as Node).children.push(n);
      stack.push(n);
    },
    close() {
      stack.pop();
    },
    text(t) {
      (stack[stack.length - 1] as Node).children.push(t);
    },
  }, limits);
  reader.write(text);
  reader.end();
  const comps = elements(root)[0];
  if (!comps || comps.name !== 'comps') throw new RepodataReadError('invalid_xml', 'a comps document must be <comps>');
  return comps;
}

/** Drops the element children `drop` says to drop (and the whitespace before each). */
function filterChildren(n: Node, drop: (c: Node) => boolean): void {
  const out: (Node | string)[] = [];
  for (const c of n.children) {
    if (typeof c !== 'string' && drop(c)) {
      if (typeof out[out.length - 1] === 'string' && (out[out.length - 1] as string).trim() === '') out.pop();
      continue;
    }
    out.push(c);
  }
  n.children = out;
}

function write(n: Node): string {
  const attrs = Object.entries(n.attrs).map(([k, v]) => ` ${k}="${escapeAttr(v, false)}"`).join('');
  if (n.children.length === 0) return `<${n.name}${attrs}/>`;
  return `<${n.name}${attrs}>${n.children.map((c) => (typeof c === 'string' ? escapeText(c) : write(c))).join('')}</${n.name}>`;
}

/** The pruned document, or null when no group keeps a package. */
export function pruneComps(text: string, keep: ReadonlySet<string>, limits: Partial<XmlLimits> = {}): string | null {
  const comps = parse(text, limits);
  const groups = new Set<string>();
  filterChildren(comps, (c) => {
    if (c.name !== 'group') return false;
    const list = child(c, 'packagelist');
    if (list) filterChildren(list, (r) => r.name === 'packagereq' && !keep.has(textOf(r)));
    const left = list ? elements(list).filter((r) => r.name === 'packagereq').length : 0;
    const id = child(c, 'id');
    if (left === 0 || !id) return true;
    groups.add(textOf(id));
    return false;
  });
  if (groups.size === 0) return null;
  filterChildren(comps, (c) => {
    if (c.name !== 'category' && c.name !== 'environment') return false;
    let left = 0;
    for (const listName of ['grouplist', 'optionlist']) {
      const list = child(c, listName);
      if (!list) continue;
      filterChildren(list, (g) => g.name === 'groupid' && !groups.has(textOf(g)));
      left += elements(list).filter((g) => g.name === 'groupid').length;
    }
    return left === 0;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n${write(comps)}\n`;
}
