/** Builds the repodata model from a parsed main header and signature header (formats.md §1.5-1.8). */
import type { RpmPackage } from '../model.js';
import type { Header } from './header.js';
import { readChangelog } from './changelog.js';
import { readAllDependencies } from './dependencies.js';
import { fail } from './errors.js';
import { readFiles } from './files.js';
import { retrofitProvides, sourceFacts } from './legacy.js';
import { SIG, TAG } from './tags.js';

function required(h: Header, tag: number, name: string): string {
  const s = h.string(tag);
  if (s === null) fail('rpm.header.missing-tag', `main header lacks ${name} (tag ${tag})`);
  return s;
}

/** Signature LONGARCHIVESIZE, else PAYLOADSIZE, else main ARCHIVESIZE, else v6 PAYLOADSIZEALT. */
function archiveSize(main: Header, sig: Header): number {
  return (
    sig.number(SIG.LONGARCHIVESIZE) ??
    sig.number(SIG.PAYLOADSIZE) ??
    main.number(TAG.ARCHIVESIZE) ??
    main.number(TAG.PAYLOADSIZEALT) ??
    0
  );
}

/** `changelogLimit`: read only the first (newest) that many changelog entries; default all. */
export function buildPackage(main: Header, sig: Header, headerStart: number, headerEnd: number, changelogLimit = Infinity): RpmPackage {
  const source = sourceFacts(main);
  const isSource = source.isSource;
  const str = (tag: number): string => main.string(tag) ?? '';
  const nvr = { name: required(main, TAG.NAME, 'NAME'), version: required(main, TAG.VERSION, 'VERSION'), release: required(main, TAG.RELEASE, 'RELEASE') };
  const dependencies = readAllDependencies(main);
  return {
    name: nvr.name,
    epoch: main.number(TAG.EPOCH),
    version: nvr.version,
    release: nvr.release,
    arch: isSource ? 'src' : str(TAG.ARCH),
    isSource,
    summary: str(TAG.SUMMARY),
    description: str(TAG.DESCRIPTION),
    packager: str(TAG.PACKAGER),
    url: str(TAG.URL),
    license: str(TAG.LICENSE),
    vendor: str(TAG.VENDOR),
    group: str(TAG.GROUP),
    buildHost: str(TAG.BUILDHOST),
    sourceRpm: source.sourceRpm,
    buildTime: main.number(TAG.BUILDTIME) ?? 0,
    installedSize: main.number(TAG.LONGSIZE) ?? main.number(TAG.SIZE) ?? 0,
    archiveSize: archiveSize(main, sig),
    headerStart,
    headerEnd,
    payloadFormat: str(TAG.PAYLOADFORMAT),
    ...dependencies,
    provides: retrofitProvides(main, dependencies.provides, nvr, source),
    files: readFiles(main),
    changelog: readChangelog(main, changelogLimit),
  };
}
