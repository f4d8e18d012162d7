/**
 * HTML for the browse pages: hono's `html` tagged template, which escapes every interpolated
 * value (`& < > " '`) unless it is itself escaped HTML. Nothing here concatenates markup from
 * strings; `raw` is used only for markup this module builds.
 */
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

export type Html = HtmlEscapedString;

/** `html`, always synchronous (no promises are ever interpolated). */
export function h(strings: TemplateStringsArray, ...values: unknown[]): Html {
  const out = html(strings, ...values);
  if (out instanceof Promise) throw new Error('asynchronous HTML is not used by the pages');
  return out;
}

export { raw };

/** Joins fragments (each already escaped). */
export function join(parts: readonly Html[], separator = ''): Html {
  return raw(parts.map(String).join(separator));
}

const UNITS = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(n: number): string {
  let v = n;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} bytes` : `${v.toFixed(v < 10 ? 1 : 0)} ${UNITS[u]}`;
}

/** Seconds or an ISO string → `2026-12-06 14:03 UTC` (with a machine-readable <time>). */
export function time(at: number | string): Html {
  const d = typeof at === 'number' ? new Date(at * 1000) : new Date(at);
  if (Number.isNaN(d.getTime())) return h`<span class="muted">unknown</span>`;
  const iso = d.toISOString();
  return h`<time datetime="${iso}">${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC</time>`;
}

/** A URL from package data shown as a link only when it is http(s); otherwise as text. */
export function externalLink(url: string): Html {
  return /^https?:\/\/[^\s]+$/i.test(url) ? h`<a href="${url}" rel="nofollow noopener noreferrer">${url}</a>` : h`${url}`;
}

/** Path segments percent-encoded for an href (names are safe already; file names may not be). */
export function pathHref(...segments: string[]): string {
  return segments.map((s) => s.split('/').map(encodeURIComponent).join('/')).join('/');
}

/** At most `n` characters of `s` (an ellipsis marks the cut). */
export function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

/** No page is larger than this (a 50,000-package repo included): lists are paginated, fields clipped. */
export const PAGE_BUDGET_BYTES = 100 * 1024;
