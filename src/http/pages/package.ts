/**
 * One package of a repo, `/{t}/{r}/-/packages/{sha256}`: identity (NEVRA, size, signer, when it
 * was added), its description, dependencies, files and changelog from its fragments, and a
 * download link, and the repo's advisories that fix it (package-advisories.ts). Long lists continue on
 * `/{t}/{r}/-/packages/{sha256}/{list}?page=N`. Private packages download through
 * `/{t}/{r}/-/download/{sha256}` (the session's access; dnf's own paths take no cookies).
 */
import type { Hono } from 'hono';
import { findInList, readHead } from '../../repo/index-store.js';
import type { IndexEntry } from '../../repo/index-entry.js';
import { nevraOf } from '../../repo/index-entry.js';
import { packageKey, readFragmentFile } from '../../repo/package-fragments.js';
import { packageBlobKey } from '../../storage/keys.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { ProblemError } from '../problem.js';
import { blobSource, serveSource } from '../serve-blob.js';
import { pageRoute, type PageCtx } from './context.js';
import { clip, externalLink, formatBytes, h, join, pathHref, time, type Html } from './html.js';
import { DEP_KINDS, dependencyText, emptyDetails, packageDetails, type DepKindName, type PackageDetails } from './package-details.js';
import { advisoriesFixing, advisoriesSection } from './package-advisories.js';
import { evrText } from './package-list.js';
import { readableRepo, repoCrumbs } from './repo-access.js';
import { spacedFingerprint } from './repo.js';

const SHA256 = /^[0-9a-f]{64}$/;
const LISTS = [...DEP_KINDS, 'files', 'changelog'] as const;
type ListName = (typeof LISTS)[number];
/** Items of each list on the package page; the list pages show this many per page. */
const ON_PAGE = 50;
const PER_LIST_PAGE = 500;

const missing = (what: string): ProblemError => new ProblemError(404, 'not_found', `${what} not found`);

/** The current index entry of the package with this sha256 in the repo, or null. */
export async function entryBySha(deps: AppDeps, tenant: string, repo: string, sha256: string): Promise<IndexEntry | null> {
  if (!SHA256.test(sha256)) return null;
  const key = await packageKey(deps.store, deps.platform, tenant, repo, sha256);
  if (!key) return null;
  const { head } = await readHead(deps.store, tenant, repo);
  const e = await findInList(deps.store, tenant, repo, head.list, key);
  return e?.sha256 === sha256 ? e : null;
}

async function located(p: PageCtx): Promise<{ tenant: string; repo: string; isPublic: boolean; entry: IndexEntry }> {
  const tenant = p.c.req.param('tenant') ?? '';
  const repo = p.c.req.param('repo') ?? '';
  const sha = (p.c.req.param('sha256') ?? '').toLowerCase();
  const config = await readableRepo(p, tenant, repo);
  const entry = await entryBySha(p.deps, tenant, repo, sha);
  if (!entry) throw missing(`package ${sha.slice(0, 64)} in ${tenant}/${repo}`);
  return { tenant, repo, isPublic: config.public, entry };
}

function downloadHref(tenant: string, repo: string, isPublic: boolean, e: IndexEntry): string {
  // a public repo's packages are plain files at their location; a private one's need the session
  return isPublic ? `/${tenant}/${repo}/${pathHref(e.location)}` : `/${tenant}/${repo}/-/download/${e.sha256}`;
}

async function detailsOf(deps: AppDeps, tenant: string, repo: string, e: IndexEntry, windows: Parameters<typeof packageDetails>[1]): Promise<PackageDetails | null> {
  const file = await readFragmentFile(deps.store, tenant, repo, e.sha256).catch(() => null);
  if (!file || file.sha256 !== e.sha256) return null;
  return packageDetails(file, windows);
}

function listLabel(name: ListName): string {
  return name === 'files' ? 'Files' : name === 'changelog' ? 'Changelog' : name[0]!.toUpperCase() + name.slice(1);
}

