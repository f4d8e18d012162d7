/**
 * One `<package>` of primary.xml, byte for byte as createrepo_c 0.17.3 writes it (libxml2
 * `xmlNodeDump` with 2-space format at level 0, then a newline).
 */
import type { PackageRecord } from '../model.js';
import type { DepEntry, DepKind, DependencyLists } from './dependencies.js';
import { preparePackage } from './prepared.js';
import type { PackageOptions, PreparedPackage } from './prepared.js';
import { isPrimaryFile } from './primary-files.js';
import { asString, type XmlWriter } from './xml-writer.js';

/** Element order of createrepo_c's dump, which differs from the header tag order. */
const PCO_ORDER: readonly DepKind[] = [
  'provides',
  'requires',
  'conflicts',
  'obsoletes',
  'suggests',
  'enhances',
  'recommends',
  'supplements',
];

function writeEntry(out: XmlWriter, e: DepEntry, withPre: boolean): void {
  out.raw('      <rpm:entry name="');
  out.attr(e.name);
  out.raw('"');
  if (e.flags) {
    out.raw(' flags="');
    out.raw(e.flags);
    out.raw('"');
    if (e.epoch) attrField(out, ' epoch="', e.epoch);
    if (e.ver) attrField(out, ' ver="', e.ver);
    if (e.rel) attrField(out, ' rel="', e.rel);
  }
  if (withPre && e.pre) out.raw(' pre="1"');
  out.raw('/>\n');
}

function attrField(out: XmlWriter, open: string, value: string): void {
  out.raw(open);
  out.attr(value);
  out.raw('"');
}

/** The `<version epoch ver rel/>` line of a package, as all three files write it. */
export function writeVersion(out: XmlWriter, pkg: PackageRecord['pkg']): void {
  out.raw('  <version epoch="');
  out.uint(pkg.epoch ?? 0);
  attrField(out, '" ver="', pkg.version);
  attrField(out, ' rel="', pkg.release);
  out.raw('/>\n');
}

function textElement(out: XmlWriter, open: string, value: string, close: string): void {
  out.raw(open);
  out.text(value);
  out.raw(close);
}

/** Per kind, the list element's markup: empty, open, close (made once, not per package). */
const PCO_TAGS: Readonly<Record<DepKind, readonly [string, string, string]>> = Object.fromEntries(
  PCO_ORDER.map((kind) => [kind, [`    <rpm:${kind}/>\n`, `    <rpm:${kind}>\n`, `    </rpm:${kind}>\n`] as const]),
) as Record<DepKind, readonly [string, string, string]>;

function writePco(out: XmlWriter, kind: DepKind, list: readonly DepEntry[]): void {
  if (list.length === 0) return;
  const withPre = kind === 'requires';
  const tags = PCO_TAGS[kind];
  let named = 0;
  for (let i = 0; i < list.length; i++) if (list[i]!.name !== '') named++;
  // createrepo_c creates the list element before skipping nameless entries; libxml2 then
  // prints an element left without children in its short form
  if (named === 0) {
    out.raw(tags[0]);
    return;
  }
  out.raw(tags[1]);
  for (let i = 0; i < list.length; i++) {
    const e = list[i]!;
    if (e.name !== '') writeEntry(out, e, withPre);
  }
  out.raw(tags[2]);
}

/** The `<file>` lines (only the primary-file subset when `primaryOnly`), at the given indentation. */
export function writeFileLines(out: XmlWriter, rec: PackageRecord, indent: string, primaryOnly: boolean): void {
  const files = rec.pkg.files;
  for (let i = 0; i < files.length; i++) {
    const f = files[i]!;
    if (primaryOnly && !isPrimaryFile(f.path)) continue;
    out.raw(indent);
    out.raw(f.type === 'file' ? '<file>' : f.type === 'dir' ? '<file type="dir">' : `<file type="${f.type}">`);
    out.text(f.path);
    out.raw('</file>\n');
  }
}

/** Appends the primary.xml `<package>` of a prepared package to `out`, as UTF-8. */
export function writePrimary(out: XmlWriter, p: PreparedPackage): void {
  const { rec } = p;
  const pkg = rec.pkg;
  const deps: DependencyLists = p.deps;
  out.raw('<package type="rpm">\n');
  textElement(out, '  <name>', pkg.name, '</name>\n');
  textElement(out, '  <arch>', pkg.arch, '</arch>\n');
  writeVersion(out, pkg);
  textElement(out, '  <checksum type="sha256" pkgid="YES">', rec.sha256, '</checksum>\n');
  textElement(out, '  <summary>', pkg.summary, '</summary>\n');
  textElement(out, '  <description>', pkg.description, '</description>\n');
  textElement(out, '  <packager>', pkg.packager, '</packager>\n');
  textElement(out, '  <url>', pkg.url, '</url>\n');
  out.raw('  <time file="');
  out.uint(rec.time);
  out.raw('" build="');
  out.uint(pkg.buildTime);
  out.raw('"/>\n  <size package="');
  out.uint(rec.size);
  out.raw('" installed="');
  out.uint(pkg.installedSize);
  out.raw('" archive="');
  out.uint(pkg.archiveSize);
  out.raw('"/>\n');
  attrField(out, '  <location href="', rec.location);
  out.raw('/>\n  <format>\n');
  textElement(out, '    <rpm:license>', pkg.license, '</rpm:license>\n');
  textElement(out, '    <rpm:vendor>', pkg.vendor, '</rpm:vendor>\n');
  textElement(out, '    <rpm:group>', pkg.group, '</rpm:group>\n');
  textElement(out, '    <rpm:buildhost>', pkg.buildHost, '</rpm:buildhost>\n');
  textElement(out, '    <rpm:sourcerpm>', pkg.sourceRpm, '</rpm:sourcerpm>\n');
  out.raw('    <rpm:header-range start="');
  out.uint(pkg.headerStart);
  out.raw('" end="');
  out.uint(pkg.headerEnd);
  out.raw('"/>\n');
  for (let k = 0; k < PCO_ORDER.length; k++) writePco(out, PCO_ORDER[k]!, deps[PCO_ORDER[k]!]);
  writeFileLines(out, rec, '    ', true);
  out.raw('  </format>\n</package>\n');
}

/** The primary.xml `<package>` of a prepared package, as a string. */
export function primaryXml(p: PreparedPackage): string {
  return asString((out) => writePrimary(out, p));
}

/**
 * primary.xml `<package>` for one record. Does not check for control characters; use
 * `fragments()` for the checked path.
 */
export function primaryFragment(rec: PackageRecord, opts: PackageOptions = {}): string {
  return primaryXml(preparePackage(rec, opts));
}
