/**
 * A repo's own page `/{t}/{r}/` and its "use this repo" page `/{t}/{r}/-/use`: what it is, how
 * big, who signs it, and the `.repo` file (the same text `config.repo` serves) with a copy button.
 */
import type { Hono } from 'hono';
import type { KeyInfo } from '../../core/pgp/keyring.js';
import { readHead } from '../../repo/index-store.js';
import { listTrustedKeys } from '../../repo/trusted-keys.js';
import { configRepoText, publicOrigin } from '../config-repo.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { pageRoute } from './context.js';
import { h, join, time, type Html } from './html.js';
import { readableRepo, repoCrumbs } from './repo-access.js';

/** `ABCD 1234 …`: a fingerprint as people compare them. */
export function spacedFingerprint(fpr: string): string {
  return fpr.toUpperCase().replace(/(.{4})(?=.)/g, '$1 ');
}

function keyRows(keys: readonly KeyInfo[], scope: string): Html[] {
  return keys.filter((k) => !k.subkey).map((k) =>
    h`<tr><td class="mono">${spacedFingerprint(k.fingerprint)}</td><td>${k.algorithm}</td><td>${k.userIds.join(', ')}</td><td>${scope}</td></tr>`);
}

export function searchForm(tenant: string, repo: string, q = ''): Html {
  return h`<form class="search" role="search" method="get" action="/${tenant}/${repo}/-/packages">
<div><label for="q">Package name starts with</label><input id="q" name="q" type="search" value="${q}" maxlength="200"></div>
<button class="primary" type="submit">Search</button>
</form>`;
}

export function repoRoutes(app: Hono<AppEnv>, deps: AppDeps): void {
  app.get('/:tenant/:repo/', pageRoute(deps, async (p) => {
    const tenant = p.c.req.param('tenant') ?? '';
    const repo = p.c.req.param('repo') ?? '';
    const config = await readableRepo(p, tenant, repo);
    const { head } = await readHead(deps.store, tenant, repo);
    const base = `/${tenant}/${repo}`;
    return p.render(`${tenant}/${repo}`, h`<h1>${tenant}/${repo} ${config.public ? h`<span class="badge public">public</span>` : h`<span class="badge private">private</span>`}</h1>
${searchForm(tenant, repo)}
<dl class="facts">
<dt>Packages</dt><dd>${head.count}</dd>
<dt>Index revision</dt><dd>${head.revision}</dd>
<dt>Last change</dt><dd>${head.updatedAt > 0 ? time(head.updatedAt) : h`<span class="muted">none yet</span>`}</dd>
<dt>Created</dt><dd>${time(config.createdAt)}</dd>
<dt>Metadata signing key</dt><dd class="mono">${spacedFingerprint(config.metadataKey.fingerprint)}</dd>
</dl>
<h2>Browse</h2>
<ul>
<li><a href="${base}/-/packages">All packages</a>, by name</li>
<li><a href="${base}/Packages/">Packages/</a> as a directory listing</li>
<li><a href="${base}/-/use">Use this repository</a>: the <code>.repo</code> file and the signing keys</li>
</ul>`, { crumbs: repoCrumbs(tenant, repo).slice(0, -1).concat({ label: repo }) });
  }));

  app.get('/:tenant/:repo/-/use', pageRoute(deps, async (p) => {
    const tenant = p.c.req.param('tenant') ?? '';
    const repo = p.c.req.param('repo') ?? '';
    const config = await readableRepo(p, tenant, repo);
    const origin = publicOrigin(deps.config, p.c.req.url);
    const text = await configRepoText(deps.store, origin, tenant, repo, config);
    const [tenantKeys, repoKeys] = await Promise.all([listTrustedKeys(deps.store, { tenant }), listTrustedKeys(deps.store, { tenant, repo })]);
    const publisher = [...keyRows(tenantKeys, `every repo of ${tenant}`), ...keyRows(repoKeys, 'this repo')];
    const file = `/etc/yum.repos.d/${tenant}-${repo}.repo`;
    return p.render(`Use ${tenant}/${repo}`, h`<h1>Use ${tenant}/${repo}</h1>
<p>Save this as <code>${file}</code> (dnf and tdnf read it):</p>
<pre id="config-repo">${text}</pre>
<div class="copyrow"><button class="secondary" type="button" data-copy="config-repo" data-status="copy-status" hidden>Copy the .repo file</button><span id="copy-status" role="status"></span></div>
<p>Or download it: <code>curl -o ${file} ${origin}/${tenant}/${repo}/config.repo</code>${config.public ? h`` : h` (with <code>-u berth:TOKEN</code>, a read token)`}.</p>
<h2>Keys</h2>
<p>dnf checks <code>repomd.xml</code> against the repository's metadata signing key (<code>gpgkey=</code> above) and every package against its publisher's key. Compare fingerprints before you trust them.</p>
<table><caption>Metadata signing key</caption><thead><tr><th scope="col">Fingerprint</th><th scope="col">Algorithm</th></tr></thead>
<tbody><tr><td class="mono">${spacedFingerprint(config.metadataKey.fingerprint)}</td><td>${config.metadataKey.algorithm}</td></tr></tbody></table>
${publisher.length === 0
    ? h`<p class="muted">No publisher keys are trusted yet${config.allowUnsigned ? ' (this repository accepts unsigned packages)' : ''}.</p>`
    : h`<table><caption>Publisher keys (packages are signed with one of these)</caption><thead><tr><th scope="col">Fingerprint</th><th scope="col">Algorithm</th><th scope="col">User ids</th><th scope="col">Trusted for</th></tr></thead><tbody>${join(publisher)}</tbody></table>
<p>Import a publisher key into rpm (<code>rpm --import KEYFILE</code>) or add its URL to <code>gpgkey=</code>.</p>`}`,
    { crumbs: repoCrumbs(tenant, repo, { label: 'Use this repository' }) });
  }));
}
