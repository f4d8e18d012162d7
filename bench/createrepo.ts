/**
 * berth createrepo vs createrepo_c on the same directory, in one run.
 *
 *   npm run bench:createrepo -- [N ...] [--runs R] [--workers W]
 *
 * Generates N synthetic packages per size (cached under bench/.work/), builds the CLI (dist/),
 * then alternates createrepo_c --no-database and berth createrepo on that directory R times
 * each, printing median wall time, peak RSS and the ratio berth / createrepo_c.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { synthRepo } from './lib/synth-repo.js';
import { hasGnuTime, measure, median } from './lib/measure.js';

const root = join(import.meta.dirname, '..');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { runs: { type: 'string', default: '3' }, workers: { type: 'string' } },
});
const sizes = positionals.length ? positionals.map(Number) : [4000];
const runs = Number(values.runs);

if (!hasGnuTime()) throw new Error('needs /usr/bin/time (Debian package "time")');
if (spawnSync('createrepo_c', ['--version']).status !== 0) throw new Error('needs createrepo_c (Debian package "createrepo-c")');
const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) throw new Error('npm run build failed');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');

console.log(`node ${process.version}, createrepo_c ${spawnSync('createrepo_c', ['--version'], { encoding: 'utf8' }).stdout.trim()}`);
console.log('| packages | createrepo_c s | berth s | ratio | createrepo_c RSS MiB | berth RSS MiB |');
console.log('|---:|---:|---:|---:|---:|---:|');
for (const n of sizes) {
  const dir = join(root, 'bench', '.work', `synth-${n}`);
  if (!existsSync(join(dir, 'Packages'))) await synthRepo(dir, n);
  const c: number[] = [], b: number[] = [], cr: number[] = [], br: number[] = [];
  for (let r = 0; r < runs; r++) {
    await rm(join(dir, 'repodata'), { recursive: true, force: true });
    const m1 = measure('createrepo_c', ['--no-database', '-q', dir]);
    await rm(join(dir, 'repodata'), { recursive: true, force: true });
    const args = [cli, 'createrepo', '-q', ...(values.workers ? ['--workers', values.workers] : []), dir];
    const m2 = measure(process.execPath, args);
    c.push(m1.seconds); cr.push(m1.maxRssKiB); b.push(m2.seconds); br.push(m2.maxRssKiB);
  }
  const [mc, mb] = [median(c), median(b)];
  console.log(
    `| ${n} | ${mc.toFixed(2)} | ${mb.toFixed(2)} | ${(mb / mc).toFixed(2)}× | ${(median(cr) / 1024).toFixed(0)} | ${(median(br) / 1024).toFixed(0)} |`,
  );
}
