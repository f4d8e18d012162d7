// updateinfo.xml as Berth writes it, checked against the rules of the reader dnf and tdnf both
// use (libsolv's updateinfo parser; tdnf loads the repomd `updateinfo` record through it):
// the element tree it switches on, the attributes it reads, dates it can parse ("%F%T" or Unix
// seconds — anything else gives the advisory no time), EVRs it builds from epoch/version/release,
// and the type strings tdnf maps (security, bugfix, enhancement). Also: escaping, determinism,
// and that Berth's own reader gives back what was written.
import { describe, expect, it } from 'vitest';
import { normalDate, type Advisory } from '../../../src/core/advisory/model.js';
import { readUpdateinfo } from '../../../src/core/advisory/read.js';
import { updateinfoXml } from '../../../src/core/advisory/updateinfo-xml.js';
import { XmlReader } from '../../../src/core/repodata/read/xml-reader.js';

const base: Advisory = {
  id: 'ACME-2026:0001', type: 'security', title: 'Important: <foo> & bar', status: 'final', version: '1', from: 'sec@acme.example',
  severity: 'Important', issued: '2026-01-02 03:04:05', updated: '2026-02-03 04:05:06', description: 'line 1\nline "2" <b>',
  references: [{ href: 'https://example.com/?a=1&b=2', id: 'CVE-2026-0001', type: 'cve', title: 'CVE-2026-0001' }],
  collection: { short: 'acme', name: 'acme main' },
  packages: [
    { name: 'foo', epoch: '0', version: '1.1', release: '1', arch: 'x86_64', src: 'foo-1.1-1.src.rpm', rebootSuggested: true },
    { name: 'foo-libs', epoch: '2', version: '1.1', release: '1', arch: 'noarch', filename: 'foo-libs-1.1-1.noarch.rpm', sum: { type: 'sha256', value: 'a'.repeat(64) } },
  ],
};

/** libsolv's state table (parent → children it reads); anything else it skips. */
const LIBSOLV: Record<string, string[]> = {
  '': ['updates', 'update'], updates: ['update'],
  update: ['id', 'title', 'severity', 'rights', 'release', 'issued', 'updated', 'description', 'message', 'references', 'pkglist'],
  references: ['reference'], pkglist: ['collection'], collection: ['name', 'package', 'module'],
  package: ['filename', 'reboot_suggested', 'restart_suggested', 'relogin_suggested'],
};
// elements libsolv skips that createrepo_c writes too (dnf and tdnf never see them)
const SKIPPED = new Set(['pushcount', 'summary', 'solution', 'sum']);

interface Seen { path: string[]; name: string; attrs: Record<string, string> }

function walk(xml: string): Seen[] {
  const out: Seen[] = [];
  const stack: string[] = [];
  const r = new XmlReader({
    open(name, attrs) {
      out.push({ path: [...stack], name, attrs: { ...attrs } });
      stack.push(name);
    },
    close() {
      stack.pop();
    },
  });
  r.write(xml);
  r.end();
  return out;
}

/** libsolv's datestr2timestamp: all digits → seconds; else strptime("%F%T") (glibc skips the blank before %T). */
const LIBSOLV_DATE = /^(?:\d+|\d{4}-\d{2}-\d{2} ?\d{2}:\d{2}:\d{2})$/;

describe('updateinfo.xml for dnf and tdnf (libsolv rules)', () => {
  const xml = updateinfoXml([{ ...base, id: 'B-2' }, base, { ...base, id: 'A-1', type: 'bugfix', updated: undefined as unknown as string }].map((a) => JSON.parse(JSON.stringify(a)) as Advisory));

  it('uses only the element tree libsolv switches on (or elements it skips), with the attributes it reads', () => {
    const seen = walk(xml);
    for (const e of seen) {
      const parent = e.path[e.path.length - 1] ?? '';
      if (SKIPPED.has(e.name)) continue;
      expect(LIBSOLV[parent] ?? [], `${e.path.join('/')}/${e.name}`).toContain(e.name);
    }
    const updates = seen.filter((e) => e.name === 'update');
    expect(updates).toHaveLength(3);
    for (const u of updates) {
      expect(['security', 'bugfix', 'enhancement', 'newpackage']).toContain(u.attrs['type']);
      expect(u.attrs['version']).toBeTruthy(); // libsolv makes it the advisory's evr
      expect(u.attrs['status']).toBeTruthy();
    }
    for (const d of seen.filter((e) => e.name === 'issued' || e.name === 'updated')) expect(d.attrs['date']).toMatch(LIBSOLV_DATE);
    for (const p of seen.filter((e) => e.name === 'package')) {
      // name, arch and an EVR built from epoch/version/release: what dnf and tdnf match installed packages on
      for (const a of ['name', 'version', 'release', 'epoch', 'arch']) expect(p.attrs[a], a).toBeTruthy();
      expect(p.path.slice(-2)).toEqual(['pkglist', 'collection']);
    }
    expect(seen.filter((e) => e.name === 'id')).toHaveLength(3); // libsolv names each `patch:<id>`
  });

  it('is deterministic (advisories in id order), escapes every field, and reads back as written', () => {
    expect(updateinfoXml([base, { ...base, id: 'A-1' }])).toBe(updateinfoXml([{ ...base, id: 'A-1' }, base]));
    expect(xml).toContain('<title>Important: &lt;foo&gt; &amp; bar</title>');
    expect(xml).toContain('href="https://example.com/?a=1&amp;b=2"');
    const back = readUpdateinfo(xml);
    expect(back.map((a) => a['id'])).toEqual(['A-1', 'ACME-2026:0001', 'B-2']);
    expect(back[1]).toMatchObject({
      title: base.title, description: base.description, issued: base.issued, updated: base.updated, severity: 'Important',
      packages: [
        { name: 'foo', epoch: '0', version: '1.1', release: '1', arch: 'x86_64', filename: 'foo-1.1-1.x86_64.rpm', rebootSuggested: true },
        { name: 'foo-libs', epoch: '2', filename: 'foo-libs-1.1-1.noarch.rpm', sum: { type: 'sha256', value: 'a'.repeat(64) } },
      ],
      collection: { short: 'acme', name: 'acme main' },
    });
  });

  it('normalises the dates advisories arrive with to the one form libsolv parses', () => {
    expect(normalDate('2026-01-02 03:04:05')).toBe('2026-01-02 03:04:05');
    expect(normalDate('2026-01-02')).toBe('2026-01-02 00:00:00');
    expect(normalDate('2026-01-02T03:04:05+02:00')).toBe('2026-01-02 01:04:05');
    expect(normalDate('1767323045')).toBe('2026-01-02 03:04:05');
    for (const bad of ['2026-02-31', '2026-13-01', 'yesterday', '2026-01-02 25:00:00', '']) expect(normalDate(bad), bad).toBeNull();
  });

  it('reads uploads with the bounds of every repodata reader: no DOCTYPE, bounded tokens, a cap on advisories', () => {
    expect(() => readUpdateinfo('<!DOCTYPE updates [<!ENTITY a "b">]><updates/>')).toThrow(/DOCTYPE/);
    expect(() => readUpdateinfo(`<updates><update><title>${'x'.repeat(200_000)}</title></update></updates>`, { limits: { maxTokenChars: 1000 } })).toThrow(/longer than 1000/);
    const many = `<updates>${'<update><id>x</id></update>'.repeat(11)}</updates>`;
    expect(() => readUpdateinfo(many, { maxAdvisories: 10 })).toThrow(/more than 10 advisories/);
    expect(() => readUpdateinfo('<metadata/>')).toThrow(/updates/);
  });
});
