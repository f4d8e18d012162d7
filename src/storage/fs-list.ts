/**
 * Directory reads of the fs store: keys under a prefix in byte order, from directory reads and
 * one `stat` per file (key and time only: a listing never opens what it lists, blob-store.ts),
 * and the sweep of the temp directory (what interrupted writes left).
 */
import type { Stats } from 'node:fs';
import { readdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { ListItem } from './blob-store.js';
import { SUFFIX } from './fs-blob-file.js';

const errno = (err: unknown): string | undefined => (err as { code?: string } | null)?.code;

/**
 * Keys under `prefix`, in byte order, after `cursor`. Directory entries sort as `name/` and files
 * as `name`, which matches the byte order of full keys ('-' and '.' sort before '/').
 */
export async function* walkKeys(root: string, prefix: string, cursor: string | undefined): AsyncGenerator<ListItem> {
  const slash = prefix.lastIndexOf('/');
  const base = prefix.slice(0, slash + 1);
  yield* walkDir(root, base, prefix, cursor);
}

async function* walkDir(root: string, base: string, prefix: string, cursor: string | undefined): AsyncGenerator<ListItem> {
  const dir = path.join(root, ...base.split('/').filter(Boolean));
  let names: { name: string; isDir: boolean }[];
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    names = entries
      .filter((e) => !e.name.startsWith('.') && (e.isDirectory() || e.name.endsWith(SUFFIX)))
      .map((e) => ({ name: e.isDirectory() ? `${e.name}/` : e.name.slice(0, -SUFFIX.length), isDir: e.isDirectory() }));
  } catch (err) {
    if (errno(err) === 'ENOENT' || errno(err) === 'ENOTDIR') return;
    throw err;
  }
  names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const { name, isDir } of names) {
    const key = base + name;
    if (isDir) {
      if (!key.startsWith(prefix) && !prefix.startsWith(key)) continue;
      // Everything under `key` sorts before the cursor: skip the whole subtree.
      if (cursor !== undefined && cursor >= key && !cursor.startsWith(key)) continue;
      yield* walkDir(root, key, prefix, cursor);
      continue;
    }
    if (!key.startsWith(prefix) || (cursor !== undefined && key <= cursor)) continue;
    // A stat, not an open: size and ETag live inside the file (header), so a listing gives
    // key and time only (blob-store.ts) and never reads what it lists.
    let st: Stats;
    try {
      st = await stat(path.join(dir, name + SUFFIX));
    } catch (err) {
      if (errno(err) === 'ENOENT') continue; // deleted while listing
      throw err;
    }
    yield { key, lastModified: st.mtime };
  }
}

/** Deletes the files in `dir` (the temp directory) last written before `olderThan`; how many. */
export async function sweepTemp(dir: string, olderThan: Date): Promise<number> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if (errno(err) === 'ENOENT') return 0;
    throw err;
  }
  let removed = 0;
  for (const name of names) {
    const file = path.join(dir, name);
    try {
      if ((await stat(file)).mtime >= olderThan) continue;
      await unlink(file);
      removed++;
    } catch (err) {
      if (errno(err) !== 'ENOENT') throw err; // published or swept meanwhile
    }
  }
  return removed;
}
