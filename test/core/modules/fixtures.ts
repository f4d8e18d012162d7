// modules.yaml documents as distributions write them (libmodulemd's emitter: `---` … `...`), for the
// modules reader, pruner, upload and mirror tests.

/** A modulemd v2 stream document with these artifacts (`name-epoch:version-release.arch`). */
export const stream = (name: string, artifacts: readonly string[], o: { stream?: string; version?: string; context?: string; arch?: string } = {}): string => `---
document: modulemd
version: 2
data:
  name: ${name}
  stream: "${o.stream ?? '1'}"
  version: ${o.version ?? '8030020201124131330'}
  context: ${o.context ?? '00000000'}
  arch: ${o.arch ?? 'noarch'}
  summary: The ${name} module
  description: >-
    A module for tests, with a folded
    description over two lines.
  license:
    module:
    - MIT
    content:
    - MIT
  xmd:
    mbs:
      buildrequires:
        platform: {stream: el8, filtered_rpms: []}
  dependencies:
  - buildrequires:
      platform: [el8]
    requires:
      platform: [el8]
  profiles:
    default:
      rpms:${artifacts.filter((a) => !a.endsWith('.src')).map((a) => `\n      - ${a.replace(/-\d+:.*$/, '')}`).join('') || ' []'}
  api:
    rpms: []
  components:
    rpms:
      ${name}:
        rationale: the point of it
        ref: stream-${o.stream ?? '1'}
        buildorder: 10
${artifacts.length > 0 ? `  artifacts:\n    rpms:\n${artifacts.map((a) => `    - ${a}\n`).join('')}` : ''}...
`;

export const defaults = (module: string, s = '1'): string => `---
document: modulemd-defaults
version: 1
data:
  module: ${module}
  stream: "${s}"
  profiles:
    "${s}": [default]
...
`;

export const obsoletes = (module: string, s = '1'): string => `---
document: modulemd-obsoletes
version: 1
data:
  modified: 2026-01-02T03:04Z
  module: ${module}
  stream: "${s}"
  message: "${module}:${s} is end of life"
  eol_date: 2026-06-01T00:00Z
...
`;

export const translations = (module: string, s = '1'): string => `---
document: modulemd-translations
version: 1
data:
  module: ${module}
  stream: "${s}"
  modified: 202601020304
  translations:
    de_DE:
      summary: Ein Modul
      description: Ein Modul für Tests
...
`;
