/**
 * The session cookie of the browse pages: `__Host-berth_session=<random id>; Path=/; HttpOnly;
 * Secure; SameSite=Strict`. The `__Host-` prefix makes browsers refuse it unless it is Secure,
 * host-only and for `/`; HttpOnly keeps page script away from it; SameSite=Strict keeps it off
 * every request another site starts (so no cross-site request acts as the user). It holds a
 * session id, never a token (src/auth/sessions.ts). Browsers store Secure cookies only from
 * https:// origins and from http://localhost / 127.0.0.1: serve the pages over TLS.
 */
export const SESSION_COOKIE = '__Host-berth_session';

/** The session id in a Cookie header, or null. */
export function sessionIdFrom(cookieHeader: string | undefined): string | null {
  if (!cookieHeader) return null;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === SESSION_COOKIE) {
      const value = part.slice(eq + 1).trim();
      return value === '' ? null : value;
    }
  }
  return null;
}

export function sessionCookie(id: string, maxAgeSeconds: number): string {
  return `${SESSION_COOKIE}=${id}; Path=/; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}; HttpOnly; Secure; SameSite=Strict`;
}

export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict`;
}
