// createrepo --update reads the old metadata through the one repodata reader: unchanged packages
// are reused verbatim (the output is byte-identical to a fresh run), and every old metadata file
// it opened is closed when the pass ends — also when the walk stops early, long before the end of
// big old files — counted by this process's open file descriptors, not left to garbage collection.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { nodePlatform } from '../../src/adapters/node/platform.js';
import { oldPackages } from '../../src/cli/createrepo/old-metadata.js';
import { metadataText } from '../../src/core/repodata/read/metadata-text.js';
import { createrepo } from '../../src/cli/createrepo/run.js';
import { syntheticRpm } from '../repo/support.js';

const openFds = (): number => readdirSync('/proc/self/fd').length;
const NAMES = ['a', 'b', 'c'];

/** Appends `extra` fake packages (sorted after every real one) to each old metadata file, in place. */
async function padOldMetadata(root: string, codec: 'gz' | 'zstd', extra: number): Promise<void> {
  const dir = join(root, 'repodata');
  for (const file of readdirSync(dir).filter((f) => /-(primary|filelists|other)\.xml\./.test(f))) {
    const kind = /-(primary|filelists|other)\./.exec(file)![1]!;
    let text = '';
    for await (const t of metadataText(new Blob([readFileSync(join(dir, file))]).stream(), file, nodePlatform)) text += t;
    const fakes = Array.from({ length: extra }, (_, i) => {
      const id = randomBytes(32).toString('hex'); // incompressible: the files get big
      return kind === 'primary'
        ? `<package type="rpm"><name>zz${i}</name><arch>noarch</arch><version epoch="0" ver="1" rel="1"/><checksum type="sha256" pkgid="YES">${id}</checksum><time file="1" build="1"/><size package="1"/><location href="zz${i}-1-1.noarch.rpm"/></package>\n`
        : `<package pkgid="${id}" name="zz${i}" arch="noarch"><version epoch="0" ver="1" rel="1"/></package>\n`;
    }).join('');
    const end = text.lastIndexOf('</');
    expect(end).toBeGreaterThan(0);
    const padded = Buffer.from(`${text.slice(0, end)}${fakes}${text.slice(end)}`);
    writeFileSync(join(dir, file), codec === 'gz' ? gzipSync(padded) : zstdCompressSync(padded));
  }
}

describe.each(['gz', 'zstd'] as const)('createrepo --update (%s)', (codec) => {
  it('reuses unchanged packages, matches a fresh run, and leaves no old metadata file open', async () => {
    const root = mkdtempSync(join(tmpdir(), `berth-update-${codec}-`));
    const fresh = mkdtempSync(join(tmpdir(), `berth-fresh-${codec}-`));
    try {
      for (const n of NAMES) writeFileSync(join(root, `${n}-1.0-1.noarch.rpm`), syntheticRpm(n));
      const opts = { codec, changelogLimit: 10, update: true, revision: '7' };
      await createrepo(root, nodePlatform, opts);
      await padOldMetadata(root, codec, 30_000);

      // the reader holds files open while a walk is in progress, and closes them when it ends early
      const idle = openFds();
      const walk = oldPackages(root, nodePlatform);
      expect((await walk.next()).value).toMatchObject({ href: 'a-1.0-1.noarch.rpm' });
      expect(openFds()).toBeGreaterThan(idle);
      await walk.return(undefined);
      expect(openFds()).toBe(idle);

      // createrepo's pass stops after c, far from the end of the padded files: nothing stays open
      const updated = await createrepo(root, nodePlatform, opts);
      expect(updated).toMatchObject({ packages: 3, reused: 3 });
      expect(openFds()).toBe(idle);

      for (const n of NAMES) {
        const from = join(root, `${n}-1.0-1.noarch.rpm`);
        const to = join(fresh, `${n}-1.0-1.noarch.rpm`);
        writeFileSync(to, readFileSync(from));
        utimesSync(to, statSync(from).atime, statSync(from).mtime); // <time file> is the mtime
      }
      await createrepo(fresh, nodePlatform, { ...opts, update: false });
      const repodata = (dir: string) => Object.fromEntries(readdirSync(join(dir, 'repodata')).sort().map((f) => [f, readFileSync(join(dir, 'repodata', f)).toString('base64')]));
      expect(repodata(root)).toEqual(repodata(fresh));
    } finally {
      rmSync(root, { recursive: true, force: true });
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});
