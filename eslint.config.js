// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// ---- the layers (ARCHITECTURE.md) ----------------------------------------------------------------
// protocol/ < src/backend < src/core < src/transport < src/auth < src/metrics < src/http < the
// composition root (src/server.ts, index.ts, cli*.ts, config.ts …). A file imports only its own
// layer or those below; the SDK (client/) imports only protocol/, the demo only the SDK's public
// index. Each block below forbids, for the files of one layer, the import specifiers that reach
// upwards (relative specifiers, so each block knows its files' depth).

/** The composition root's files, as seen from a directory one level below src/. */
const ROOT_FILES = [
  '../server.js',
  '../index.js',
  '../config.js',
  '../cli.js',
  '../cli-main.js',
  '../embedding-options.js',
  '../module-options.js',
  '../did-you-mean.js',
  '../node-support.js',
];

/** A config block: the files of one layer may not import `groups`, with the layer's reason. */
function layer(files, groups, reason) {
  return {
    files,
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: groups, message: reason }] }] },
  };
}

const layerRules = [
  layer(
    ['protocol/**/*.ts'],
    ['../src/*', '../client/*', '../demo/*', 'node:*'],
    'protocol/ is shared by the server and the browser SDK: it imports nothing of theirs and no Node built-in.',
  ),
  layer(
    ['client/*.ts'],
    ['../src/*', '../demo/*', 'node:*'],
    'The SDK runs in browsers: it imports only protocol/ (and no Node built-in).',
  ),
  layer(
    ['client/*/**/*.ts'],
    ['../../src/*', '../../demo/*', 'node:*'],
    'The SDK runs in browsers: it imports only protocol/ (and no Node built-in).',
  ),
  layer(
    ['demo/src/**/*.ts'],
    ['../../src/*', '../../protocol/*', '../../client/*', '!../../client/index.js'],
    'The demo is an SDK user like any other: it imports only the public index of client/.',
  ),
  layer(
    ['src/backend/**/*.ts'],
    [
      '../core/*',
      '../transport/*',
      '../auth/*',
      '../metrics/*',
      '../http/*',
      ...ROOT_FILES,
      'ws',
      'fastify',
      '@fastify/*',
    ],
    'src/backend is below the core: it knows the Backend contract and protocol/, not who uses it.',
  ),
  layer(
    ['src/core/**/*.ts'],
    [
      '../transport/*',
      '../auth/*',
      '../metrics/*',
      '../http/*',
      ...ROOT_FILES,
      'ws',
      'fastify',
      '@fastify/*',
    ],
    'The core is transport-free: it imports protocol/, the Backend contract and its own files only.',
  ),
  layer(
    ['src/transport/**/*.ts'],
    ['../backend/*', '../auth/*', '../metrics/*', '../http/*', ...ROOT_FILES, 'fastify', '@fastify/*'],
    'The transport hands connections to the core; it does not reach the backend, auth, metrics or HTTP.',
  ),
  layer(
    ['src/auth/**/*.ts'],
    ['../metrics/*', '../http/*', ...ROOT_FILES, 'ws', 'fastify', '@fastify/*'],
    'src/auth is below metrics and HTTP: the composition root gives it its options.',
  ),
  layer(
    ['src/metrics/**/*.ts'],
    ['../http/*', ...ROOT_FILES, 'ws', 'fastify', '@fastify/*'],
    'src/metrics is below HTTP: routes read metrics, not the other way round.',
  ),
  layer(
    ['src/http/**/*.ts'],
    [...ROOT_FILES, 'ws'],
    'HTTP routes are an edge below the composition root: server.ts builds them, they do not import it.',
  ),
];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'test-artifacts/**',
      'coverage/**',
      'bench/results/**',
      '**/.next/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  ...layerRules,
  {
    files: ['test/**', 'bench/**', 'scripts/**'],
    rules: { 'no-console': 'off' },
  },
  {
    // Examples print where they listen, and the browser ones run in a page.
    files: ['examples/**'],
    rules: { 'no-console': 'off' },
    languageOptions: { globals: { document: 'readonly', location: 'readonly', window: 'readonly' } },
  },
);
