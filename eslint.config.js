import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layers of src/, lowest first (docs/ARCHITECTURE.md draws them). A folder imports only from
 * folders before it in this list; an import that runs back up fails the lint, so the architecture
 * is checked, not only described.
 */
export const LAYERS = ['core', 'net', 'storage', 'auth', 'repo', 'mirror', 'http', 'sync', 'settings', 'adapters', 'cli'];

/** `../x/*`, `../../x/*`, … for each folder that `layer` may not import. */
function higherLayers(layer) {
  const above = LAYERS.slice(LAYERS.indexOf(layer) + 1);
  return above.flatMap((name) => ['../', '../../', '../../../'].map((up) => `${up}${name}/*`));
}

const layerRules = LAYERS.filter((l) => l !== 'cli').map((layer) => ({
  files: [`src/${layer}/**/*.ts`],
  rules: {
    'no-restricted-imports': ['error', {
      patterns: [
        { group: higherLayers(layer), message: `src/${layer} imports only from ${LAYERS.slice(0, LAYERS.indexOf(layer)).map((l) => `src/${l}`).join(', ') || 'src/core itself'}: this import runs back up the layers (docs/ARCHITECTURE.md).` },
        ...(layer === 'net'
          ? [{ group: ['node:*', 'hono', 'hono/*', '@hono/*', '@azure/*', '@cloudflare/*', 'undici'], message: 'src/net runs on every runtime: runtime pieces (DNS, sockets) come in as a Transport from src/adapters.' }]
          : []),
        ...(layer === 'mirror'
          ? [{ group: ['node:*', 'undici'], message: 'src/mirror runs on every runtime (the Worker mirrors too): decompression comes through Platform, HTTP through src/net.' }]
          : []),
        ...(layer === 'core'
          ? [
              { group: ['node:*', 'fs', 'path', 'crypto', 'zlib', 'stream', 'os', 'child_process'], message: 'src/core imports no runtime module; take it through Platform.' },
              { group: ['hono', 'hono/*', '@hono/*', '@azure/*', '@cloudflare/*', 'zod'], message: 'src/core imports no framework or SDK.' },
            ]
          : []),
        ...(layer === 'storage' || layer === 'auth' || layer === 'repo' || layer === 'mirror'
          ? [{ group: ['hono', 'hono/*', '@hono/*'], message: `src/${layer} knows nothing of HTTP serving: throw a Refusal (src/repo/errors.ts); src/http maps it.` }]
          : []),
      ],
    }],
  },
}));

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/.work/**', '**/.wrangler/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { files: ['bin/**/*.js', '*.js'], languageOptions: { globals: { process: 'readonly', console: 'readonly' } } },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  ...layerRules,
  {
    // The core is pure: it must run unchanged in Node, Azure Functions and workerd.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-globals': ['error', { name: 'process', message: 'src/core reads no environment.' }, { name: 'Buffer', message: 'Use Uint8Array in src/core.' }],
    },
  },
  {
    // Azure Functions registration only: it wires adapters, never reaches past them.
    files: ['functions/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['../src/cli/*'], message: 'functions/ registers the Azure adapter; the CLI is not part of it.' }] }],
    },
  },
);
