/**
 * A tenant's audit log for its admins, `/{t}/-/audit?after=SEQ`: 50 entries a page in sequence
 * order, with whether the page's hash chain verifies against the entry before it (the API's
 * GET /api/v1/tenants/{t}/audit, as a table).
 */
import type { Hono } from 'hono';
import { auditAnchor, readAudit, verifyAuditChain } from '../../repo/audit.js';
import { getTenant } from '../../repo/tenants.js';
import { isValidName } from '../../storage/keys.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { notFound } from '../errors.js';
import { requirePrincipalAccess } from '../middleware/auth.js';
import { invalidRequest } from '../validate.js';
import { pageRoute } from './context.js';
import { clip, h, join, time } from './html.js';

const PER_PAGE = 50;

export function auditPageRoutes(app: Hono<AppEnv>, deps: AppDeps): void {
  app.get('/:tenant/-/audit', pageRoute(deps, async (p) => {
    const tenant = p.c.req.param('tenant') ?? '';
    if (!isValidName(tenant)) throw notFound(tenant);
    requirePrincipalAccess(p.principal, { tenant, action: 'admin' });
    if (!(await getTenant(deps.store, tenant))) throw notFound(tenant);
    const raw = p.c.req.query('after') ?? '0';
    if (!/^\d{1,12}$/.test(raw)) throw invalidRequest('after must be an audit sequence number');
    const after = Number(raw);
    const anchor = await auditAnchor(deps.store, tenant, after);
    if (!anchor) throw invalidRequest(`there is no audit entry ${after}`);
    const entries = await readAudit(deps.store, tenant, { after, limit: PER_PAGE + 1 });
    const more = entries.length > PER_PAGE;
    const page = more ? entries.slice(0, PER_PAGE) : entries;
    const valid = await verifyAuditChain(page, anchor);
    return p.renderFitted(`Audit log of ${tenant}`, (shrink) => {
      const n = Math.max(40, Math.floor(600 / shrink));
      const rows = page.map((e) => h`<tr><td class="num">${e.seq}</td><td>${time(e.at)}</td><td class="mono">${e.actor}</td><td>${e.action}</td><td>${clip(e.target, n)}</td><td><code>${clip(JSON.stringify(e.details), n)}</code></td></tr>`);
      const links = [
        ...(after > 0 ? [h`<li><a href="/${tenant}/-/audit?after=${Math.max(0, after - PER_PAGE)}" rel="prev">Previous page</a></li>`] : []),
        ...(more ? [h`<li><a href="/${tenant}/-/audit?after=${page.at(-1)!.seq}" rel="next">Next page</a></li>`] : []),
      ];
      return h`<h1>Audit log of ${tenant}</h1>
<p>${page.length === 0 ? 'No entries here.' : valid ? h`<span class="ok">The hash chain of these entries verifies.</span>` : h`<strong class="error">The hash chain of these entries does not verify: the log was altered.</strong>`}</p>
${page.length === 0 ? h`` : h`<table><caption>Entries ${page[0]!.seq} to ${page.at(-1)!.seq}</caption><thead><tr><th scope="col" class="num">#</th><th scope="col">When</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">Details</th></tr></thead><tbody>${join(rows)}</tbody></table>`}
${links.length > 0 ? h`<nav class="pager" aria-label="Pages"><ul>${join(links)}</ul></nav>` : h``}`;
    }, { crumbs: [{ label: 'Berth', href: '/' }, { label: tenant, href: `/${tenant}/` }, { label: 'Audit log' }] });
  }));
}