function listItems(d: PackageDetails, name: ListName, n: number): Html[] {
  if (name === 'files') return d.files.items.map((f) => h`<li><code>${clip(f.path, n)}</code>${f.type === 'file' ? h`` : h` <span class="muted">(${f.type})</span>`}</li>`);
  if (name === 'changelog') {
    return d.changelog.items.map((c) => h`<li><p><strong>${time(c.date)}</strong> ${clip(c.author, n)}</p><pre>${clip(c.text, n * 10)}</pre></li>`);
  }
  return d.deps[name].items.map((dep) => h`<li><code>${clip(dependencyText(dep), n)}</code>${dep.pre ? h` <span class="muted">(pre)</span>` : h``}</li>`);
}

function totalOf(d: PackageDetails, name: ListName): number {
  return name === 'files' ? d.files.total : name === 'changelog' ? d.changelog.total : d.deps[name as DepKindName].total;
}

export function packagePageRoutes(app: Hono<AppEnv>, deps: AppDeps): void {
  app.get('/:tenant/:repo/-/packages/:sha256', pageRoute(deps, async (p) => {
    const { tenant, repo, isPublic, entry: e } = await located(p);
    const windows = Object.fromEntries(LISTS.map((l) => [l, { skip: 0, keep: ON_PAGE }]));
    const details = await detailsOf(deps, tenant, repo, e, windows);
    const base = `/${tenant}/${repo}/-/packages/${e.sha256}`;
    const d = details ?? emptyDetails();
    const advisories = await advisoriesFixing(deps.store, tenant, repo, e);
    return p.renderFitted(nevraOf(e), (shrink) => {
      const n = Math.max(32, Math.floor(2000 / shrink));
      const keep = Math.max(1, Math.floor(ON_PAGE / shrink));
      const sections = LISTS.filter((l) => totalOf(d, l) > 0).map((l) => {
        const total = totalOf(d, l);
        const items = listItems(d, l, n).slice(0, keep);
        return h`<section aria-labelledby="h-${l}"><h2 id="h-${l}">${listLabel(l)} <span class="muted">(${total})</span></h2>
<ul>${join(items)}</ul>${total > items.length ? h`<p><a href="${base}/${l}">All ${total} ${l === 'changelog' ? 'entries' : l === 'files' ? 'files' : 'entries'}</a></p>` : h``}</section>`;
      });
      return h`<h1>${clip(e.name, n)}</h1>
${d.summary ? h`<p class="lead">${clip(d.summary, n)}</p>` : h``}
<p><a class="button" href="${downloadHref(tenant, repo, isPublic, e)}" download="${e.filename}">Download ${clip(e.filename, n)}</a></p>
<dl class="facts">
<dt>NEVRA</dt><dd class="mono">${clip(nevraOf(e), n)}</dd>
<dt>Version</dt><dd>${clip(evrText(e), n)}</dd>
<dt>Architecture</dt><dd>${clip(e.arch, n)}</dd>
<dt>Size</dt><dd>${formatBytes(e.size)} (${e.size} bytes)${d.installedSize ? h`, ${formatBytes(d.installedSize)} installed` : h``}</dd>
<dt>Signed by</dt><dd>${e.signer ? h`<span class="mono">${spacedFingerprint(e.signer.fingerprint)}</span> (${e.signer.algorithm})` : h`<span class="muted">not signed</span>`}</dd>
<dt>Added</dt><dd>${time(e.addedAt)}</dd>
${d.buildTime ? h`<dt>Built</dt><dd>${time(d.buildTime)}${d.buildHost ? h` on ${clip(d.buildHost, n)}` : h``}</dd>` : h``}
${d.license ? h`<dt>License</dt><dd>${clip(d.license, n)}</dd>` : h``}
${d.url ? h`<dt>Project</dt><dd>${externalLink(clip(d.url, n))}</dd>` : h``}
${d.vendor ? h`<dt>Vendor</dt><dd>${clip(d.vendor, n)}</dd>` : h``}
${d.packager ? h`<dt>Packager</dt><dd>${clip(d.packager, n)}</dd>` : h``}
${d.sourceRpm ? h`<dt>Source package</dt><dd>${clip(d.sourceRpm, n)}</dd>` : h``}
<dt>SHA-256</dt><dd class="mono">${e.sha256}</dd>
<dt>Location</dt><dd class="mono">${clip(e.location, n)}</dd>
</dl>
${advisoriesSection(advisories, shrink)}
${d.description ? h`<h2>Description</h2><pre>${clip(d.description, n * 4)}</pre>` : h``}
${details ? join(sections) : h`<p class="muted">Dependencies, files and changelog are not available for this package.</p>`}`;
    }, { crumbs: repoCrumbs(tenant, repo, { label: 'Packages', href: `/${tenant}/${repo}/-/packages` }, { label: e.name }) });
  }));

  app.get('/:tenant/:repo/-/packages/:sha256/:list', pageRoute(deps, async (p) => {
    const name = p.c.req.param('list') as ListName;
    if (!(LISTS as readonly string[]).includes(name)) throw missing(p.c.req.path);
    const { tenant, repo, entry: e } = await located(p);
    const pageNo = Math.max(1, Math.min(1_000_000, Number.parseInt(p.c.req.query('page') ?? '1', 10) || 1));
    const details = await detailsOf(deps, tenant, repo, e, { [name]: { skip: (pageNo - 1) * PER_LIST_PAGE, keep: PER_LIST_PAGE } });
    if (!details) throw missing(`${name} of ${e.name}`);
    const total = totalOf(details, name);
    const base = `/${tenant}/${repo}/-/packages/${e.sha256}/${name}`;
    return p.renderFitted(`${listLabel(name)} of ${nevraOf(e)}`, (shrink) => {
      const items = listItems(details, name, Math.max(32, Math.floor(1000 / shrink)));
      const shown = items.slice(0, Math.max(1, Math.floor(items.length / shrink)));
      const links: Html[] = [];
      if (pageNo > 1) links.push(h`<li><a href="${base}?page=${pageNo - 1}" rel="prev">Previous page</a></li>`);
      if (pageNo * PER_LIST_PAGE < total) links.push(h`<li><a href="${base}?page=${pageNo + 1}" rel="next">Next page</a></li>`);
      return h`<h1>${listLabel(name)} of ${clip(nevraOf(e), 200)}</h1>
<p>${total} in all; page ${pageNo}${shown.length < items.length ? ' (shortened to fit the page)' : ''}.</p>
<ul>${join(shown)}</ul>
${links.length > 0 ? h`<nav class="pager" aria-label="Pages"><ul>${join(links)}</ul></nav>` : h``}`;
    }, { crumbs: repoCrumbs(tenant, repo, { label: 'Packages', href: `/${tenant}/${repo}/-/packages` }, { label: e.name, href: `/${tenant}/${repo}/-/packages/${e.sha256}` }, { label: listLabel(name) }) });
  }));

  // a download is not a page: any Accept will do
  app.on(['GET', 'HEAD'], '/:tenant/:repo/-/download/:sha256', pageRoute(deps, { negotiate: false }, async (p) => {
    const { isPublic, entry: e } = await located(p);
    const src = await blobSource(deps.store, packageBlobKey(p.c.req.param('tenant') ?? '', e.sha256))();
    if (!src) throw missing(e.filename);
    return serveSource(p.c.req.raw, src, {
      contentType: 'application/x-rpm',
      cacheControl: `${isPublic ? 'public' : 'private'}, max-age=31536000, immutable`,
      headers: { 'content-disposition': `attachment; filename="${e.filename.replace(/["\\]/g, '_')}"`, 'x-content-type-options': 'nosniff' },
    });
  }));
}
