/**
 * hello-demo 2:1.2.3-4 (noarch and src): a hand-typed package model with XML specials, an epoch,
 * scriptlet, rich and weak dependencies, config and ghost files, for the writer's unit tests
 * (the writer against createrepo_c on real packages is example.test.ts).
 */
import type { Dependency, PackageRecord, RpmPackage } from '../../../src/core/model.js';

const dep = (name: string, flags: number, version = ''): Dependency => ({ name, flags, version });

const changelog = [
  { author: 'Alice Example <alice@example.com> - 2:1.2.3-4', time: 1704196800, text: '- Second entry with <xml> & stuff' },
  { author: 'Bob Example <bob@example.com> - 2:1.2.3-3', time: 1704110400, text: '- First entry' },
];

export function emptyPackage(over: Partial<RpmPackage> = {}): RpmPackage {
  return {
    name: 'x',
    epoch: null,
    version: '1',
    release: '1',
    arch: 'noarch',
    isSource: false,
    summary: '',
    description: '',
    packager: '',
    url: '',
    license: '',
    vendor: '',
    group: '',
    buildHost: '',
    sourceRpm: 'x-1-1.src.rpm',
    buildTime: 0,
    installedSize: 0,
    archiveSize: 0,
    headerStart: 0,
    headerEnd: 0,
    payloadFormat: 'cpio',
    provides: [],
    requires: [],
    conflicts: [],
    obsoletes: [],
    recommends: [],
    suggests: [],
    supplements: [],
    enhances: [],
    oldSuggests: [],
    oldEnhances: [],
    files: [],
    changelog: [],
    ...over,
  };
}

export function record(pkg: RpmPackage, over: Partial<Omit<PackageRecord, 'pkg'>> = {}): PackageRecord {
  return { pkg, sha256: '0'.repeat(64), size: 1, time: 1700000000, location: `${pkg.name}.rpm`, ...over };
}

const common = {
  name: 'hello-demo',
  epoch: 2,
  version: '1.2.3',
  release: '4',
  summary: 'Tiny demo <package> & friends',
  description: 'A tiny package used to document repodata generation.\nContains "quotes", <angle brackets> & ampersands.',
  packager: 'Demo Packager <demo@example.com>',
  url: 'https://example.com/hello?a=1&b=2',
  license: 'MIT',
  vendor: 'Demo Vendor',
  group: 'Applications/Demo',
  buildHost: 'vm',
  buildTime: 1795959702,
  headerStart: 4504,
  changelog,
};

export const helloNoarch: PackageRecord = {
  pkg: emptyPackage({
    ...common,
    arch: 'noarch',
    isSource: false,
    sourceRpm: 'hello-demo-1.2.3-4.src.rpm',
    installedSize: 38,
    archiveSize: 980,
    headerEnd: 7993,
    provides: [
      dep('config(hello-demo)', 0x10000008, '2:1.2.3-4'),
      dep('hello-demo', 8, '2:1.2.3-4'),
      dep('hello-virtual', 8, '1.0'),
    ],
    requires: [
      dep('/bin/sh', 768),
      dep('/bin/sh', 1024),
      dep('/bin/sh', 1280),
      dep('/bin/sh', 16384),
      dep('/usr/bin/hello-demo', 0),
      dep('bash', 12, '4.0'),
      dep('config(hello-demo)', 8, '2:1.2.3-4'),
      dep('config(hello-demo)', 268435464, '2:1.2.3-4'),
      dep('rpmlib(CompressedFileNames)', 16777226, '3.0.4-1'),
      dep('rpmlib(FileDigests)', 16777226, '4.6.0-1'),
      dep('rpmlib(PayloadFilesHavePrefix)', 16777226, '4.0-1'),
      dep('rpmlib(RichDependencies)', 16777226, '4.12.0-1'),
      dep('shadow-utils', 512),
    ],
    conflicts: [dep('hello-old', 2, '1.0')],
    obsoletes: [dep('hello-legacy', 10, '0.9')],
    recommends: [dep('less', 0)],
    suggests: [dep('vim-minimal', 0)],
    supplements: [dep('(bash and hello-virtual)', 0)],
    enhances: [dep('bash', 0)],
    files: [
      { path: '/etc/hello-demo', type: 'dir' },
      { path: '/etc/hello-demo/hello.conf', type: 'file' },
      { path: '/usr/bin/hello-demo', type: 'file' },
      { path: '/usr/share/hello-demo', type: 'dir' },
      { path: '/usr/share/hello-demo/data.txt', type: 'file' },
      { path: '/var/lib/hello-demo', type: 'dir' },
      { path: '/var/lib/hello-demo/state', type: 'ghost' },
    ],
  }),
  sha256: '9501aa9a85c735eb04d65468c05a4a4f849057dacddcc8cc2d62e9a0934cabbe',
  size: 8224,
  time: 1700000000,
  location: 'Packages/hello-demo-1.2.3-4.noarch.rpm',
};

export const helloSrc: PackageRecord = {
  pkg: emptyPackage({
    ...common,
    arch: 'src',
    isSource: true,
    sourceRpm: '',
    installedSize: 1615,
    archiveSize: 1868,
    headerEnd: 8266,
    provides: [dep('hello-demo', 8, '2:1.2.3-4')],
    requires: [
      dep('rpmlib(CompressedFileNames)', 16777226, '3.0.4-1'),
      dep('rpmlib(FileDigests)', 16777226, '4.6.0-1'),
    ],
    files: [{ path: 'hello-demo.spec', type: 'file' }],
  }),
  sha256: 'ba39fcb89a419ce6eacebbabcffb2cf6ccea81fb624bbaf4053ecdf49b3ca2ca',
  size: 9084,
  time: 1700000000,
  location: 'Packages/hello-demo-1.2.3-4.src.rpm',
};
