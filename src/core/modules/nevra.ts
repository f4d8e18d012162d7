/**
 * The NEVRA strings of a module's `artifacts.rpms`: `name-epoch:version-release.arch`, the epoch
 * mandatory (libmodulemd's rule). Read from the end, as names may hold dashes and releases dots.
 */
export interface Nevra {
  name: string;
  epoch: string;
  version: string;
  release: string;
  arch: string;
}

/** The parts of an artifact NEVRA, or null when it is not `name-epoch:version-release.arch`. */
export function parseNevra(s: string): Nevra | null {
  if (/[\s/]/.test(s)) return null;
  const dot = s.lastIndexOf('.');
  if (dot <= 0 || dot === s.length - 1) return null;
  const arch = s.slice(dot + 1);
  const nevr = s.slice(0, dot);
  const dash = nevr.lastIndexOf('-');
  if (dash <= 0 || dash === nevr.length - 1) return null;
  const release = nevr.slice(dash + 1);
  const nev = nevr.slice(0, dash);
  const colon = nev.lastIndexOf(':');
  if (colon <= 0 || colon === nev.length - 1) return null;
  const version = nev.slice(colon + 1);
  const ne = nev.slice(0, colon);
  const dash2 = ne.lastIndexOf('-');
  if (dash2 <= 0) return null;
  const name = ne.slice(0, dash2);
  const epoch = ne.slice(dash2 + 1);
  if (!/^\d+$/.test(epoch) || version.includes('-') || version.includes(':') || release.includes(':')) return null;
  return { name, epoch, version, release, arch };
}

/** The canonical string of a package's NEVRA as artifacts name it (epoch always present, no leading zeros). */
export function nevraKey(p: { name: string; epoch?: string | number | null; version: string; release: string; arch: string }): string {
  const epoch = p.epoch === undefined || p.epoch === null || p.epoch === '' ? '0' : String(p.epoch).replace(/^0+(?=\d)/, '');
  return `${p.name}-${epoch}:${p.version}-${p.release}.${p.arch}`;
}
