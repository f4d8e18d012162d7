/**
 * The sync target DIR: a plain repo (repodata/, packages at their location) plus
 * DIR/.berth-sync/ for our own bookkeeping — the lock, partial downloads, staged metadata,
 * the pinned server key and the state of the last complete sync. Nothing outside DIR is ever
 * written, and no location may step out of it.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { SyncError } from './errors.js';
import type { FileMembers } from '../core/repodata/members.js';
import type { Checksum, PrimaryPackage } from './metadata.js';

export const SYNC_DIR = '.berth-sync';

/** What the last complete sync left in DIR (written after the repomd.xml swap). */
export interface SyncState {
  version: 1;
  source: string;
  /** sha256 of the repomd.xml in place. */
  repomdSha256: string;
  /** `<revision>` of that repomd.xml, as shown in summaries. */
  revision: string | null;
  /**
   * Berth's own revision of that repomd.xml (its `Berth-Revision` header): the changes feed's
   * cursor. Null from other servers, and absent in states written before it existed.
   */
  cursor?: string | null;
  packages: PrimaryPackage[];
  metadata: string[];
  /**
   * Where the members of DIR's metadata files lie (from the source's member map), by repomd type:
   * the next run copies unchanged members from these files. Absent when the source had no map.
   */
  members?: Record<string, FileMembers>;
}

export async function hashFile(path: string, type: string): Promise<string> {
  const h = createHash(type);
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

export async function sizeOf(path: string): Promise<number | null> {
  try {
    const s = await stat(path);
    return s.isFile() ? s.size : null;
  } catch {
    return null;
  }
}

/** Writes via a temporary file and rename, so readers see the old or the new file whole. */
export async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}

export class Target {
  readonly dir: string;
  readonly meta: string;
  readonly partialDir: string;
  readonly stagingDir: string;
  #locked = false;

  constructor(dir: string) {
    this.dir = resolve(dir);
    this.meta = join(this.dir, SYNC_DIR);
    this.partialDir = join(this.meta, 'partial');
    this.stagingDir = join(this.meta, 'staging');
  }

  /**
   * Creates DIR if needed and takes the lock. A non-empty DIR that was never a sync target is
   * refused unless `force`: sync deletes what the repo does not reference.
   */
  async prepare(force: boolean): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const entries = await readdir(this.dir);
    if (entries.length > 0 && !entries.includes(SYNC_DIR) && !force) {
      throw new SyncError('sync.dir', `${this.dir} is not empty and was not made by berth sync (it deletes files the repo does not reference; use --force to adopt it)`);
    }
    await mkdir(this.meta, { recursive: true });
    const lock = join(this.meta, 'lock');
    for (let i = 0; i < 2; i++) {
      try {
        await writeFile(lock, String(process.pid), { flag: 'wx' });
        this.#locked = true;
        return;
      } catch (e) {
        if ((e as { code?: string }).code !== 'EEXIST') throw e;
        const pid = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
        if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
          throw new SyncError('sync.dir', `another berth sync (pid ${pid}) is working on ${this.dir}`);
        }
        await unlink(lock).catch(() => undefined); // left by a killed run
      }
    }
    throw new SyncError('sync.dir', `cannot take the lock ${lock}`);
  }

  async release(): Promise<void> {
    if (this.#locked) await unlink(join(this.meta, 'lock')).catch(() => undefined);
    this.#locked = false;
  }

  /** DIR/<rel> for a location from the metadata, refusing anything that would leave DIR or touch our own files. */
  path(rel: string): string {
    const parts = rel.split('/');
    if (rel === '' || rel.startsWith('/') || rel.includes('\\') || rel.includes('\0') ||
      parts.some((p) => p === '' || p === '.' || p === '..') || parts[0] === SYNC_DIR) {
      throw new SyncError('sync.unsafe-path', `refusing location ${JSON.stringify(rel)}: it must be a relative path inside the repo`);
    }
    const full = resolve(this.dir, rel);
    if (!full.startsWith(this.dir + sep)) throw new SyncError('sync.unsafe-path', `refusing location ${JSON.stringify(rel)}`);
    return full;
  }

  partial(rel: string): string {
    this.path(rel);
    return join(this.partialDir, rel);
  }

  staged(rel: string): string {
    this.path(rel);
    return join(this.stagingDir, rel);
  }

  async readState(): Promise<SyncState | null> {
    try {
      const s = JSON.parse(await readFile(join(this.meta, 'state.json'), 'utf8')) as SyncState;
      return s.version === 1 && Array.isArray(s.packages) ? s : null;
    } catch {
      return null;
    }
  }

  async writeState(state: SyncState): Promise<void> {
    await writeAtomic(join(this.meta, 'state.json'), JSON.stringify(state));
  }

  /** True when DIR/<rel> (or `path`) has exactly this size and checksum. */
  async holds(path: string, size: number | undefined, checksum: Checksum): Promise<boolean> {
    const have = await sizeOf(path);
    if (have === null || (size !== undefined && have !== size)) return false;
    return (await hashFile(path, checksum.type)) === checksum.value;
  }

  /** Moves a finished file into place (creating directories). */
  async install(from: string, rel: string): Promise<void> {
    const to = this.path(rel);
    await mkdir(dirname(to), { recursive: true });
    await rename(from, to);
  }

  /** Deletes every file under DIR (outside .berth-sync) not in `keep`, then empty directories. */
  async prune(keep: ReadonlySet<string>): Promise<number> {
    let deleted = 0;
    const walk = async (abs: string, rel: string): Promise<boolean> => {
      let empty = true;
      for (const e of await readdir(abs, { withFileTypes: true })) {
        const r = rel === '' ? e.name : `${rel}/${e.name}`;
        if (r === SYNC_DIR) {
          empty = false;
          continue;
        }
        const a = join(abs, e.name);
        if (e.isDirectory()) {
          if (await walk(a, r)) await rmdir(a).catch(() => undefined);
          else empty = false;
        } else if (keep.has(r)) {
          empty = false;
        } else {
          await unlink(a);
          deleted++;
        }
      }
      return empty;
    };
    await walk(this.dir, '');
    await rm(this.stagingDir, { recursive: true, force: true });
    await rm(this.partialDir, { recursive: true, force: true });
    return deleted;
  }
}
