// The one table of dnf read-path requests that every runtime (Node server, Azure Functions
// handler, Worker in its azure-sas read mode and on R2) must answer alike over the same data.
// Paths and credentials are resolved against the state the test built (`State`).

export interface State {
  /** `acme`: private repo `main` and public repo `pub`. */
  tenant: string;
  privateRepo: string;
  publicRepo: string;
  /** repodata/<sha>-primary.xml.gz of each repo, as its repomd.xml names it. */
  primary: { private: string; public: string };
  /** A package's location (e.g. `Packages/h/hello-demo-….rpm`) in each repo, and its size. */
  pkg: { private: string; public: string; size: number };
  tokens: { read: string; other: string };
}

export type Credential = 'none' | 'read' | 'other-tenant';

export interface Row {
  name: string;
  method: 'GET' | 'HEAD';
  path: (s: State) => string;
  auth: Credential;
  range?: (s: State) => string;
  status: number;
  /**
   * Headers not compared for this row, each with the reason (a recorded, explained difference
   * between runtimes). Empty for every row today; kept so a difference is written down here, not
   * hidden in the assertions.
   */
  differs?: Partial<Record<ComparedHeader, string>>;
  /**
   * false: the answer is generated per request (no stored object behind it), so no ETag.
   * 'stored': the ETag names the stored object (a checksum-named file, a package), so it is the
   * same for every runtime reading one store; absent: made from the content, the same everywhere.
   */
  etag?: false | 'stored';
}

/**
 * The headers that matter to dnf and caches; compared value for value across runtimes, on every
 * row. Content-Length included: the Worker pipes a body of declared length through a
 * FixedLengthStream (workerd would otherwise send a stream chunked) and the Azure handler measures
 * a generated body (problem JSON, config.repo) before handing it to the host.
 */
export const COMPARED_HEADERS = ['content-type', 'content-length', 'content-range', 'accept-ranges', 'www-authenticate', 'cache-control'] as const;
export type ComparedHeader = (typeof COMPARED_HEADERS)[number];

const priv = (s: State, rest: string): string => `/${s.tenant}/${s.privateRepo}/${rest}`;
const pub = (s: State, rest: string): string => `/${s.tenant}/${s.publicRepo}/${rest}`;

const both = (name: string, path: Row['path'], auth: Credential, status = 200, etag?: 'stored'): Row[] => [
  { name: `GET ${name}`, method: 'GET', path, auth, status, ...(etag ? { etag } : {}) },
  { name: `HEAD ${name}`, method: 'HEAD', path, auth, status, ...(etag ? { etag } : {}) },
];

export const TABLE: readonly Row[] = [
  // Private repo, Basic with a read token: what dnf does.
  ...both('private repomd.xml (read token)', (s) => priv(s, 'repodata/repomd.xml'), 'read'),
  ...both('private repomd.xml.asc (read token)', (s) => priv(s, 'repodata/repomd.xml.asc'), 'read'),
  ...both('private repomd.xml.key (read token)', (s) => priv(s, 'repodata/repomd.xml.key'), 'read'),
  ...both('private primary (read token)', (s) => priv(s, s.primary.private), 'read', 200, 'stored'),
  ...both('private package (read token)', (s) => priv(s, s.pkg.private), 'read', 200, 'stored'),
  // Public repo, anonymous.
  ...both('public repomd.xml', (s) => pub(s, 'repodata/repomd.xml'), 'none'),
  ...both('public repomd.xml.asc', (s) => pub(s, 'repodata/repomd.xml.asc'), 'none'),
  ...both('public repomd.xml.key', (s) => pub(s, 'repodata/repomd.xml.key'), 'none'),
  ...both('public primary', (s) => pub(s, s.primary.public), 'none', 200, 'stored'),
  ...both('public package', (s) => pub(s, s.pkg.public), 'none', 200, 'stored'),
  // Ranges (dnf resumes downloads with them).
  { name: 'GET package bytes=0-3 (206)', method: 'GET', path: (s) => priv(s, s.pkg.private), auth: 'read', range: () => 'bytes=0-3', status: 206, etag: 'stored' },
  { name: 'GET public package suffix range (206)', method: 'GET', path: (s) => pub(s, s.pkg.public), auth: 'none', range: () => 'bytes=-100', status: 206, etag: 'stored' },
  { name: 'GET primary bytes=10-19 (206)', method: 'GET', path: (s) => priv(s, s.primary.private), auth: 'read', range: () => 'bytes=10-19', status: 206, etag: 'stored' },
  { name: 'GET package unsatisfiable range (416)', method: 'GET', path: (s) => priv(s, s.pkg.private), auth: 'read', range: (s) => `bytes=${s.pkg.size}-`, status: 416 },
  // Access decisions.
  ...both('private repomd.xml anonymous', (s) => priv(s, 'repodata/repomd.xml'), 'none', 401),
  ...both('private primary anonymous', (s) => priv(s, s.primary.private), 'none', 401),
  ...both('private package anonymous', (s) => priv(s, s.pkg.private), 'none', 401),
  ...both('private repomd.xml with another tenant\'s token', (s) => priv(s, 'repodata/repomd.xml'), 'other-tenant', 404),
  ...both('private package with another tenant\'s token', (s) => priv(s, s.pkg.private), 'other-tenant', 404),
  ...both('missing checksum-named file (read token)', (s) => priv(s, `repodata/${'0'.repeat(64)}-primary.xml.gz`), 'read', 404),
  ...both('missing package (read token)', (s) => priv(s, 'Packages/n/nothing-1-1.noarch.rpm'), 'read', 404),
  // Anonymous callers cannot tell a missing repo from a private one: 401, not 404.
  ...both('missing repo anonymous', (s) => `/${s.tenant}/nosuchrepo/repodata/repomd.xml`, 'none', 401),
  // The read token is scoped to `main`: any other repo of its tenant is 403 (within the tenant).
  ...both('missing repo (token scoped to another repo)', (s) => `/${s.tenant}/nosuchrepo/repodata/repomd.xml`, 'read', 403),
  // config.repo goes to the app in every runtime (BERTH_PUBLIC_URL is the same everywhere).
  { name: 'GET private config.repo (read token)', method: 'GET', path: (s) => priv(s, 'config.repo'), auth: 'read', status: 200, etag: false },
  { name: 'GET public config.repo', method: 'GET', path: (s) => pub(s, 'config.repo'), auth: 'none', status: 200, etag: false },
];
