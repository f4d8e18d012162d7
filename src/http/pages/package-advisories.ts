/**
 * The advisories that fix a package, for its page: those of the repo whose package list names
 * this exact name, epoch, version, release and arch (what dnf and tdnf match on). Read from the
 * repo's advisories document, which is bounded by the number of advisories a repo may hold.
 */
import { namesPackage, type Advisory } from '../../core/advisory/model.js';
import { readAdvisories } from '../../repo/advisories.js';
import type { IndexEntry } from '../../repo/index-entry.js';
import type { BlobStore } from '../../storage/blob-store.js';
import { clip, externalLink, h, join, type Html } from './html.js';

/** Most advisories listed on a package page (newest first). */
export const ADVISORIES_ON_PAGE = 50;

/** The repo's advisories naming the entry, newest (by issued date) first. */
export async function advisoriesFixing(store: BlobStore, tenant: string, repo: string, e: IndexEntry): Promise<Advisory[]> {
  const all = await readAdvisories(store, tenant, repo);
  return all.filter((a) => namesPackage(a, e)).sort((x, y) => (x.issued < y.issued ? 1 : x.issued > y.issued ? -1 : x.id.localeCompare(y.id)));
}

function referencesOf(a: Advisory, n: number, keep: number): Html {
  const refs = a.references.slice(0, keep).map((r) => r.id !== undefined && /^https?:\/\//i.test(r.href)
    ? h`<a href="${r.href}" rel="nofollow noopener noreferrer">${clip(r.id, n)}</a>`
    : r.id !== undefined ? h`${clip(r.id, n)}` : externalLink(clip(r.href, n)));
  return refs.length === 0 ? h`` : h`<br><span class="muted">References:</span> ${join(refs, ', ')}${a.references.length > keep ? h` …` : h``}`;
}

/** The "Fixed by advisories" section (nothing when none names the package). */
export function advisoriesSection(list: readonly Advisory[], shrink: number): Html {
  if (list.length === 0) return h``;
  const n = Math.max(32, Math.floor(400 / shrink));
  const keep = Math.max(1, Math.floor(ADVISORIES_ON_PAGE / shrink));
  const rows = list.slice(0, keep).map((a) => h`<tr><th scope="row" class="mono">${clip(a.id, n)}</th><td>${a.type}</td><td>${clip(a.severity ?? '', n)}</td>
<td>${clip(a.title, n)}${referencesOf(a, n, Math.max(1, Math.floor(10 / shrink)))}</td><td>${clip(a.updated ?? a.issued, 32)}</td></tr>`);
  return h`<section aria-labelledby="h-advisories"><h2 id="h-advisories">Advisories that fix it <span class="muted">(${list.length})</span></h2>
<table><caption>Advisories of this repository naming this exact package</caption>
<thead><tr><th scope="col">Id</th><th scope="col">Type</th><th scope="col">Severity</th><th scope="col">Title</th><th scope="col">Issued or updated (UTC)</th></tr></thead>
<tbody>${join(rows)}</tbody></table>${list.length > rows.length ? h`<p class="muted">${list.length - rows.length} more not shown.</p>` : h``}</section>`;
}
