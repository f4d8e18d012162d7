/** The package's file list (formats.md §1.6). */
import type { FileType, PackageFile } from '../model.js';
import type { Header } from './header.js';
import { decodeValidStringArray } from './strings.js';
import { TAG } from './tags.js';

const S_IFMT = 0xf000;
const S_IFDIR = 0x4000;
const RPMFILE_GHOST = 0x40;

export function readFiles(h: Header): PackageFile[] {
  const paths = filePaths(h);
  if (paths.length === 0) return [];
  // read element by element: no arrays of the numbers
  const modes = h.numberEntry(TAG.FILEMODES);
  const flags = h.numberEntry(TAG.FILEFLAGS);
  const out = new Array<PackageFile>(paths.length);
  for (let i = 0; i < paths.length; i++) {
    // A %ghost directory is still reported as a directory, as createrepo_c does.
    let type: FileType = 'file';
    if ((h.numberAt(modes, i, 0) & S_IFMT) === S_IFDIR) type = 'dir';
    else if ((h.numberAt(flags, i, 0) & RPMFILE_GHOST) !== 0) type = 'ghost';
    out[i] = { path: paths[i] as string, type };
  }
  return out;
}

function filePaths(h: Header): string[] {
  const joined = joinedPaths(h);
  if (joined !== null) return joined;
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

/** Where the paths are joined as bytes (reused; grows to the largest file list). */
let scratch = new Uint8Array(16 * 1024);
/** Dirname k is dirs[dirStart[k], dirEnd[k]) (reused, emptied after a package with many). */
const dirStart: number[] = [];
const dirEnd: number[] = [];

/**
 * Every path as dirname + basename joined as bytes and decoded at once, so each path is one flat
 * string (not two decoded halves joined, which V8 copies again on first use). Null, for
 * `filePaths` to do it part by part, when that could decode differently (a dirname ending in a
 * non-ASCII byte, or any invalid UTF-8: those parts are re-encoded one by one), or when the
 * joined paths would be far larger than the header.
 */
function joinedPaths(h: Header): string[] | null {
  const base = h.rawStrings(TAG.BASENAMES);
  if (base === null) return null;
  const dirs = h.rawStrings(TAG.DIRNAMES);
  const dirindexes = h.numberEntry(TAG.DIRINDEXES);
  let dirCount = 0;
  // a huge directory list of an earlier package is not kept
  if (dirStart.length > 4096) dirStart.length = dirEnd.length = 0;
  if (dirs !== null) {
    let s = 0;
    for (let i = 0; i < dirs.length; i++) {
      if (dirs[i] !== 0) continue;
      // a character could straddle the join: decode part by part
      if (i > s && dirs[i - 1]! >= 0x80) return null;
      dirStart[dirCount] = s;
      dirEnd[dirCount++] = i;
      s = i + 1;
    }
  }
  let count = 0;
  let size = base.length;
  for (let i = 0; i < base.length; i++) {
    if (base[i] !== 0) continue;
    const k = h.numberAt(dirindexes, count++, -1);
    if (k >= 0 && k < dirCount) size += dirEnd[k]! - dirStart[k]!;
  }
  if (count === 0 || size > 4 * (base.length + (dirs?.length ?? 0)) + 64 * 1024) return null;
  if (scratch.length < size) scratch = new Uint8Array(Math.max(size, scratch.length * 2));
  const out = scratch;
  let at = 0;
  let b = 0;
  for (let f = 0; f < count; f++) {
    const k = h.numberAt(dirindexes, f, -1);
    if (k >= 0 && k < dirCount) {
      for (let i = dirStart[k]!, end = dirEnd[k]!; i < end; i++) out[at++] = dirs![i]!;
    }
    for (let c = base[b++]!; c !== 0; c = base[b++]!) out[at++] = c;
    out[at++] = 0;
  }
  return decodeValidStringArray(out.subarray(0, at - 1), count);
}
