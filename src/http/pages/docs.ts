/**
 * The browse pages in the OpenAPI document (docs/pages.md): HTML for people, listed so the
 * document names every path the server answers. Scripts use the JSON API; a page asked for JSON
 * answers 406 `not_acceptable`.
 */
import { z } from 'zod';
import type { RouteDoc } from '../openapi.js';

const REFUSED = { 401: ['unauthenticated', 'invalid_token'], 403: ['forbidden'], 404: ['not_found'], 406: ['not_acceptable'] };
const cursor = z.string().max(4096).optional().describe('continue after (or before) this package location');

function page(path: string, operationId: string, summary: string, access: RouteDoc['access'], query?: z.ZodObject): RouteDoc {
  return { method: 'get', path, operationId, summary: `${summary} (HTML page)`, access, responses: { 200: 'html' }, problems: REFUSED, ...(query ? { query } : {}) };
}

export const pageRouteDocs: RouteDoc[] = [
  page('/', 'pageStart', 'What this server is, its public repositories, how to log in', 'public',
    z.object({ after: z.string().optional().describe('next page of public repositories'), tenants_after: z.string().optional().describe('next page of tenants (operator)') })),
  page('/-/login', 'pageLogin', 'The login form', 'public', z.object({ next: z.string().optional().describe('a path on this server to go to after logging in') })),
  {
    method: 'post', path: '/-/login', operationId: 'pageLoginSubmit', summary: 'Log in with a token (form body `token`, `next`): a session cookie and a redirect', access: 'public',
    responses: { 303: null, 401: 'html' }, problems: { 403: ['cross_site_request'], 413: ['body_too_large'], 415: ['unsupported_media_type'] },
  },
  {
    method: 'post', path: '/-/logout', operationId: 'pageLogout', summary: 'Log out: the session is deleted and its cookie cleared', access: 'public',
    responses: { 303: null }, problems: { 403: ['cross_site_request'] },
  },
  {
    method: 'get', path: '/-/static/{name}', operationId: 'pageStatic', summary: 'The pages\' style sheet, script and icon (content-hashed names)', access: 'public',
    responses: { 200: 'binary' }, problems: { 404: ['not_found'] },
  },
  page('/{tenant}/', 'pageTenant', 'A tenant\'s repositories: what the credential may read, the public ones for anyone else', 'public', z.object({ after: z.string().optional() })),
  page('/{tenant}/-/audit', 'pageAudit', 'The tenant\'s audit log, 50 entries a page', 'admin', z.object({ after: z.string().optional().describe('sequence number to continue after') })),
  page('/{tenant}/{repo}/', 'pageRepo', 'A repository', 'read'),
  page('/{tenant}/{repo}/-/use', 'pageUse', 'The .repo file and the signing keys of a repository', 'read'),
  page('/{tenant}/{repo}/-/packages', 'pagePackages', 'The packages of a repository, 100 a page, optionally those whose name starts with q', 'read',
    z.object({ q: z.string().max(200).optional(), after: cursor, before: cursor })),
  page('/{tenant}/{repo}/-/packages/{sha256}', 'pagePackage', 'One package', 'read'),
  page('/{tenant}/{repo}/-/packages/{sha256}/{list}', 'pagePackageList', 'One long list of a package (files, requires, provides, …, changelog), 500 a page', 'read',
    z.object({ page: z.string().optional() })),
  {
    method: 'get', path: '/{tenant}/{repo}/-/download/{sha256}', operationId: 'pageDownload', summary: 'A package file with the page\'s access (session cookie)', access: 'read',
    responses: { 200: 'binary', 206: 'binary', 304: null }, problems: REFUSED,
  },
  {
    method: 'head', path: '/{tenant}/{repo}/-/download/{sha256}', operationId: 'pageDownloadHead', summary: 'A package file\'s headers', access: 'read',
    responses: { 200: null }, problems: REFUSED,
  },
  page('/{tenant}/{repo}/Packages/', 'pagePackagesDir', 'Directory listing of Packages/', 'read'),
  page('/{tenant}/{repo}/Packages/{dir}/', 'pagePackagesLetter', 'Directory listing of one letter of Packages/, 200 a page', 'read', z.object({ after: cursor })),
];
