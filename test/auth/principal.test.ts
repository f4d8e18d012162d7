import { describe, expect, it } from 'vitest';
import { authorize, type Principal, type Scope } from '../../src/auth/principal.js';

const token = (scopes: Scope[], repos: string[] | null, tenant = 'a'): Principal => ({
  kind: 'token',
  id: 'id',
  tenant,
  scopes,
  repos,
});

describe('authorize', () => {
  it('denies by default and answers 404 across tenants, 403 within', () => {
    expect(authorize({ kind: 'anonymous' }, { tenant: 'a', repo: 'x', action: 'read' })).toBe('unauthenticated');
    expect(authorize(token(['admin'], null, 'b'), { tenant: 'a', repo: 'x', action: 'read' })).toBe('not-found');
    expect(authorize(token(['read'], null), { tenant: 'a', repo: 'x', action: 'publish' })).toBe('forbidden');
    expect(authorize(token(['admin'], null), { tenant: 'a', repo: 'x', action: 'publish' })).toBe('allow');
    expect(authorize({ kind: 'operator' }, { tenant: 'a', action: 'admin', operatorOnly: true })).toBe('allow');
    expect(authorize(token(['admin'], null), { tenant: 'a', action: 'admin', operatorOnly: true })).toBe('forbidden');
  });

  it('public repos are readable by anyone, and only readable', () => {
    expect(authorize({ kind: 'anonymous' }, { tenant: 'a', repo: 'x', action: 'read' }, true)).toBe('allow');
    expect(authorize(token(['admin'], null, 'b'), { tenant: 'a', repo: 'x', action: 'read' }, true)).toBe('allow');
    expect(authorize(token(['admin'], null, 'b'), { tenant: 'a', repo: 'x', action: 'publish' }, true)).toBe('not-found');
  });

  it('a repo-limited token stays within its repos, also for tenant-wide actions', () => {
    const limited = token(['admin'], ['x']);
    expect(authorize(limited, { tenant: 'a', repo: 'x', action: 'admin' })).toBe('allow');
    expect(authorize(limited, { tenant: 'a', repo: 'y', action: 'read' })).toBe('forbidden');
    // tenant keys, new repos, the audit log: beyond its repos
    expect(authorize(limited, { tenant: 'a', action: 'admin' })).toBe('forbidden');
    expect(authorize(limited, { tenant: 'a', action: 'read' })).toBe('allow');
    // routes that keep the effect inside the token's repos (minting narrower tokens) opt in
    expect(authorize(limited, { tenant: 'a', action: 'admin', withinTokenRepos: true })).toBe('allow');
  });
});
