/**
 * What `berth createrepo` keeps of the old repodata/, as createrepo_c 0.17 does by default: every
 * entry (file or directory: comps.xml, notes, a signature, …) is carried into the new
 * repodata/ except repomd.xml and the files the old repomd.xml lists without an `xml:base` — the
 * metadata this run replaces. A name the new run wrote itself is never overwritten. When the old
 * repomd.xml cannot be read, only repomd.xml is left behind (createrepo_c does the same, with a
 * warning). Synchronous file calls: a few small files, read while repomd.xml is flushed to disk.
 */
import { cpSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** An old repomd.xml larger than this is not read (Berth and createrepo_c write a few KiB). */
export const OLD_REPOMD_LIMIT = 4 * 1024 * 1024;

export interface CarriedOver {
  /** Names carried into the new repodata/, sorted. */
  kept: string[];
  /** Set when the old repomd.xml could not be read (so nothing was recognised as replaced). */
  unreadable?: string;
}

/** Copies the entries of `root/repodata/` to keep into `work` (the new repodata/, not yet live). */
export async function carryOver(root: string, work: string): Promise<CarriedOver> {
  const live = join(root, 'repodata');
  let names: string[];
  try {
    names = readdirSync(live);
  } catch {
    return { kept: [] };
  }
  const replaced = new Set(['repomd.xml']);
  const listed = await listedFiles(join(live, 'repomd.xml'), join(work, 'repomd.xml'));
  if ('files' in listed) for (const f of listed.files) replaced.add(f);
  const written = new Set(readdirSync(work));
  const kept: string[] = [];
  for (const name of names.sort()) {
    if (replaced.has(name) || written.has(name)) continue;
    // a copy, not a move: the live repodata/ stays whole until the swap
    cpSync(join(live, name), join(work, name), { recursive: true, preserveTimestamps: true, errorOnExist: false, force: false });
    kept.push(name);
  }
  return 'files' in listed ? { kept } : { kept, unreadable: listed.error };
}

/**
 * Base names of the files repomd.xml lists in this directory (records with xml:base point
 * elsewhere). When it is byte for byte the repomd.xml this run wrote (`ours`: a run over
 * unchanged packages), every file it lists is one this run wrote too, so none is carried over
 * either way, and it is not parsed (the XML reader's first use costs ~7 ms of CPU).
 */
async function listedFiles(path: string, ours: string): Promise<{ files: string[] } | { error: string }> {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return { files: [] };
  }
  if (size > OLD_REPOMD_LIMIT) return { error: `larger than ${OLD_REPOMD_LIMIT} bytes` };
  const mine = readFileSync(ours);
  try {
    const old = readFileSync(path);
    if (old.equals(mine)) return { files: [] };
    // loaded only when there is an old repomd.xml: an XML parser is costly to start
    const { readRepomd } = await import('../../core/repodata/read/repomd.js');
    const records = readRepomd(old.toString('utf8')).entries;
    return { files: records.filter((r) => r.base === null).map((r) => r.href.slice(r.href.lastIndexOf('/') + 1)) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}
