/**
 * Directory listings of a repo's `Packages/` tree, like a static mirror's autoindex:
 * `/{t}/{r}/Packages/` lists the letter directories, `/{t}/{r}/Packages/{l}/` the packages in
 * one (Berth places a package at `Packages/<first letter of its file name, lower case>/`), 200 a
 * page. A letter's packages are two runs of the index's file-name order (upper and lower case),
 * so a page reads only the segments it shows (repo/index-browse.ts). dnf never asks for these
 * paths (they end in `/`); its own files keep their paths.
 */
import type { Hono } from 'hono';
import { browseIndex, firstCharacters, type BrowseRange } from '../../repo/index-browse.js';
import { keyOfLocation, type IndexEntry } from '../../repo/index-entry.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { ProblemError } from '../problem.js';
import { pageRoute } from './context.js';
import { clip, h, join, pathHref, time, type Html } from './html.js';
import { locationParam } from './package-list.js';
import { readableRepo, repoCrumbs } from './repo-access.js';

const PER_PAGE = 200;
const DIR = /^[a-z0-9._+~^-]$/;

function rangesOf(dir: string): BrowseRange[] {
  const next = (c: string): string => String.fromCharCode(c.charCodeAt(0) + 1);
  const upper = dir.toUpperCase();
  return upper === dir ? [{ from: dir, to: next(dir) }] : [{ from: upper, to: next(upper) }, { from: dir, to: next(dir) }];
}

function fileHref(tenant: string, repo: string, isPublic: boolean, e: IndexEntry): string {
  return isPublic ? `/${tenant}/${repo}/${pathHref(e.location)}` : `/${tenant}/${repo}/-/download/${e.sha256}`;
}

export function autoindexRoutes(app: Hono<AppEnv>, deps: AppDeps): void {
  app.get('/:tenant/:repo/Packages/', pageRoute(deps, async (p) => {
    const tenant = p.c.req.param('tenant') ?? '';
    const repo = p.c.req.param('repo') ?? '';
    await readableRepo(p, tenant, repo);
    const dirs = [...new Set((await firstCharacters(deps.store, tenant, repo)).map((c) => c.toLowerCase()).filter((c) => DIR.test(c)))];
    const rows = dirs.map((d) => h`<tr><td><a href="${encodeURIComponent(d)}/">${d}/</a></td></tr>`);
    return p.render(`Index of /${tenant}/${repo}/Packages/`, h`<h1>Index of /${tenant}/${repo}/Packages/</h1>
<table><caption>Directories</caption><thead><tr><th scope="col">Name</th></tr></thead>
<tbody><tr><td><a href="../">../</a></td></tr>${join(rows)}</tbody></table>`, { crumbs: repoCrumbs(tenant, repo, { label: 'Packages/' }) });
  }));

  app.get('/:tenant/:repo/Packages/:dir/', pageRoute(deps, async (p) => {
    const tenant = p.c.req.param('tenant') ?? '';
    const repo = p.c.req.param('repo') ?? '';
    const dir = p.c.req.param('dir') ?? '';
    const config = await readableRepo(p, tenant, repo);
    if (!DIR.test(dir)) throw new ProblemError(404, 'not_found', `${tenant}/${repo}/Packages/${clip(dir, 40)}/ not found`);
    const after = locationParam(p.c.req.query('after'));
    const page = await browseIndex(deps.store, tenant, repo, {
      ranges: rangesOf(dir), keep: (e) => e.location === `Packages/${dir}/${e.filename}`, limit: PER_PAGE, maxSegments: 16,
      ...(after ? { after: keyOfLocation(after) } : {}),
    });
    if (page.entries.length === 0 && !after && !page.resumeAt) throw new ProblemError(404, 'not_found', `${tenant}/${repo}/Packages/${dir}/ not found`);
    const title = `Index of /${tenant}/${repo}/Packages/${dir}/`;
    return p.renderFitted(title, (shrink) => {
      const shown = page.entries.slice(0, Math.max(1, Math.ceil(page.entries.length / shrink)));
      const n = Math.max(24, Math.floor(240 / shrink));
      const rows = shown.map((e) => h`<tr><td><a href="${fileHref(tenant, repo, config.public, e)}">${clip(e.filename, n)}</a></td><td>${time(e.addedAt)}</td><td class="num">${e.size}</td></tr>`);
      const last = shown.at(-1);
      const resume = page.resumeAt && shown.length === page.entries.length ? page.resumeAt : (page.more || shown.length < page.entries.length) && last ? keyOfLocation(last.location) : undefined;
      const more: Html = resume ? h`<nav class="pager" aria-label="Pages"><ul><li><a href="?after=${encodeURIComponent(resume.location)}" rel="next">Next page</a></li></ul></nav>` : h``;
      return h`<h1>${title}</h1>
<table><caption>Packages</caption><thead><tr><th scope="col">Name</th><th scope="col">Added</th><th scope="col" class="num">Size (bytes)</th></tr></thead>
<tbody><tr><td><a href="../">../</a></td><td></td><td></td></tr>${join(rows)}</tbody></table>${more}`;
    }, { crumbs: repoCrumbs(tenant, repo, { label: 'Packages/', href: `/${tenant}/${repo}/Packages/` }, { label: `${dir}/` }) });
  }));
}
