/**
 * One `<package>` of primary.xml, byte for byte as createrepo_c 0.17.3 writes it (libxml2
 * `xmlNodeDump` with 2-space format at level 0, then a newline).
 */
import type { PackageRecord } from '../model.js';
import type { DepEntry, DepKind, DependencyLists } from './dependencies.js';
import { preparePackage } from './prepared.js';
import type { PackageOptions, PreparedPackage } from './prepared.js';
import { isPrimaryFile } from './primary-files.js';
import { escapeAttr as attr, escapeText as text } from './xml-escape.js';

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

function entryXml(e: DepEntry, withPre: boolean): string {
  let s = `      <rpm:entry name="${attr(e.name)}"`;
  if (e.flags) {
    s += ` flags="${e.flags}"`;
    if (e.epoch) s += ` epoch="${attr(e.epoch)}"`;
    if (e.ver) s += ` ver="${attr(e.ver)}"`;
    if (e.rel) s += ` rel="${attr(e.rel)}"`;
  }
  if (withPre && e.pre) s += ' pre="1"';
  return s + '/>\n';
}

function pcoXml(kind: DepKind, list: readonly DepEntry[]): string {
  if (list.length === 0) return '';
  const entries = list
    .filter((e) => e.name !== '')
    .map((e) => entryXml(e, kind === 'requires'))
    .join('');
  // createrepo_c creates the list element before skipping nameless entries; libxml2 then
  // prints an element left without children in its short form
  if (entries === '') return `    <rpm:${kind}/>\n`;
  return `    <rpm:${kind}>\n${entries}    </rpm:${kind}>\n`;
}

/** The primary-file subset of `<file>` lines, at the given indentation. */
export function fileLines(rec: PackageRecord, indent: string, primaryOnly: boolean): string {
  let s = '';
  for (const f of rec.pkg.files) {
    if (primaryOnly && !isPrimaryFile(f.path)) continue;
    const type = f.type === 'file' ? '' : ` type="${f.type}"`;
    s += `${indent}<file${type}>${text(f.path)}</file>\n`;
  }
  return s;
}

export function primaryXml(p: PreparedPackage): string {
  const { rec } = p;
  const pkg = rec.pkg;
  const deps: DependencyLists = p.deps;
  return (
    '<package type="rpm">\n' +
    `  <name>${text(pkg.name)}</name>\n` +
    `  <arch>${text(pkg.arch)}</arch>\n` +
    `  <version epoch="${pkg.epoch ?? 0}" ver="${attr(pkg.version)}" rel="${attr(pkg.release)}"/>\n` +
    `  <checksum type="sha256" pkgid="YES">${text(rec.sha256)}</checksum>\n` +
    `  <summary>${text(pkg.summary)}</summary>\n` +
    `  <description>${text(pkg.description)}</description>\n` +
    `  <packager>${text(pkg.packager)}</packager>\n` +
    `  <url>${text(pkg.url)}</url>\n` +
    `  <time file="${rec.time}" build="${pkg.buildTime}"/>\n` +
    `  <size package="${rec.size}" installed="${pkg.installedSize}" archive="${pkg.archiveSize}"/>\n` +
    `  <location href="${attr(rec.location)}"/>\n` +
    '  <format>\n' +
    `    <rpm:license>${text(pkg.license)}</rpm:license>\n` +
    `    <rpm:vendor>${text(pkg.vendor)}</rpm:vendor>\n` +
    `    <rpm:group>${text(pkg.group)}</rpm:group>\n` +
    `    <rpm:buildhost>${text(pkg.buildHost)}</rpm:buildhost>\n` +
    `    <rpm:sourcerpm>${text(pkg.sourceRpm)}</rpm:sourcerpm>\n` +
    `    <rpm:header-range start="${pkg.headerStart}" end="${pkg.headerEnd}"/>\n` +
    PCO_ORDER.map((k) => pcoXml(k, deps[k])).join('') +
    fileLines(rec, '    ', true) +
    '  </format>\n' +
    '</package>\n'
  );
}

/**
 * primary.xml `<package>` for one record. Does not check for control characters; use
 * `fragments()` for the checked path.
 */
export function primaryFragment(rec: PackageRecord, opts: PackageOptions = {}): string {
  return primaryXml(preparePackage(rec, opts));
}
