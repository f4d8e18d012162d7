import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
  {
    // The core is pure: it must run unchanged in Node, Azure Functions and workerd.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*', 'fs', 'path', 'crypto', 'zlib', 'stream', 'os', 'child_process'], message: 'src/core imports no runtime module; take it through Platform.' },
          { group: ['hono', 'hono/*', '@hono/*', '@azure/*', '@cloudflare/*', 'zod'], message: 'src/core imports no framework or SDK.' },
          { group: ['../storage/*', '../adapters/*', '../http/*', '../cli/*', '../../storage/*', '../../adapters/*', '../../http/*', '../../cli/*'], message: 'src/core depends on nothing outside src/core.' },
        ],
      }],
      'no-restricted-globals': ['error', { name: 'process', message: 'src/core reads no environment.' }, { name: 'Buffer', message: 'Use Uint8Array in src/core.' }],
    },
  },
);
