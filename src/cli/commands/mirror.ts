/** `berth mirror create|show|run|update|remove T/R`: configure and run mirroring of an upstream repository. */
import { readFile } from 'node:fs/promises';
import { ApiClient, ApiError, enc, splitRepo } from '../api-client.js';
import { emit, groupCommand, parse } from '../args.js';
import { CliError, type Command } from '../command.js';
import { MIRROR_EDIT_HELP, MIRROR_EDIT_TEXT, removeMirror, updateMirror } from './mirror-edit.js';

const HELP = `Usage: berth mirror create TENANT/REPO --from URL [--metalink] [--key FILE | --no-verify]
                          [--mode complete|filtered] [--include GLOB]... [--exclude GLOB]...
                          [--arch ARCH]... [--newest N] [--interval SECONDS] [--concurrency N] [--json]
       berth mirror show TENANT/REPO [--json]
       berth mirror run TENANT/REPO [--force] [--json]
${MIRROR_EDIT_HELP}

Makes an existing repository a mirror of an upstream dnf repository (URL = its base URL, or a
metalink with --metalink). Complete mode (the default without filters) serves upstream's
metadata and signature unchanged: give upstream's repomd.xml signing key with --key, or
--no-verify to skip the check. Filters select packages (name globs, arches, the newest N of each
name and arch) and imply filtered mode: Berth then regenerates and signs the metadata itself.
'run' mirrors now and prints a summary; it exits 1 when the run failed (nothing was published).
${MIRROR_EDIT_TEXT}
Environment: BERTH_URL (default http://127.0.0.1:8080), BERTH_TOKEN (admin scope).`;

interface Summary {
  ok: boolean;
  outcome: string;
  upstream: string | null;
  revision: number | null;
  signedBy: string | null;
  packages: { upstream: number; selected: number; added: number; removed: number; fetched: number; reused: number; skipped: { nevra: string; reason: string }[] };
  warnings?: string[];
  metadataFiles: number;
  bytes: number;
  requests: number;
  durationMs: number;
  error?: { code: string; detail: string };
}

function positiveInt(flag: string, v: string | undefined, min = 1): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new CliError(`${flag} takes an integer >= ${min}, not '${v}'`, 2);
  return n;
}

async function create(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    from: { type: 'string' }, metalink: { type: 'boolean' }, key: { type: 'string' }, 'no-verify': { type: 'boolean' },
    mode: { type: 'string' }, include: { type: 'string', multiple: true }, exclude: { type: 'string', multiple: true },
    arch: { type: 'string', multiple: true }, newest: { type: 'string' }, interval: { type: 'string' }, concurrency: { type: 'string' },
  }, HELP);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length !== 1 || !values.from) throw new CliError(`expected TENANT/REPO and --from URL\n\n${HELP}`, 2);
  if (values.mode !== undefined && values.mode !== 'complete' && values.mode !== 'filtered') throw new CliError(`--mode is complete or filtered`, 2);
  const { tenant, repo } = splitRepo(positionals[0]);
  let key: string | undefined;
  if (values.key) {
    try {
      key = await readFile(values.key, 'utf8');
    } catch (e) {
      throw new CliError(`cannot read ${values.key}: ${(e as Error).message}`, 2);
    }
  }
  const body = {
    from: values.from,
    metalink: Boolean(values.metalink),
    ...(key !== undefined ? { key } : {}),
    ...(values['no-verify'] ? { verify: false } : {}),
    ...(values.mode ? { mode: values.mode } : {}),
    include: values.include ?? [], exclude: values.exclude ?? [], arches: values.arch ?? [],
    ...(values.newest !== undefined ? { newest: positiveInt('--newest', values.newest) } : {}),
    ...(values.interval !== undefined ? { intervalSeconds: positiveInt('--interval', values.interval, 0) } : {}),
    ...(values.concurrency !== undefined ? { concurrency: positiveInt('--concurrency', values.concurrency) } : {}),
  };
  const res = await ApiClient.fromEnv().request<{ mode: string; from: string }>({
    method: 'POST', path: `/api/v1/repos/${enc(tenant)}/${enc(repo!)}/mirror`, json: body,
  });
  emit(values.json, res.body, `${tenant}/${repo} mirrors ${res.body.from} (${res.body.mode} mode)`);
  return 0;
}

