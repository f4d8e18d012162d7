/**
 * The browse pages' only static files: one style sheet and one small script (the copy buttons).
 * Kept as strings so every runtime serves them from the app itself, under names carrying their
 * content hash (cached for a year, immutable). The Content-Security-Policy allows scripts and
 * styles from this origin only — no inline script or style anywhere.
 */
const CSS = `
:root { --fg: #1b1f24; --muted: #4b5563; --bg: #ffffff; --panel: #f3f5f7; --line: #d0d7de; --link: #0645ad; --accent: #0b5394; --ok: #116329; --bad: #a40e26; }
* { box-sizing: border-box; }
html { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; font-size: 100%; line-height: 1.5; color: var(--fg); background: var(--bg); }
body { margin: 0; }
a { color: var(--link); }
a:focus-visible, button:focus-visible, input:focus-visible, summary:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
.skip { position: absolute; left: -9999px; top: 0; background: var(--bg); padding: .5rem 1rem; }
.skip:focus { left: .5rem; z-index: 10; }
header.site { background: #12263f; color: #fff; }
header.site .bar { max-width: 72rem; margin: 0 auto; padding: .6rem 1rem; display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; justify-content: space-between; }
header.site a { color: #fff; }
header.site .brand { font-weight: 700; font-size: 1.15rem; text-decoration: none; }
header.site nav ul { list-style: none; display: flex; gap: 1rem; margin: 0; padding: 0; align-items: center; }
header.site form { margin: 0; }
header.site button { background: transparent; color: #fff; border: 1px solid #9fb3c8; border-radius: 4px; padding: .2rem .6rem; font: inherit; cursor: pointer; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem 1rem 3rem; }
footer.site { max-width: 72rem; margin: 0 auto; padding: 1rem; color: var(--muted); border-top: 1px solid var(--line); font-size: .9rem; }
nav.crumbs ol { list-style: none; display: flex; flex-wrap: wrap; gap: .25rem; padding: 0; margin: 0 0 .5rem; }
nav.crumbs li + li::before { content: "/"; padding: 0 .35rem; color: var(--muted); }
h1 { font-size: 1.6rem; margin: .25rem 0 1rem; overflow-wrap: anywhere; }
h2 { font-size: 1.2rem; margin: 1.75rem 0 .5rem; }
p.lead { font-size: 1.05rem; }
.muted { color: var(--muted); }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: anywhere; }
thead th { background: var(--panel); }
td.num, th.num { text-align: right; white-space: nowrap; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; margin: 0 0 1rem; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: .92rem; }
pre { background: var(--panel); border: 1px solid var(--line); border-radius: 4px; padding: .75rem; overflow-x: auto; white-space: pre-wrap; overflow-wrap: anywhere; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: .75rem 1rem; margin: 1rem 0; }
.panel > :first-child { margin-top: 0; }
.panel > :last-child { margin-bottom: 0; }
form.search { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; margin: .5rem 0 1rem; }
label { font-weight: 600; display: block; margin-bottom: .2rem; }
input[type=text], input[type=search], input[type=password] { font: inherit; padding: .4rem .5rem; border: 1px solid #6b7280; border-radius: 4px; min-width: 16rem; }
button.primary, .button { font: inherit; background: var(--accent); color: #fff; border: 0; border-radius: 4px; padding: .45rem .9rem; cursor: pointer; text-decoration: none; display: inline-block; }
button.secondary { font: inherit; background: #fff; color: var(--accent); border: 1px solid var(--accent); border-radius: 4px; padding: .3rem .7rem; cursor: pointer; }
nav.pager ul { list-style: none; display: flex; gap: 1rem; padding: 0; margin: 1rem 0; }
.badge { display: inline-block; font-size: .8rem; border-radius: 999px; padding: 0 .55rem; border: 1px solid var(--line); background: var(--panel); }
.badge.public { border-color: var(--ok); color: var(--ok); }
.badge.private { border-color: var(--muted); color: var(--muted); }
.severity-critical, .severity-important { color: var(--bad); font-weight: 600; }
.error { border-left: 4px solid var(--bad); padding: .5rem 1rem; background: #fff5f5; }
.ok { color: var(--ok); }
ul.plain { list-style: none; padding: 0; }
ul.index { columns: 3 12rem; padding-left: 1.2rem; }
.copyrow { display: flex; gap: .75rem; align-items: center; margin: .25rem 0; }
[role=status] { min-height: 1.5em; }
`;

const JS = `
'use strict';
(function () {
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    return new Promise(function (resolve, reject) {
      var area = document.createElement('textarea');
      area.value = text;
      area.setAttribute('readonly', '');
      area.className = 'skip';
      document.body.appendChild(area);
      area.select();
      var ok = document.execCommand('copy');
      document.body.removeChild(area);
      if (ok) resolve(); else reject(new Error('copy refused'));
    });
  }
  document.querySelectorAll('button[data-copy]').forEach(function (button) {
    button.hidden = false;
    button.addEventListener('click', function () {
      var source = document.getElementById(button.getAttribute('data-copy'));
      var status = document.getElementById(button.getAttribute('data-status'));
      if (!source) return;
      copyText(source.textContent).then(function () {
        if (status) status.textContent = 'Copied to the clipboard.';
      }, function () {
        if (status) status.textContent = 'Copying failed: select the text and copy it yourself.';
      });
    });
  });
})();
`;

const ICON = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#12263f"/><path d="M3 11h10l-2 3H5z" fill="#fff"/><path d="M8 2v8M5 6l3-4 3 4" stroke="#fff" stroke-width="1.5" fill="none"/></svg>';

async function named(base: string, ext: string, body: string): Promise<{ name: string; body: string }> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(body)));
  const hex = Array.from(digest.slice(0, 6), (b) => b.toString(16).padStart(2, '0')).join('');
  return { name: `${base}.${hex}.${ext}`, body };
}

export interface Asset {
  name: string;
  body: string;
}

export interface Assets {
  css: Asset;
  js: Asset;
  icon: Asset;
}

export const ASSET_TYPES: Record<string, string> = {
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  svg: 'image/svg+xml',
};

let assets: Promise<Assets> | undefined;

/** The style sheet and script with their content-hashed names (computed once). */
export function pageAssets(): Promise<Assets> {
  assets ??= Promise.all([named('berth', 'css', CSS), named('berth', 'js', JS), named('icon', 'svg', ICON)]).then(([css, js, icon]) => ({ css, js, icon }));
  return assets;
}

/** URL path prefix of the static files. */
export const ASSET_PREFIX = '/-/static/';
