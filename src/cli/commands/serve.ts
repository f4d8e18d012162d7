/** `berth serve`: the repository service on Node. */
import { ConfigError, loadConfig } from '../../adapters/node/config.js';
import { jsonLogger } from '../../adapters/node/logger.js';
import { parse } from '../args.js';
import { CliError, type Command } from '../command.js';
import type * as ClusterModule from '../../adapters/node/cluster.js';

const HELP = `Usage: berth serve [--port N] [--host H] [--data DIR] [--workers N|auto]
       berth serve --dir DIR --read-only [--port N] [--host H]

Runs the repository service (API + dnf endpoints). Listens on 127.0.0.1 by default; use
--host 0.0.0.0 (or ::) to accept connections from other machines, ideally behind a TLS proxy.
Logs are JSON lines on stderr.

With --dir DIR --read-only it serves a plain directory repo instead (what \`berth sync\` or
createrepo_c wrote): GET/HEAD of its files with ETag and ranges, anonymous, no API.

Options (each overrides its environment variable):
  --port N      BERTH_PORT (default 8080; 0 picks a free port)
  --host H      BERTH_HOST (default 127.0.0.1)
  --data DIR    BERTH_DATA: embedded store directory (default ./.berth/data)
  --workers N   BERTH_WORKERS: server processes sharing the port (default 1; auto = one per
                CPU). Caches stay coherent: a publish or a token revocation in one worker is
                applied in all of them at once.
  --dir DIR     serve this directory repo read-only (needs --read-only; no API, no auth)
  --read-only   required with --dir, so a plain file server is never started by accident

Environment (the README's settings table lists every setting):
  BERTH_ADMIN_TOKEN        operator credential (or BERTH_ADMIN_TOKEN_SHA256, its SHA-256); without
                           either the embedded store generates one on first start and prints it once
  BERTH_PUBLIC_URL         base URL written into config.repo (default: from the request)
  BERTH_MAX_UPLOAD_BYTES   largest package accepted (default 1G; e.g. 512M)
  BERTH_RETENTION          how long superseded metadata stays downloadable (default 3d)
  BERTH_GC_INTERVAL        how often garbage collection runs (default 1h)
  BERTH_MIRROR_INTERVAL    how often due mirrors are looked for (default 5m; 0 = off)
  AZURE_STORAGE_CONNECTION_STRING | BERTH_STORAGE_ACCOUNT_URL (DefaultAzureCredential)
                           use Azure Blob Storage instead of the embedded store
  BERTH_CONTAINER          container name (default berth)`;

export const serveCommand: Command = {
  summary: 'run the repository service (API + dnf endpoints)',
  async run(args) {
    const { values, positionals } = parse(args, {
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      data: { type: 'string' },
      workers: { type: 'string' },
      dir: { type: 'string' },
      'read-only': { type: 'boolean' },
    }, HELP);
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    if (positionals.length > 0) throw new CliError(`unexpected argument '${positionals[0]}'\n\n${HELP}`, 2);
    let port: number | undefined;
    if (values.port !== undefined) {
      port = Number(values.port);
      if (!/^\d+$/.test(values.port) || port > 65535) throw new CliError(`--port takes 0..65535, not '${values.port}'`, 2);
    }
    if (values.dir !== undefined || values['read-only']) {
      if (values.dir === undefined || !values['read-only'] || values.data !== undefined) {
        throw new CliError(`--dir DIR and --read-only go together (and without --data)\n\n${HELP}`, 2);
      }
      return serveDirectory(values.dir, values.host ?? process.env['BERTH_HOST'] ?? '127.0.0.1', port ?? 8080, values.json === true);
    }
    let config;
    try {
      config = loadConfig(process.env, {
        ...(port !== undefined ? { port } : {}),
        ...(values.host !== undefined ? { host: values.host } : {}),
        ...(values.data !== undefined ? { data: values.data } : {}),
        ...(values.workers !== undefined ? { workers: values.workers } : {}),
      });
    } catch (e) {
      if (e instanceof ConfigError) throw new CliError(e.message, 2);
      throw e;
    }
    const logger = jsonLogger();
    // Loaded here, not at the top: the other commands should not pay for the whole service.
    const { startServer } = await import('../../adapters/node/server.js');
    const clustered = config.workers > 1 ? await import('../../adapters/node/cluster.js') : null;
    let server;
    try {
      if (clustered?.isClusterWorker()) return await runWorker(clustered, config, logger);
      const opts = { logger, print: (t: string) => process.stdout.write(t) };
      server = clustered ? await clustered.startCluster(config, opts) : await startServer(config, opts);
    } catch (e) {
      if (e instanceof ConfigError) throw new CliError(e.message, 2);
      const code = (e as { code?: unknown }).code;
      if (code === 'EADDRINUSE' || code === 'EACCES') throw new CliError(`cannot listen on ${config.host}:${config.port}: ${code}`, 1);
      throw e;
    }
    if (values.json) console.log(JSON.stringify({ url: server.url, port: server.port }));
    return untilSignal(logger, () => server.close());
  },
};

type Clustered = typeof ClusterModule;

/** One worker of `--workers N`: stops when the primary asks (or on a signal, e.g. Ctrl-C). */
async function runWorker(clustered: Clustered, config: Parameters<Clustered['startClusterWorker']>[0], logger: ReturnType<typeof jsonLogger>): Promise<number> {
  const { server, shutdown } = await clustered.startClusterWorker(config, logger);
  await new Promise<void>((resolveStop) => {
    void shutdown.then(resolveStop);
    // Handled (not the default exit) for as long as the graceful close runs.
    process.on('SIGINT', () => resolveStop());
    process.on('SIGTERM', () => resolveStop());
  });
  await server.close();
  // The IPC channel to the primary would keep this process alive.
  if (process.connected) process.disconnect();
  return 0;
}

async function serveDirectory(dir: string, host: string, port: number, json: boolean): Promise<number> {
  const { statSync } = await import('node:fs');
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new CliError(`--dir ${dir} is not a directory`, 2);
  const logger = jsonLogger();
  const { startDirServer } = await import('../../sync/serve-dir.js');
  let server;
  try {
    server = await startDirServer({ dir, host, port }, logger);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') throw new CliError(`cannot listen on ${host}:${port}: ${code}`, 1);
    throw e;
  }
  if (json) console.log(JSON.stringify({ url: server.url, port: server.port }));
  return untilSignal(logger, () => server.close());
}

/** Runs until SIGINT/SIGTERM, then closes gracefully; exit code 0. */
async function untilSignal(logger: ReturnType<typeof jsonLogger>, close: () => Promise<void>): Promise<number> {
  const running = { close };
  await new Promise<void>((resolveStop) => {
    const stop = (signal: string): void => {
      logger.info('shutting down', { signal });
      process.removeAllListeners('SIGINT');
      process.removeAllListeners('SIGTERM');
      void running.close().then(resolveStop, (err: unknown) => {
        logger.error('shutdown failed', { error: err });
        resolveStop();
      });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  return 0;
}
