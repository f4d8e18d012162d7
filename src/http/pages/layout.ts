/**
 * The frame of every browse page: document head (style sheet and script from this origin only),
 * a skip link, the site header with who is logged in, breadcrumbs, the main content, a footer.
 */
import type { Principal } from '../../auth/principal.js';
import { ASSET_PREFIX, type Assets } from './assets.js';
import { h, join, type Html } from './html.js';

export interface Crumb {
  label: string;
  href?: string;
}

export interface LayoutInput {
  title: string;
  principal: Principal;
  /** True when the principal came from the session cookie (then a logout button is shown). */
  session: boolean;
  crumbs?: readonly Crumb[];
  body: Html;
  assets: Assets;
}

function who(principal: Principal): Html {
  if (principal.kind === 'operator') return h`operator`;
  if (principal.kind === 'token') return h`token <span class="mono">${principal.id}</span> of ${principal.tenant}`;
  return h`anonymous`;
}

function account(input: LayoutInput): Html {
  const { principal, session } = input;
  const home = principal.kind === 'token' ? h`<li><a href="/${principal.tenant}/">Repositories of ${principal.tenant}</a></li>` : h``;
  if (principal.kind === 'anonymous') return h`<li><a href="/-/login">Log in</a></li>`;
  const logout = session
    ? h`<li><form method="post" action="/-/logout"><button type="submit">Log out</button></form></li>`
    : h``;
  return h`${home}<li>Signed in as ${who(principal)}</li>${logout}`;
}

function crumbs(list: readonly Crumb[] | undefined): Html {
  if (!list || list.length === 0) return h``;
  const items = list.map((c, i) =>
    c.href !== undefined && i < list.length - 1 ? h`<li><a href="${c.href}">${c.label}</a></li>` : h`<li${i === list.length - 1 ? h` aria-current="page"` : h``}>${c.label}</li>`);
  return h`<nav class="crumbs" aria-label="Breadcrumbs"><ol>${join(items)}</ol></nav>`;
}

export function layout(input: LayoutInput): Html {
  const { assets } = input;
  return h`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${input.title} · Berth</title>
<link rel="icon" href="${ASSET_PREFIX}${assets.icon.name}" type="image/svg+xml">
<link rel="stylesheet" href="${ASSET_PREFIX}${assets.css.name}">
<script src="${ASSET_PREFIX}${assets.js.name}" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site"><div class="bar">
<a class="brand" href="/">Berth</a>
<nav aria-label="Account"><ul>${account(input)}</ul></nav>
</div></header>
<main id="main" tabindex="-1">
${crumbs(input.crumbs)}
${input.body}
</main>
<footer class="site">Berth RPM repository · <a href="/api/v1/openapi.json">API description (OpenAPI)</a></footer>
</body>
</html>`;
}
