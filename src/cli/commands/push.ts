/** `berth push T/R FILE…`: upload packages, streamed, a few at a time. */
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { ApiClient, ApiError, enc, splitRepo } from '../api-client.js';
import { parse } from '../args.js';
import { CliError, type Command } from '../command.js';
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from '../retry.js';

const HELP = `Usage: berth push TENANT/REPO FILE... [--jobs N] [--json]

Uploads each RPM (signed by a key trusted for the repository, unless it allows unsigned
packages). Each file is streamed with its Content-Length; --jobs uploads run at once (default 4).
Prints one line per file — added, unchanged, refused (the server said no, with its reason and
problem code) or failed (the file could not be read, or the server could not be reached) — and
then "N of M pushed"; exits 1 if any upload was refused or failed. An upload the
server answers 503 (busy) or 429 is retried after the time its Retry-After names (plus
jitter), up to 5 attempts in all.
Environment: BERTH_URL (default http://127.0.0.1:8080), BERTH_TOKEN (publish scope).`;

interface Published {
  sha256: string;
  nevra: string;
  location: string;
  revision: number;
}

export type PushResult =
  | ({ file: string; ok: true; status: number; created: boolean; attempts: number } & Published)
  | { file: string; ok: false; status: number | null; code: string; detail: string; attempts?: number };

async function pushOne(client: ApiClient, tenant: string, repo: string, file: string, retry: Partial<RetryPolicy>): Promise<PushResult> {
  let size: number;
  try {
    const s = await stat(file);
    if (!s.isFile()) return { file, ok: false, status: null, code: 'not_a_file', detail: `${file} is not a regular file` };
    size = s.size;
  } catch (e) {
    return { file, ok: false, status: null, code: 'unreadable', detail: (e as Error).message };
  }
  let attempts = 0;
  try {
    // Each attempt streams the file afresh: a body stream can be sent only once.
    const { value: res } = await withRetry(() => {
      attempts++;
      return client.uploadFile<Published>(`/api/v1/repos/${enc(tenant)}/${enc(repo)}/packages`, file, size, 'application/x-rpm');
    }, retry);
    return { file, ok: true, status: res.status, created: res.status === 201, attempts, ...res.body };
  } catch (e) {
    if (e instanceof ApiError) return { file, ok: false, status: e.status, code: e.code, detail: e.detail, attempts };
    return { file, ok: false, status: null, code: 'request_failed', detail: (e as Error).message };
  }
}

/** Runs `fn` over `items` with at most `n` in flight, keeping input order in the results. */
async function mapLimit<T, R>(items: readonly T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}

/** The last line: `N of M pushed`, then how many the server refused and how many failed here. */
export function pushSummary(results: readonly PushResult[]): string {
  const refused = results.filter((r) => !r.ok && r.status !== null).length;
  const failed = results.filter((r) => !r.ok && r.status === null).length;
  return `${results.length - refused - failed} of ${results.length} pushed${refused ? `, ${refused} refused` : ''}${failed ? `, ${failed} failed` : ''}`;
}

export const pushCommand: Command = {
  summary: 'upload packages to a repository (service)',
  async run(args) {
    const { values, positionals } = parse(args, { jobs: { type: 'string', short: 'j' } }, HELP);
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    if (positionals.length < 2) throw new CliError(`expected TENANT/REPO and at least one FILE\n\n${HELP}`, 2);
    const { tenant, repo } = splitRepo(positionals[0]);
    const jobs = values.jobs === undefined ? 4 : Number(values.jobs);
    if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) throw new CliError(`--jobs takes 1..64, not '${values.jobs}'`, 2);
    const client = ApiClient.fromEnv();
    const results = await mapLimit(positionals.slice(1), jobs, async (file) => {
      const retry: Partial<RetryPolicy> = values.json ? {} : {
        onRetry: ({ attempt, waitSeconds, error }) =>
          console.error(`busy      ${basename(file)}: ${error.code} (${error.status}), retrying in ${waitSeconds.toFixed(1)} s (attempt ${attempt + 1} of ${DEFAULT_RETRY.maxAttempts})`),
      };
      const r = await pushOne(client, tenant, repo!, file, retry);
      if (!values.json) {
        if (r.ok) console.log(`${r.created ? 'added    ' : 'unchanged'} ${r.nevra} (${r.sha256.slice(0, 12)}) from ${basename(file)}`);
        else if (r.status !== null) console.error(`refused   ${basename(file)}: ${r.detail} (${r.status}, ${r.code})`);
        else console.error(`failed    ${basename(file)}: ${r.detail} (${r.code})`);
      }
      return r;
    });
    const failed = results.filter((r) => !r.ok).length;
    if (values.json) console.log(JSON.stringify({ results, failed }, null, 2));
    else console.log(pushSummary(results));
    return failed === 0 ? 0 : 1;
  },
};
