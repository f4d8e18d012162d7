/**
 * The start page `/` and a tenant's repo index `/{tenant}/`.
 *
 * Who sees what, with the API's rules (src/auth/principal.ts): public repos are listed to
 * everyone from their markers (repo/public-repos.ts); a tenant's members (and the operator) see
 * its repos their token may read. Anyone else asking for a tenant gets its public repos only —
 * and for a tenant with none, the same 404 a missing tenant gets, after the same one listing.
 */
import type { Hono } from 'hono';
import { hasScope, type Principal } from '../../auth/principal.js';
import { listPublicRepos } from '../../repo/public-repos.js';
import { listRepos } from '../../repo/repos.js';
import { getTenant } from '../../repo/tenants.js';
import { isValidName } from '../../storage/keys.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { notFound } from '../errors.js';
import { invalidRequest } from '../validate.js';
import { pageRoute } from './context.js';
import { h, join, time, type Html } from './html.js';

const PAGE = 100;

/** A store cursor from the query (opaque; bounded so it cannot be abused as a payload). */
export function cursorParam(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (value.length > 1024 || [...value].some((ch) => ch.charCodeAt(0) < 0x20)) throw invalidRequest('invalid page cursor');
  return value;
}

function isMember(principal: Principal, tenant: string): boolean {
  return principal.kind === 'operator' || (principal.kind === 'token' && principal.tenant === tenant && hasScope(principal.scopes, 'read'));
}

function canAudit(principal: Principal, tenant: string): boolean {
  return principal.kind === 'operator' || (principal.kind === 'token' && principal.tenant === tenant && principal.repos === null && hasScope(principal.scopes, 'admin'));
}

function pager(next: string | undefined, param: string, base: string): Html {
  if (next === undefined) return h``;
  return h`<nav class="pager" aria-label="More"><ul><li><a href="${base}?${param}=${encodeURIComponent(next)}">Next page</a></li></ul></nav>`;
}

function visibility(isPublic: boolean): Html {
  return isPublic ? h`<span class="badge public">public</span>` : h`<span class="badge private">private</span>`;
}

export function homeRoutes(app: Hono<AppEnv>, deps: AppDeps): void {
  app.get('/', pageRoute(deps, async (p) => {
    const { principal } = p;
    const after = cursorParam(p.c.req.query('after'));
    const page = await listPublicRepos(deps.store, { limit: PAGE, ...(after ? { cursor: after } : {}) });
    const rows = page.repos.map((r) => h`<tr><td><a href="/${r.tenant}/${r.name}/">${r.tenant}/${r.name}</a></td><td>${time(r.createdAt)}</td></tr>`);
    const publicList = rows.length === 0
      ? h`<p class="muted">No public repositories${after ? ' on this page' : ''}.</p>`
      : h`<table aria-labelledby="public-repos"><thead><tr><th scope="col">Repository</th><th scope="col">Created</th></tr></thead><tbody>${join(rows)}</tbody></table>${pager(page.next, 'after', '/')}`;
    let mine = h``;
    if (principal.kind === 'token') {
      mine = h`<h2>Your repositories</h2><p><a href="/${principal.tenant}/">Repositories of ${principal.tenant}</a> that your token may read.</p>`;
    } else if (principal.kind === 'operator') {
      const tAfter = cursorParam(p.c.req.query('tenants_after'));
      const listed = await deps.store.list('tenants/', { limit: PAGE, ...(tAfter ? { cursor: tAfter } : {}) });
      const names = listed.items.map((i) => /^tenants\/([a-z0-9-]+)\.json$/.exec(i.key)?.[1]).filter((n): n is string => n !== undefined);
      mine = h`<h2>Tenants</h2>${names.length === 0 ? h`<p class="muted">No tenants yet.</p>` : h`<ul>${join(names.map((n) => h`<li><a href="/${n}/">${n}</a></li>`))}</ul>`}${pager(listed.cursor, 'tenants_after', '/')}`;
    }
    const login = principal.kind === 'anonymous'
      ? h`<h2>Private repositories</h2><p><a href="/-/login">Log in</a> with an API token to see the private repositories it may read. The token stays on this server: your browser keeps only a session cookie, and logging out ends the session.</p>`
      : h``;
    return p.render('RPM repositories', h`<h1>RPM repositories</h1>
<p class="lead">This is a Berth server: it hosts signed RPM repositories for dnf and tdnf. Browse a repository to find packages, their advisories and the <code>.repo</code> file that configures a client.</p>
${mine}
<h2 id="public-repos">Public repositories</h2>
${publicList}
${login}
<h2>For scripts and clients</h2>
<ul>
<li>The JSON API is described in <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>; the <code>berth</code> command line uses it.</li>
<li>dnf and tdnf read <code>/&lt;tenant&gt;/&lt;repo&gt;/repodata/repomd.xml</code>; each repository's page shows its <code>.repo</code> file.</li>
</ul>`);
  }));

  app.get('/:tenant/', pageRoute(deps, async (p) => {
    const tenant = p.c.req.param('tenant') ?? '';
    if (!isValidName(tenant)) throw notFound(tenant);
    const { principal } = p;
    const crumbs = [{ label: 'Berth', href: '/' }, { label: tenant }];
    if (isMember(principal, tenant)) {
      if (!(await getTenant(deps.store, tenant))) throw notFound(tenant);
      const repos = (await listRepos(deps.store, tenant)).filter((r) =>
        r.public || principal.kind !== 'token' || principal.repos === null || principal.repos.includes(r.name));
      const rows = repos.map((r) => h`<tr><td><a href="/${tenant}/${r.name}/">${r.name}</a></td><td>${visibility(r.public)}</td><td>${time(r.createdAt)}</td></tr>`);
      const audit = canAudit(principal, tenant) ? h`<p><a href="/${tenant}/-/audit">Audit log</a> of this tenant.</p>` : h``;
      return p.render(`Repositories of ${tenant}`, h`<h1>Repositories of ${tenant}</h1>
${repos.length === 0 ? h`<p class="muted">No repositories yet (<code>berth repo create ${tenant}/NAME</code>).</p>` : h`<table><caption>Repositories you may read</caption><thead><tr><th scope="col">Repository</th><th scope="col">Visibility</th><th scope="col">Created</th></tr></thead><tbody>${join(rows)}</tbody></table>`}
${audit}`, { crumbs });
    }
    const after = cursorParam(p.c.req.query('after'));
    const page = await listPublicRepos(deps.store, { tenant, limit: PAGE, ...(after ? { cursor: after } : {}) });
    if (page.repos.length === 0 && after === undefined) throw notFound(tenant);
    const rows = page.repos.map((r) => h`<tr><td><a href="/${tenant}/${r.name}/">${r.name}</a></td><td>${visibility(true)}</td><td>${time(r.createdAt)}</td></tr>`);
    return p.render(`Public repositories of ${tenant}`, h`<h1>Public repositories of ${tenant}</h1>
<table><caption>Public repositories</caption><thead><tr><th scope="col">Repository</th><th scope="col">Visibility</th><th scope="col">Created</th></tr></thead><tbody>${join(rows)}</tbody></table>
${pager(page.next, 'after', `/${tenant}/`)}
${principal.kind === 'anonymous' ? h`<p><a href="/-/login?next=${encodeURIComponent(`/${tenant}/`)}">Log in</a> to see private repositories.</p>` : h``}`, { crumbs });
  }));
}