async function show(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {}, HELP);
  if (positionals.length !== 1) throw new CliError(`expected TENANT/REPO\n\n${HELP}`, 2);
  const { tenant, repo } = splitRepo(positionals[0]);
  const res = await ApiClient.fromEnv().request<{ from: string; mode: string; lastRun: { outcome: string; finishedAt: string } | null }>({
    method: 'GET', path: `/api/v1/repos/${enc(tenant)}/${enc(repo!)}/mirror`,
  });
  const b = res.body;
  emit(values.json, b, `${tenant}/${repo}: ${b.mode} mirror of ${b.from}; last run: ${b.lastRun ? `${b.lastRun.outcome} at ${b.lastRun.finishedAt}` : 'never'}`);
  return 0;
}

function human(s: Summary): string {
  if (!s.ok) return `mirror run failed: ${s.error?.detail ?? '?'} (${s.error?.code ?? '?'}); nothing was published`;
  if (s.outcome === 'unchanged') return `unchanged: upstream repomd.xml is the one mirrored last (${s.requests} request${s.requests === 1 ? '' : 's'})`;
  const p = s.packages;
  const lines = [
    `updated to revision ${s.revision ?? '?'} from ${s.upstream ?? '?'}${s.signedBy ? ` (repomd.xml signed by ${s.signedBy})` : ''}`,
    `packages: ${p.selected} of ${p.upstream} upstream; ${p.added} added, ${p.removed} removed; ${p.fetched} downloaded, ${p.reused} already stored`,
    `${s.metadataFiles} metadata file(s), ${s.bytes} bytes in ${s.requests} requests, ${(s.durationMs / 1000).toFixed(1)} s`,
    ...p.skipped.map((k) => `skipped ${k.nevra}: ${k.reason}`),
    ...(s.warnings ?? []).map((w) => `warning: ${w}`),
  ];
  return lines.join('\n');
}

/** Streams NDJSON progress on a TTY (stderr), else asks for the plain summary. */
async function run(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { force: { type: 'boolean' } }, HELP);
  if (positionals.length !== 1) throw new CliError(`expected TENANT/REPO\n\n${HELP}`, 2);
  const { tenant, repo } = splitRepo(positionals[0]);
  const client = ApiClient.fromEnv();
  const path = `/api/v1/repos/${enc(tenant)}/${enc(repo!)}/mirror/run${values.force ? '?force=1' : ''}`;
  let summary: Summary;
  if (process.stderr.isTTY && !values.json) summary = await runWithProgress(client, path);
  else summary = (await client.request<Summary>({ method: 'POST', path })).body;
  emit(values.json, summary, human(summary));
  return summary.ok ? 0 : 1;
}

async function runWithProgress(client: ApiClient, path: string): Promise<Summary> {
  let res: Response;
  try {
    res = await fetch(`${client.baseUrl}${path}`, {
      method: 'POST', headers: { authorization: `Bearer ${client.token}`, accept: 'application/x-ndjson' },
    });
  } catch (e) {
    throw new CliError(`cannot reach ${client.baseUrl}: ${(e as Error).message}`, 1);
  }
  if (!res.ok || !res.body) {
    const p = (await res.json().catch(() => ({}))) as { code?: string; detail?: string };
    throw new ApiError(res.status, p.code ?? `http_${res.status}`, p.detail ?? `POST ${path} answered ${res.status}`, p);
  }
  let buf = '';
  let summary: Summary | null = null;
  const decoder = new TextDecoder();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const msg = JSON.parse(buf.slice(0, nl)) as { progress?: { phase: string; done: number; total: number }; summary?: Summary; error?: { code: string; detail: string } };
      buf = buf.slice(nl + 1);
      if (msg.progress) process.stderr.write(`\r${msg.progress.phase} ${msg.progress.done}/${msg.progress.total}\x1b[K`);
      if (msg.summary) summary = msg.summary;
      if (msg.error) throw new ApiError(500, msg.error.code, msg.error.detail, msg);
    }
  }
  process.stderr.write('\r\x1b[K');
  if (!summary) throw new CliError('the service ended the run without a summary', 1);
  return summary;
}

export const mirrorCommand: Command = groupCommand('mirror', 'mirror an upstream repository into a repo (service)', {
  create, show, run, update: (a) => updateMirror(a, HELP), remove: (a) => removeMirror(a, HELP),
}, HELP);
