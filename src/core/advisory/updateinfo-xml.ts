/**
 * updateinfo.xml from advisories, in the form libsolv's updateinfo reader takes it (dnf and tdnf
 * both load the file through it; docs/advisories.md lists the rules checked): `<updates>` of
 * `<update from status type version>`, `<id>` (libsolv names the advisory `patch:<id>`), dates as
 * `YYYY-MM-DD HH:MM:SS`, `<references>`, and one `<collection>` whose `<package>` elements carry
 * name, epoch, version, release and arch as attributes — what dnf and tdnf match installed
 * packages against (same name and arch, newer EVR). Pure: the same advisories give the same bytes.
 */
import { escapeAttr, escapeText } from '../repodata/xml-escape.js';
import { filenameOfAdvisoryPackage, type Advisory, type AdvisoryPackage } from './model.js';

// updateinfo is a document with an encoding: non-ASCII stays literal in attributes
const attr = (s: string): string => escapeAttr(s, false);

function element(name: string, value: string | undefined, indent: string): string {
  return value === undefined ? '' : `${indent}<${name}>${escapeText(value)}</${name}>\n`;
}

function packageXml(p: AdvisoryPackage): string {
  const src = p.src !== undefined ? ` src="${attr(p.src)}"` : '';
  let s = `        <package name="${attr(p.name)}" version="${attr(p.version)}" release="${attr(p.release)}" epoch="${attr(p.epoch)}" arch="${attr(p.arch)}"${src}>\n`;
  s += `          <filename>${escapeText(filenameOfAdvisoryPackage(p))}</filename>\n`;
  if (p.sum) s += `          <sum type="${attr(p.sum.type)}">${escapeText(p.sum.value)}</sum>\n`;
  if (p.rebootSuggested) s += '          <reboot_suggested>True</reboot_suggested>\n';
  if (p.restartSuggested) s += '          <restart_suggested>True</restart_suggested>\n';
  if (p.reloginSuggested) s += '          <relogin_suggested>True</relogin_suggested>\n';
  return s + '        </package>\n';
}

export function updateXml(a: Advisory): string {
  const from = a.from !== undefined ? `from="${attr(a.from)}" ` : '';
  let s = `  <update ${from}status="${attr(a.status)}" type="${attr(a.type)}" version="${attr(a.version)}">\n`;
  s += element('id', a.id, '    ');
  s += element('title', a.title, '    ');
  s += `    <issued date="${attr(a.issued)}"/>\n`;
  if (a.updated !== undefined) s += `    <updated date="${attr(a.updated)}"/>\n`;
  s += element('rights', a.rights, '    ');
  s += element('release', a.release, '    ');
  s += element('pushcount', a.pushcount, '    ');
  s += element('severity', a.severity, '    ');
  s += element('summary', a.summary, '    ');
  s += element('description', a.description, '    ');
  s += element('solution', a.solution, '    ');
  s += element('message', a.message, '    ');
  if (a.references.length === 0) s += '    <references/>\n';
  else {
    s += '    <references>\n';
    for (const r of a.references) {
      s += `      <reference href="${attr(r.href)}"`;
      if (r.id !== undefined) s += ` id="${attr(r.id)}"`;
      if (r.type !== undefined) s += ` type="${attr(r.type)}"`;
      if (r.title !== undefined) s += ` title="${attr(r.title)}"`;
      s += '/>\n';
    }
    s += '    </references>\n';
  }
  s += '    <pkglist>\n';
  s += a.collection.short !== undefined ? `      <collection short="${attr(a.collection.short)}">\n` : '      <collection>\n';
  s += element('name', a.collection.name, '        ');
  for (const p of a.packages) s += packageXml(p);
  s += '      </collection>\n    </pkglist>\n  </update>\n';
  return s;
}

export const UPDATEINFO_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<updates>\n';
export const UPDATEINFO_TAIL = '</updates>\n';

/** The whole document, advisories in id order. */
export function updateinfoXml(advisories: readonly Advisory[]): string {
  const sorted = [...advisories].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return UPDATEINFO_HEAD + sorted.map(updateXml).join('') + UPDATEINFO_TAIL;
}
