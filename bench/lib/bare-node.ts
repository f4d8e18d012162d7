/**
 * The ceiling for any Node server on this machine: node:http answering every path under `docroot`
 * from memory (files read once at start), no framework, no logging. A child process, so it gets
 * its own event loop like berth serve does.
 */
import { spawn } from 'node:child_process';
import { freePort } from '../../test/helpers/net.js';

const SERVER = `
const { createServer } = require('node:http');
const { readFileSync, readdirSync, statSync } = require('node:fs');
const { join, relative } = require('node:path');
const [root, port] = process.argv.slice(1);
const files = new Map();
const walk = (d) => { for (const n of readdirSync(d)) { const p = join(d, n); if (statSync(p).isDirectory()) walk(p); else files.set('/' + relative(root, p), readFileSync(p)); } };
walk(root);
createServer((req, res) => {
  const body = files.get(req.url);
  if (!body) { res.writeHead(404); res.end(); return; }
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length, etag: '"x"', 'cache-control': 'public, no-cache' });
  res.end(body);
}).listen(Number(port), '127.0.0.1', () => console.log('ready'));
`;

export async function startBareNode(docroot: string): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['-e', SERVER, docroot, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bare node server exited (${code})`)));
    child.stdout.once('data', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}
