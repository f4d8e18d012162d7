/**
 * The package list of a repo, `/{t}/{r}/-/packages?q=NAME&after=LOCATION|before=LOCATION`: 100
 * packages a page in the index's own order (file name), optionally only names starting with
 * `q`. Pages are addressed by the location of the package they continue from, so each request
 * reads only the index segments its page covers (repo/index-browse.ts), never the whole index.
 */
import type { Hono } from 'hono';
import { browseIndex, type BrowsePage } from '../../repo/index-browse.js';
import { keyOfLocation, type IndexEntry } from '../../repo/index-entry.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { invalidRequest } from '../validate.js';
import { pageRoute } from './context.js';
import { clip, formatBytes, h, join, time, type Html } from './html.js';
import { readableRepo, repoCrumbs } from './repo-access.js';
import { searchForm } from './repo.js';

export const PACKAGES_PER_PAGE = 100;
const UNSAFE = /[^A-Za-z0-9._+~^-]/g;

/** A location from the query, as a page cursor. */
export function locationParam(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (value.length > 4096 || [...value].some((ch) => ch.charCodeAt(0) < 0x20)) throw invalidRequest('invalid page cursor');
  return value;
}

export function evrText(e: Pick<IndexEntry, 'epoch' | 'version' | 'release'>): string {
  return `${e.epoch ? `${e.epoch}:` : ''}${e.version}-${e.release}`;
}

export function packageHref(tenant: string, repo: string, e: Pick<IndexEntry, 'sha256'>): string {
  return `/${tenant}/${repo}/-/packages/${e.sha256}`;
}

function pager(base: string, q: string, page: BrowsePage): Html {
  const first = page.entries[0];
  const last = page.entries.at(-1);
  const qs = (k: string, v: string): string => `${base}?${new URLSearchParams({ ...(q ? { q } : {}), [k]: v }).toString()}`;
  const links: Html[] = [];
  if (page.earlier && first) links.push(h`<li><a href="${qs('before', first.location)}" rel="prev">Previous page</a></li>`);
  if (page.resumeAt) {
    links.push(h`<li><a href="${qs('after', page.resumeAt.location)}">Search further</a></li>`);
  } else if (page.more && last) {
    links.push(h`<li><a href="${qs('after', last.location)}" rel="next">Next page</a></li>`);
  }
  if (links.length === 0) return h``;
  return h`<nav class="pager" aria-label="Pages"><ul>${join(links)}</ul></nav>`;
}

export function packageListRoutes(app: Hono<AppEnv>, deps: AppDeps): void {
  app.get('/:tenant/:repo/-/packages', pageRoute(deps, async (p) => {
    const tenant = p.c.req.param('tenant') ?? '';
    const repo = p.c.req.param('repo') ?? '';
    await readableRepo(p, tenant, repo);
    const q = (p.c.req.query('q') ?? '').trim().slice(0, 200);
    const after = locationParam(p.c.req.query('after'));
    const before = locationParam(p.c.req.query('before'));
    const prefix = q.replace(UNSAFE, '_');
    const page = await browseIndex(deps.store, tenant, repo, {
      limit: PACKAGES_PER_PAGE,
      ...(q ? { ranges: [{ from: prefix, to: `${prefix}\uffff` }], keep: (e: IndexEntry) => e.name.startsWith(q) } : {}),
      ...(after ? { after: keyOfLocation(after) } : before ? { before: keyOfLocation(before) } : {}),
    });
    const base = `/${tenant}/${repo}/-/packages`;
    const heading = q ? h`Packages whose name starts with “${q}”` : h`Packages`;
    return p.renderFitted(q ? `Search ${tenant}/${repo}` : `Packages of ${tenant}/${repo}`, (shrink) => {
      const shown = page.entries.slice(0, Math.max(1, Math.ceil(page.entries.length / shrink)));
      const cut = { ...page, more: page.more || shown.length < page.entries.length, entries: shown };
      const n = Math.max(16, Math.floor(200 / shrink));
      const rows = shown.map((e) => h`<tr><td><a href="${packageHref(tenant, repo, e)}">${clip(e.name, n)}</a></td><td>${clip(evrText(e), n)}</td><td>${clip(e.arch, n)}</td><td class="num">${formatBytes(e.size)}</td><td>${time(e.addedAt)}</td></tr>`);
      const table = rows.length === 0
        ? h`<p>${q ? 'No package name starts with that.' : 'This repository has no packages yet.'}</p>`
        : h`<table><caption>${heading} (${page.count} in the repository)</caption><thead><tr><th scope="col">Name</th><th scope="col">Version</th><th scope="col">Arch</th><th scope="col" class="num">Size</th><th scope="col">Added</th></tr></thead><tbody>${join(rows)}</tbody></table>`;
      return h`<h1>${heading}</h1>${searchForm(tenant, repo, q)}${table}${pager(base, q, cut)}`;
    }, { crumbs: repoCrumbs(tenant, repo, { label: q ? 'Search' : 'Packages' }) });
  }));
}
