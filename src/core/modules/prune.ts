/**
 * modules.yaml pruned to the packages a filtered mirror keeps (docs/mirror.md, Modules of a
 * filtered mirror). dnf hides every non-modular package that shares a name with an artifact of
 * an enabled module stream, so a stream served without some of its packages makes those names
 * uninstallable, and a modular package served without its stream shows up as an ordinary one.
 * Hence, all or nothing per stream:
 * - a module stream document stays when every artifact that counts (upstream holds it, and the
 *   mirror's arch list admits its arch) is kept; otherwise it goes, and so do the packages that
 *   only streams that go name as artifacts (`orphaned`: the caller does not mirror them);
 * - defaults, obsoletes and translations stay when a stream of their module stays;
 * - kept documents are written back as they were (their own text), in their order.
 */
import type { ModuleDocument, StreamDocument } from './documents.js';
import type { Nevra } from './nevra.js';

export interface PruneOptions {
  /** Whether the mirror keeps the package with this NEVRA (canonical, `nevraKey`). */
  kept(key: string): boolean;
  /** Whether the artifact counts: upstream holds it and the filters' arch list admits it. */
  considered(key: string, nevra: Nevra): boolean;
}

export interface PrunedModules {
  /** The pruned modules.yaml, or null when no module stream is left. */
  text: string | null;
  /** The module stream documents kept, and those dropped. */
  kept: StreamDocument[];
  dropped: StreamDocument[];
  /** NEVRAs that only dropped streams name as artifacts. */
  orphaned: Set<string>;
}

/** `name:stream:version:context:arch` of a module stream. */
export const nsvca = (s: StreamDocument): string => `${s.name}:${s.stream}:${s.version}:${s.context}:${s.arch}`;

export function pruneModules(docs: readonly ModuleDocument[], opts: PruneOptions): PrunedModules {
  const streams = docs.filter((d): d is StreamDocument => d.kind === 'modulemd');
  const keep = new Set(streams.filter((s) => s.artifacts.every((a) => !opts.considered(a.key, a.nevra) || opts.kept(a.key))));
  const names = new Set([...keep].map((s) => s.name));
  const held = new Set([...keep].flatMap((s) => s.artifacts.map((a) => a.key)));
  const orphaned = new Set<string>();
  for (const s of streams) if (!keep.has(s)) for (const a of s.artifacts) if (!held.has(a.key)) orphaned.add(a.key);
  const out = docs.filter((d) => (d.kind === 'modulemd' ? keep.has(d) : names.has(d.module)));
  let text: string | null = null;
  if (keep.size > 0) {
    text = out.map((d) => d.text).join('');
    if (!/(?:^|\n)\.\.\.[ \t]*\n$/.test(text)) text += '...\n';
  }
  return { text, kept: [...keep], dropped: streams.filter((s) => !keep.has(s)), orphaned };
}
