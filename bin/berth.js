#!/usr/bin/env node
// Launcher. In a source checkout with dev dependencies it runs the TypeScript sources through
// tsx, so what runs is always what is checked out (a stale dist/ can never shadow a change).
// In an install without tsx (production: `npm ci --omit=dev && npm run build` elsewhere), it
// runs the compiled CLI from dist/.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'src', 'cli', 'main.ts');
const tsx = join(root, 'node_modules', 'tsx', 'package.json');
if (existsSync(source) && existsSync(tsx)) {
  // one process (signals reach the server directly); worker threads inherit the loader
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(source).href);
} else {
  await import(pathToFileURL(join(root, 'dist', 'src', 'cli', 'main.js')).href);
}
