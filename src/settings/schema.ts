/**
 * The one settings schema of the Berth server, whatever runs it: `berth serve` (environment),
 * Azure Functions (app settings) and the Cloudflare Worker (wrangler vars and secrets). A name
 * means the same thing, takes the same syntax and limits and has the same default on every
 * runtime that reads it; each runtime only chooses where the values come from (load.ts).
 *
 * `settingsSchema` parses the raw text of each value; `SETTING_DOCS` says which runtimes read a
 * setting, what it means and which old names it replaces. The compiler keeps the two in step
 * (one entry per schema key), the README's settings table is generated from both
 * (test/settings/readme-table.test.ts fails when it is stale), and infra/ is checked against them.
 */
import { z } from 'zod';
import { EgressSettingError, parseEgressAllow } from '../net/egress-policy.js';
import { parseDuration, parseSize } from './units.js';

export type Runtime = 'node' | 'functions' | 'worker';
export const RUNTIMES: readonly Runtime[] = ['node', 'functions', 'worker'];

const GiB = 1024 ** 3;

/** A byte size (`512M`, `1G`, bytes) within min..max. */
function size(min: number, max: number) {
  return z.string().transform((s, ctx) => {
    const n = parseSize(s);
    if (n === null || n < min || n > max) {
      ctx.addIssue({ code: 'custom', message: `expected a byte count from ${min} to ${max} such as 104857600, 512M or 1G` });
      return z.NEVER;
    }
    return n;
  });
}

/** A duration (`3600`, `30m`, `12h`, `3d`; bare numbers are seconds) within min..max seconds. */
function duration(min: number, max: number, hint: string) {
  return z.string().transform((s, ctx) => {
    const n = parseDuration(s, min === 0);
    if (n === null || n < min || n > max) {
      ctx.addIssue({ code: 'custom', message: `expected a duration ${hint}` });
      return z.NEVER;
    }
    return n;
  });
}

/** Whole seconds min..max. */
function seconds(min: number, max: number) {
  return z.string().regex(/^\d+$/, `expected whole seconds from ${min} to ${max}`).transform(Number)
    .pipe(z.number().int().min(min, `expected whole seconds from ${min} to ${max}`).max(max, `expected whole seconds from ${min} to ${max}`));
}

const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });
const withoutTrailingSlash = httpUrl.transform((u) => u.replace(/\/+$/, ''));
const azureName = (what: string) =>
  z.string().regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, `${what}: 3-63 lowercase letters, digits and single hyphens`);
// Six fields (second first), as the Functions timer trigger wants; the TimeSpan form only works
// on App Service plans, not on Flex Consumption, so it is refused.
const ncrontab = z.string().trim().regex(/^(?:[0-9A-Za-z*,/-]+\s+){5}[0-9A-Za-z*,/-]+$/, 'expected a six-field NCRONTAB expression such as "30 */5 * * * *"');

/** Every mirror timer tick of the Functions app: every five minutes at second 30 (GC runs at minute 17). */
export const DEFAULT_MIRROR_SCHEDULE = '30 */5 * * * *';

