/** The package's file list (formats.md §1.6). */
import type { FileType, PackageFile } from '../model.js';
import type { Header } from './header.js';
import { TAG } from './tags.js';

const S_IFMT = 0xf000;
const S_IFDIR = 0x4000;
const RPMFILE_GHOST = 0x40;

export function readFiles(h: Header): PackageFile[] {
  const paths = filePaths(h);
  if (paths.length === 0) return [];
  const modes = h.numberArray(TAG.FILEMODES) ?? [];
  const flags = h.numberArray(TAG.FILEFLAGS) ?? [];
  const out = new Array<PackageFile>(paths.length);
  for (let i = 0; i < paths.length; i++) {
    // A %ghost directory is still reported as a directory, as createrepo_c does.
    let type: FileType = 'file';
    if (((modes[i] ?? 0) & S_IFMT) === S_IFDIR) type = 'dir';
    else if (((flags[i] ?? 0) & RPMFILE_GHOST) !== 0) type = 'ghost';
    out[i] = { path: paths[i] as string, type };
  }
  return out;
}

function filePaths(h: Header): string[] {
  const basenames = h.stringArray(TAG.BASENAMES);
  if (basenames === null) return h.stringArray(TAG.OLDFILENAMES) ?? [];
  const dirnames = h.stringArray(TAG.DIRNAMES) ?? [];
  const dirindexes = h.numberArray(TAG.DIRINDEXES) ?? [];
  const out = new Array<string>(basenames.length);
  for (let i = 0; i < basenames.length; i++) {
    // An out-of-range index gives the bare basename, as createrepo_c emits.
    const dir = dirnames[dirindexes[i] ?? -1] ?? '';
    out[i] = dir + (basenames[i] as string);
  }
  return out;
}
