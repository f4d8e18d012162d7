/**
 * The dnf read path in the OpenAPI document: what dnf and tdnf fetch (routes/dnf.ts). Reads of a
 * private repository take Basic auth (any user name, a read token as the password) or a bearer
 * token; another tenant's private repository answers exactly like a missing one (404).
 */
import type { RouteDoc } from '../openapi.js';

const FILE_ANSWERS = { 200: 'binary', 206: 'binary', 304: null } as const;
const FILE_PROBLEMS = { 401: ['unauthenticated', 'invalid_token'], 404: ['not_found'], 416: ['range_not_satisfiable'] };

/** The GET and HEAD documents of a file dnf fetches (ETag, ranges). */
export function fileRouteDocs(path: string, summary: string): RouteDoc[] {
  return (['get', 'head'] as const).map((method) => ({
    method, path, summary: method === 'head' ? `${summary} (headers only)` : summary, access: 'read' as const,
    responses: FILE_ANSWERS, problems: FILE_PROBLEMS,
  }));
}

export const dnfRouteDocs: RouteDoc[] = [
  ...fileRouteDocs('/{tenant}/{repo}/repodata/{file}',
    'Repository metadata: repomd.xml, repomd.xml.asc (its signature), repomd.xml.key (the signing key) and the checksum-named metadata files (ETag, ranges)'),
  ...fileRouteDocs('/{tenant}/{repo}/{location}', 'A package at the location primary.xml names (e.g. Packages/b/berth-1.0-1.noarch.rpm; ETag, ranges)'),
  {
    method: 'get', path: '/{tenant}/{repo}/config.repo', summary: 'A dnf .repo file for this repository (baseurl from BERTH_PUBLIC_URL or the request)',
    access: 'read', responses: { 200: 'text' }, problems: { 401: ['unauthenticated', 'invalid_token'], 404: ['not_found'] },
  },
];
