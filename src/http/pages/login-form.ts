/** The login form (the login page and every 401 page show it). */
import { h, type Html } from './html.js';

/** Where to go after logging in: a path on this site only (never `//host` or a scheme). */
export function safeNext(next: string | undefined | null): string | null {
  if (typeof next !== 'string' || next.length > 2000) return null;
  return /^\/(?![/\\])[^\s\\]*$/.test(next) && !next.startsWith('/-/log') ? next : null;
}

export function loginForm(opts: { next?: string | null; error?: string }): Html {
  const next = safeNext(opts.next);
  return h`<form class="panel" method="post" action="/-/login">
${opts.error ? h`<p class="error" role="alert">${opts.error}</p>` : h``}
<p>Paste an API token (<code>berth token create …</code>): a read token shows the private repositories it may read. The token is sent once, in this form's body; the browser keeps only a session cookie.</p>
<label for="token">Token</label>
<input id="token" name="token" type="password" autocomplete="off" spellcheck="false" required>
${next ? h`<input type="hidden" name="next" value="${next}">` : h``}
<p><button class="primary" type="submit">Log in</button></p>
</form>`;
}