export const settingsSchema = z.object({
  // --- every runtime -------------------------------------------------------------------------
  BERTH_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').max(4096, 'must be at most 4096 characters').optional(),
  BERTH_ADMIN_TOKEN_SHA256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be the 64-hex-digit SHA-256 of the operator token').transform((h) => h.toLowerCase()).optional(),
  BERTH_PUBLIC_URL: withoutTrailingSlash.optional(),
  BERTH_MAX_UPLOAD_BYTES: size(1, 5 * GiB).default(GiB),
  BERTH_RETENTION: duration(0, 365 * 86400, 'from 0 to 365d such as 259200, 72h or 3d').default(3 * 86400),
  BERTH_METADATA_CODEC: z.enum(['gz', 'zstd'], { error: 'expected gz or zstd' }).default('gz'),
  BERTH_RATE_LIMIT: z.string().regex(/^\d{1,9}$/, 'expected a number of requests from 0 (off) to 999999999').transform(Number).default(0),
  BERTH_RATE_LIMIT_WINDOW: duration(1, 86400, 'from 1s to 1d such as 60, 1m or 1h').default(60),
  BERTH_TENANT_QUOTA: size(1, 1024 ** 5).optional(),
  // --- where a cache is kept (Node server, Worker) ----------------------------------------------
  BERTH_TOKEN_CACHE_SECONDS: seconds(0, 60).default(5),
  BERTH_METADATA_CACHE_SECONDS: seconds(0, 60).default(1),
  // --- berth serve ---------------------------------------------------------------------------
  BERTH_DATA: z.string().min(1).default('./.berth/data'),
  BERTH_HOST: z.string().min(1).default('127.0.0.1'),
  BERTH_PORT: z.string().regex(/^\d+$/, 'expected a port from 0 to 65535').transform(Number).pipe(z.number().int().max(65535, 'expected a port from 0 to 65535')).default(8080),
  BERTH_WORKERS: z.union([z.literal('auto'), z.string().regex(/^\d+$/).transform(Number).pipe(z.number().int().min(1).max(256))], {
    error: "expected 'auto' or a number of processes from 1 to 256",
  }).default(1),
  BERTH_GC_INTERVAL: duration(1, 30 * 86400, 'from 1s to 30d such as 3600, 30m or 1h').default(3600),
  BERTH_MIRROR_INTERVAL: duration(0, 86400, 'from 0 (off) to 1d such as 300, 5m or 1h').default(300),
  // --- outbound requests of mirror runs (every runtime) -----------------------------------------
  BERTH_EGRESS_ALLOW: z.string().transform((s, ctx) => {
    try {
      return parseEgressAllow(s.split(','));
    } catch (e) {
      if (!(e instanceof EgressSettingError)) throw e;
      ctx.addIssue({ code: 'custom', message: `expected comma-separated host names, IP addresses or CIDR ranges: ${e.message}` });
      return z.NEVER;
    }
  }).optional(),
  BERTH_UPSTREAM_CONNECT_TIMEOUT: duration(1, 600, 'from 1s to 10m such as 10, 10s or 1m').default(10),
  BERTH_UPSTREAM_IDLE_TIMEOUT: duration(1, 3600, 'from 1s to 1h such as 30, 30s or 2m').default(30),
  BERTH_UPSTREAM_TOTAL_TIMEOUT: duration(10, 86400, 'from 10s to 1d such as 1800, 30m or 2h').default(1800),
  BERTH_UPSTREAM_MAX_REDIRECTS: z.string().regex(/^\d{1,2}$/, 'expected a number of redirects from 0 to 20').transform(Number)
    .pipe(z.number().int().max(20, 'expected a number of redirects from 0 to 20')).default(5),
  BERTH_UPSTREAM_MAX_DOCUMENT_BYTES: size(4096, GiB).default(16 * 1024 ** 2),
  BERTH_UPSTREAM_MAX_METADATA_BYTES: size(4096, 64 * GiB).default(GiB),
  BERTH_UPSTREAM_MAX_XML_BYTES: size(4096, 256 * GiB).default(4 * GiB),
  BERTH_UPSTREAM_MAX_XML_ELEMENT_BYTES: size(4096, GiB).default(8 * 1024 ** 2),
  BERTH_MIRROR_TENANTS: z.string().regex(/^\d{1,2}$/, 'expected a number of tenants from 1 to 64').transform(Number)
    .pipe(z.number().int().min(1, 'expected a number of tenants from 1 to 64').max(64, 'expected a number of tenants from 1 to 64')).default(4),
  AZURE_STORAGE_CONNECTION_STRING: z.string().trim().min(1).optional(),
  // --- Azure Blob Storage (berth serve, Functions) ------------------------------------------------
  BERTH_STORAGE_ACCOUNT_URL: withoutTrailingSlash.optional(),
  BERTH_CONTAINER: azureName('a container name').default('berth'),
  // --- Azure Functions -------------------------------------------------------------------------
  AzureWebJobsStorage: z.string().trim().min(1).optional(),
  BERTH_QUEUE_SERVICE_URL: withoutTrailingSlash.optional(),
  BERTH_QUEUE: azureName('a queue name').optional(),
  BERTH_MIRROR_SCHEDULE: ncrontab.default(DEFAULT_MIRROR_SCHEDULE),
  // --- Cloudflare Worker -----------------------------------------------------------------------
  BERTH_STORAGE: z.enum(['r2', 'azure-sas'], { error: 'expected r2 or azure-sas' }).default('r2'),
  AZURE_BLOB_CONTAINER_URL: z.string().regex(/^https?:\/\/[^?]+$/, 'expected the container URL, http(s) without a query').transform((u) => u.replace(/\/+$/, '')).optional(),
  AZURE_BLOB_SAS: z.string().trim().min(1).optional(),
});

export type SettingName = keyof typeof settingsSchema.shape;
export type Settings = z.output<typeof settingsSchema>;

export interface SettingDoc {
  /** The runtimes that read it (a runtime ignores the others). */
  runtimes: readonly Runtime[];
  /** Runtimes that refuse to start without it. */
  required?: readonly Runtime[];
  /** For the README; one sentence or two. */
  meaning: string;
  /** The default as written in docs (parsed, it must give the schema's default; test/settings checks). */
  shownDefault?: string;
  /** Never echoed, never logged. */
  secret?: boolean;
  /** Old names still read (with a warning) until the next release. */
  formerly?: readonly string[];
}

const ALL = RUNTIMES;

