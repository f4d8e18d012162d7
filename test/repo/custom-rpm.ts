// Unsigned packages built in memory with chosen header strings (name, summary, description,
// file names), for repos that allow unsigned packages: what rpmbuild refuses to build (a name
// starting with '.') or what is tedious to write into a spec.
import { nodePlatform } from '../../src/adapters/node/platform.js';
import { toHex } from '../../src/core/platform.js';
import { header, i18n, i32, rpmFile, str, type Value } from '../core/rpm/build-rpm.js';

export interface CustomRpm {
  name: string;
  version?: string;
  summary?: string;
  description?: string;
  /** Extra main-header tags, e.g. file names. */
  tags?: Record<number, Value>;
}

export function customRpm(o: CustomRpm): Uint8Array<ArrayBuffer> {
  const version = o.version ?? '1.0';
  const main = header({
    1000: str(o.name), 1001: str(version), 1002: str('1'), 1004: i18n(o.summary ?? `custom ${o.name}`),
    1005: i18n(o.description ?? 'test package'), 1006: i32(1700000000), 1014: str('MIT'), 1022: str('noarch'),
    1044: str(`${o.name}-${version}-1.src.rpm`), 1124: str('cpio'), 1125: str('gzip'), ...o.tags,
  }, 63);
  const payload = new TextEncoder().encode(`payload of ${o.name}`);
  const h = nodePlatform.createHash('sha256');
  h.update(main);
  const sig = header({ 1000: i32(main.length + payload.length), 273: str(toHex(h.digest())) }, 62);
  return new Uint8Array(rpmFile({ sig, main, payload }));
}
