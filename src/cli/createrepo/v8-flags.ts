/**
 * V8 settings for `berth createrepo`: a run of seconds to minutes over the same short functions,
 * allocating fast and keeping almost nothing (measured: docs/benchmarks.md). Set before any
 * package is read; reader threads share them. The benchmark's in-process memory run sets the
 * same.
 *
 * - No TurboFan: it costs more CPU than its code saves before the run ends; Maglev's code is as
 *   fast here.
 * - The young generation keeps its starting size: V8 otherwise doubles it each time the bytes
 *   that survived collections add up to its size, which a long run always reaches (a 64 MiB young
 *   generation at 50,000 packages), while nearly nothing per package survives a collection.
 * - The old generation is collected once it grows 25 % over what was live after the last full
 *   collection, instead of V8's adaptive factor (up to 4×): what dies there (batch results, zlib
 *   contexts and their native memory) is then freed before the heap has doubled; the peak RSS at
 *   50,000 packages dropped by a quarter, at no measurable CPU cost.
 */
import { setFlagsFromString } from 'node:v8';

export const CREATEREPO_V8_FLAGS = ['--no-turbofan', '--semi-space-growth-factor=1', '--heap-growing-percent=25'] as const;

let tuned = false;
let held = false;
let wanted = false;

/** Sets them once (the bundled entry sets them before reader threads start; the command again). */
export function tuneV8ForCreaterepo(): void {
  if (tuned) return;
  if (held) {
    wanted = true;
    return;
  }
  tuned = true;
  for (const flag of CREATEREPO_V8_FLAGS) setFlagsFromString(flag);
}

/**
 * Holds the settings back until releaseV8Tuning(): while a thread started before them may still
 * be loading Node's built-ins (io-prestart.ts), which it would otherwise compile from source (a
 * changed setting makes V8 reject the built-ins' code cache, docs/benchmarks.md).
 */
export function holdV8Tuning(): void {
  if (!tuned) held = true;
}

/** Applies the settings if tuneV8ForCreaterepo() was called while they were held. */
export function releaseV8Tuning(): void {
  if (!held) return;
  held = false;
  if (wanted) tuneV8ForCreaterepo();
}
