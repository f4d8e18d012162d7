/** Dependency lists from name/flags/version tag triples (formats.md §1.5, §1.7). */
import type { Dependency, RpmPackage } from '../model.js';
import type { Header } from './header.js';
import { TAG } from './tags.js';

type DependencyField =
  | 'provides' | 'requires' | 'conflicts' | 'obsoletes'
  | 'recommends' | 'suggests' | 'supplements' | 'enhances'
  | 'oldSuggests' | 'oldEnhances';

const TRIPLES: readonly (readonly [DependencyField, number, number, number])[] = [
  ['provides', TAG.PROVIDENAME, TAG.PROVIDEFLAGS, TAG.PROVIDEVERSION],
  ['requires', TAG.REQUIRENAME, TAG.REQUIREFLAGS, TAG.REQUIREVERSION],
  ['conflicts', TAG.CONFLICTNAME, TAG.CONFLICTFLAGS, TAG.CONFLICTVERSION],
  ['obsoletes', TAG.OBSOLETENAME, TAG.OBSOLETEFLAGS, TAG.OBSOLETEVERSION],
  ['recommends', TAG.RECOMMENDNAME, TAG.RECOMMENDFLAGS, TAG.RECOMMENDVERSION],
  ['suggests', TAG.SUGGESTNAME, TAG.SUGGESTFLAGS, TAG.SUGGESTVERSION],
  ['supplements', TAG.SUPPLEMENTNAME, TAG.SUPPLEMENTFLAGS, TAG.SUPPLEMENTVERSION],
  ['enhances', TAG.ENHANCENAME, TAG.ENHANCEFLAGS, TAG.ENHANCEVERSION],
  ['oldSuggests', TAG.OLDSUGGESTSNAME, TAG.OLDSUGGESTSFLAGS, TAG.OLDSUGGESTSVERSION],
  ['oldEnhances', TAG.OLDENHANCESNAME, TAG.OLDENHANCESFLAGS, TAG.OLDENHANCESVERSION],
];

/**
 * Names drive the list; a missing or short flags/version array yields 0 / "" for the
 * entries it lacks (the names alone still say what is provided or required).
 */
function readDependencies(h: Header, nameTag: number, flagsTag: number, versionTag: number): Dependency[] {
  const names = h.stringArray(nameTag);
  if (names === null) return [];
  const flags = h.numberEntry(flagsTag);
  const versions = h.stringArray(versionTag) ?? [];
  const out = new Array<Dependency>(names.length);
  for (let i = 0; i < names.length; i++) {
    out[i] = { name: names[i] as string, flags: h.numberAt(flags, i, 0), version: versions[i] ?? '' };
  }
  return out;
}

export function readAllDependencies(h: Header): Pick<RpmPackage, DependencyField> {
  const out = {} as Pick<RpmPackage, DependencyField>;
  // indexed loops in the per-package path: Maglev's for-of and array destructuring allocate an
  // iterator result per step
  for (let t = 0; t < TRIPLES.length; t++) {
    const triple = TRIPLES[t]!;
    out[triple[0]] = readDependencies(h, triple[1], triple[2], triple[3]);
  }
  return out;
}