export const SETTING_DOCS: Record<SettingName, SettingDoc> = {
  BERTH_ADMIN_TOKEN: {
    runtimes: ALL, secret: true,
    meaning: 'operator credential, ≥ 16 characters; hashed at start, only its SHA-256 is kept. Without it (or `BERTH_ADMIN_TOKEN_SHA256`), `berth serve` on local disk generates one on first start and prints it once; with Azure storage and on Functions one of the two is required',
  },
  BERTH_ADMIN_TOKEN_SHA256: {
    runtimes: ALL,
    meaning: 'the operator credential as its SHA-256 (64 hex digits, `printf %s "$TOKEN" | sha256sum`) instead of `BERTH_ADMIN_TOKEN`; set one of the two, not both',
  },
  BERTH_PUBLIC_URL: { runtimes: ALL, meaning: 'base URL written into `config.repo` (taken from the request when unset)' },
  BERTH_MAX_UPLOAD_BYTES: {
    runtimes: ALL, shownDefault: '1G',
    meaning: 'largest package accepted, 1 byte to 5G (`512M`, bytes); Azure Functions and Workers cap request bodies near 100 MB, so their templates set `100M`',
  },
  BERTH_RETENTION: {
    runtimes: ALL, shownDefault: '3d', formerly: ['BERTH_RETENTION_SECONDS'],
    meaning: 'how long superseded metadata stays downloadable, 0 to 365d (`72h`, seconds)',
  },
  BERTH_METADATA_CODEC: { runtimes: ALL, shownDefault: 'gz', meaning: 'compression of generated repodata: `gz` or `zstd` (a Worker accepts `zstd` only where its runtime has it)' },
  BERTH_RATE_LIMIT: {
    runtimes: ALL, shownDefault: '0',
    meaning: 'requests one token may make per window (`BERTH_RATE_LIMIT_WINDOW`); the next gets 429 `rate_limited` with `Retry-After`. Counted per process (per isolate on Workers); the operator and anonymous reads are not limited; `0` turns it off (a limit set for one tenant with `berth tenant limits` still applies)',
  },
  BERTH_RATE_LIMIT_WINDOW: { runtimes: ALL, shownDefault: '1m', meaning: 'the window of `BERTH_RATE_LIMIT`, 1s to 1d; windows start at whole multiples of it' },
  BERTH_TENANT_QUOTA: {
    runtimes: ALL,
    meaning: 'most bytes of packages one tenant may store (`50G`, bytes; a package in several repos counts once); a publish past it is 507 `quota_exceeded`. Unset: no quota. The operator may set one per tenant: `berth tenant limits`',
  },
  BERTH_TOKEN_CACHE_SECONDS: {
    runtimes: ['node', 'worker'], shownDefault: '5',
    meaning: 'how long a verified credential is reused, 0 to 60 seconds: a token revoked through another instance is refused within this window (never past the token\'s own expiry)',
  },
  BERTH_METADATA_CACHE_SECONDS: {
    runtimes: ['node', 'worker'], shownDefault: '1',
    meaning: 'how long the served `repomd.xml` and the package locations are reused, 0 to 60 seconds, before the store is asked again (a regeneration in the same process is seen at once)',
  },
  BERTH_DATA: { runtimes: ['node'], shownDefault: './.berth/data', meaning: 'embedded store directory; `--data`' },
  BERTH_HOST: { runtimes: ['node'], shownDefault: '127.0.0.1', meaning: 'listen address; `--host`' },
  BERTH_PORT: { runtimes: ['node'], shownDefault: '8080', meaning: 'listen port; `--port`' },
  BERTH_WORKERS: { runtimes: ['node'], shownDefault: '1', meaning: 'server processes sharing the port, 1 to 256 (`auto` = one per CPU); `--workers`' },
  BERTH_GC_INTERVAL: { runtimes: ['node'], shownDefault: '1h', meaning: 'how often garbage collection runs, 1s to 30d (Functions and Workers run it hourly on a timer)' },
  BERTH_MIRROR_INTERVAL: {
    runtimes: ['node'], shownDefault: '5m',
    meaning: 'how often the server looks for mirrors due a run (each mirror runs at its own interval); `0` turns scheduled mirroring off',
  },
  BERTH_EGRESS_ALLOW: {
    runtimes: ALL,
    meaning: 'hosts, IP addresses and CIDR ranges mirror runs may reach although they are loopback, private, link-local or otherwise special-purpose (comma-separated: `mirror.lan,10.20.0.0/16,127.0.0.1`); unset, every such address is refused (docs/security.md)',
  },
  BERTH_UPSTREAM_CONNECT_TIMEOUT: { runtimes: ALL, shownDefault: '10s', meaning: 'longest wait for an upstream connection (TCP and TLS; on Workers, part of the wait for the response head), 1s to 10m' },
  BERTH_UPSTREAM_IDLE_TIMEOUT: { runtimes: ALL, shownDefault: '30s', meaning: 'longest silence of an upstream: waiting for the response head, or between two chunks of a body, 1s to 1h' },
  BERTH_UPSTREAM_TOTAL_TIMEOUT: { runtimes: ALL, shownDefault: '30m', meaning: 'longest a single upstream request may take, body included, 10s to 1d' },
  BERTH_UPSTREAM_MAX_REDIRECTS: { runtimes: ALL, shownDefault: '5', meaning: 'redirects followed per upstream request, 0 to 20 (each hop checked by the egress policy)' },
  BERTH_UPSTREAM_MAX_DOCUMENT_BYTES: { runtimes: ALL, shownDefault: '16M', meaning: 'largest upstream `repomd.xml`, `repomd.xml.asc` or metalink, 4K to 1G' },
  BERTH_UPSTREAM_MAX_METADATA_BYTES: { runtimes: ALL, shownDefault: '1G', meaning: 'largest upstream metadata file whose size `repomd.xml` does not state, as downloaded, 4K to 64G (packages are bounded by the size their metadata declares)' },
  BERTH_UPSTREAM_MAX_XML_BYTES: { runtimes: ALL, shownDefault: '4G', meaning: 'most decompressed XML read from one upstream metadata file, 4K to 256G (a compression bomb stops here)' },
  BERTH_UPSTREAM_MAX_XML_ELEMENT_BYTES: { runtimes: ALL, shownDefault: '8M', meaning: 'largest single element of upstream XML (one `<package>` of primary.xml), 4K to 1G: an unclosed element stops here' },
  BERTH_MIRROR_TENANTS: { runtimes: ALL, shownDefault: '4', meaning: 'tenants whose scheduled mirror runs may be in progress at once, 1 to 64; each tenant\'s mirrors run one after another, so one tenant\'s slow upstream never delays another tenant' },
  AZURE_STORAGE_CONNECTION_STRING: { runtimes: ['node'], secret: true, meaning: 'use Azure Blob Storage (or Azurite) by connection string instead of local disk' },
  BERTH_STORAGE_ACCOUNT_URL: {
    runtimes: ['node', 'functions'], formerly: ['AZURE_STORAGE_ACCOUNT_URL'],
    meaning: 'Azure Blob Storage endpoint (`https://ACCOUNT.blob.core.windows.net`) reached with `DefaultAzureCredential` (managed identity, az login, …)',
  },
  BERTH_CONTAINER: { runtimes: ['node', 'functions'], shownDefault: 'berth', formerly: ['BERTH_AZURE_CONTAINER'], meaning: 'blob container holding all Berth data' },
  AzureWebJobsStorage: {
    runtimes: ['functions'], secret: true,
    meaning: 'connection string of the Functions host storage (Azurite, local runs); Berth then keeps its blobs and queue there. In Azure, set `BERTH_STORAGE_ACCOUNT_URL` instead',
  },
  BERTH_QUEUE_SERVICE_URL: { runtimes: ['functions'], meaning: 'queue endpoint; derived from `BERTH_STORAGE_ACCOUNT_URL` (`.blob.` → `.queue.`) when unset' },
  BERTH_QUEUE: { runtimes: ['functions'], required: ['functions'], meaning: 'Storage Queue of RepoChanged events (also the trigger\'s `%BERTH_QUEUE%`)' },
  BERTH_MIRROR_SCHEDULE: {
    runtimes: ['functions'], shownDefault: DEFAULT_MIRROR_SCHEDULE,
    meaning: 'six-field NCRONTAB of the mirror timer: when due mirrors are looked for',
  },
  BERTH_STORAGE: {
    runtimes: ['worker'], shownDefault: 'r2',
    meaning: '`r2` (read-write; bindings `BUCKET` and `EVENTS`) or `azure-sas` (read-only edge over an Azure-hosted Berth)',
  },
  AZURE_BLOB_CONTAINER_URL: { runtimes: ['worker'], meaning: 'with `azure-sas`: the container URL, without a query' },
  AZURE_BLOB_SAS: { runtimes: ['worker'], secret: true, meaning: 'with `azure-sas`: a container SAS with read and list (`sp=rl`)' },
};

/** The settings `runtime` reads, in schema order. */
export function settingsOf(runtime: Runtime): SettingName[] {
  return (Object.keys(settingsSchema.shape) as SettingName[]).filter((n) => SETTING_DOCS[n].runtimes.includes(runtime));
}

/** Old name → current name, for every deprecated name. */
export function formerNames(): Map<string, SettingName> {
  const out = new Map<string, SettingName>();
  for (const name of Object.keys(SETTING_DOCS) as SettingName[]) {
    for (const old of SETTING_DOCS[name].formerly ?? []) out.set(old, name);
  }
  return out;
}
