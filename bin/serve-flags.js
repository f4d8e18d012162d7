// The V8 settings `berth serve` runs with, and which of them a start still lacks. bin/berth.js
// starts the server with them (docs/benchmarks.md, Scale, has the measurements):
//
// - `--max-semi-space-size=8`: V8's young generation may grow to two 8 MiB semi-spaces instead
//   of its default maximum (up to 64 MiB each, by the machine's memory), which V8 reaches
//   in any long-running process that allocates steadily, as a server regenerating metadata does.
// - `--heap-growing-percent=25`: a full collection runs once the old generation has grown by a
//   quarter over what was live after the last one, instead of V8's adaptive factor (up to 4×).
//   What a publish and a regeneration leave there (buffers that outlived a few young
//   collections, and the memory V8 keeps around them) is then freed before it piles up.
//
// Together, at 50,000 packages, the server's peak during a `push --jobs 4` went from 473 MiB to
// ~250 MiB, at the same publish → visible. V8 reads the young generation's size only when the
// process starts (`v8.setFlagsFromString` cannot change it later), hence the launcher.
//
// A setting given by the user (on the node command line or in NODE_OPTIONS, either spelling:
// `--max-semi-space-size` or `--max_semi_space_size`) is kept as given; the others are added.
//
// Plain JavaScript that any Node ≥ 18 can parse, like bin/berth.js.

export const SERVE_V8_FLAGS = ['--max-semi-space-size=8', '--heap-growing-percent=25'];

/** `--max_semi_space_size=8` → `--max-semi-space-size` (V8 accepts both spellings). */
function flagName(arg) {
  const name = arg.split('=')[0];
  return name.startsWith('--') ? `--${name.slice(2).replace(/_/g, '-')}` : name;
}

/**
 * The flags of SERVE_V8_FLAGS that a start of `berth <args>` should add: none unless the command
 * is `serve`, and none that `execArgv` (the node command line) or `nodeOptions` (NODE_OPTIONS)
 * already sets.
 */
export function serveFlagsToAdd(args, execArgv, nodeOptions) {
  if (args[0] !== 'serve') return [];
  const given = new Set([...execArgv, ...(nodeOptions ?? '').split(/\s+/)].filter(Boolean).map(flagName));
  return SERVE_V8_FLAGS.filter((flag) => !given.has(flagName(flag)));
}
