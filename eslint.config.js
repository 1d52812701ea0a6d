// Lint, and the process boundaries of docs/architecture.md §2 as rules: a boundary crossed fails `npm test`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

const restrict = (message, paths, patterns = []) => ({
  'no-restricted-imports': [
    'error',
    {
      paths: paths.map((name) => ({ name, message })),
      patterns: patterns.map((p) => ({ ...p, message: p.message ?? message })),
    },
  ],
});

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', '.tools/**', 'test-results/**', 'playwright-report/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: restrict(
      'src/ is the core: plain TypeScript on Node, no Electron, no React, no UI or hub code (docs/architecture.md §2).',
      ['electron', 'react', 'react-dom', 'zustand', 'electron-store'],
      [{ group: ['electron/*', 'react/*', 'react-dom/*', '**/main/*', '**/renderer/*', '**/server/*'] }],
    ),
  },
  {
    // The web client is a second shell beside main/: it wires main's Electron-free parts (the
    // handler registry, the services, the sandbox) to a browser, never Electron itself.
    files: ['src/web/**/*.ts'],
    rules: restrict(
      "src/web/ is the browser shell: main's Electron-free modules only, no Electron, no React (docs/architecture.md §2).",
      ['electron', 'react', 'react-dom'],
      [
        {
          group: [
            'electron/*',
            '**/renderer/*',
            '**/server/*',
            '**/main/index',
            '**/main/window',
            '**/main/tray',
            '**/main/ipc',
            '**/main/preload',
          ],
        },
      ],
    ),
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    ignores: ['renderer/**/*.test.ts', 'renderer/**/*.test.tsx'],
    languageOptions: { globals: { ...globals.browser } },
    rules: restrict(
      'renderer/ reaches the world only through window.clerk: no Node, no Electron, only the IPC contract from src/ipc (docs/architecture.md §2).',
      ['electron', ...nodeBuiltins],
      [{ group: ['node:*', 'electron/*', '**/main/*', '**/server/*', '**/src/*', '!**/src/ipc', '!**/src/ipc/*'] }],
    ),
  },
  {
    files: ['server/**/*.ts'],
    rules: restrict(
      'server/ shares only src/protocol, src/crypto, src/formats and src/archive with the client (docs/architecture.md §2).',
      ['electron', 'react', 'react-dom'],
      [
        {
          group: [
            '**/main/*',
            '**/renderer/*',
            '**/src/*',
            '!**/src/protocol',
            '!**/src/protocol/*',
            '!**/src/crypto',
            '!**/src/crypto/*',
            '!**/src/formats',
            '!**/src/formats/*',
            '!**/src/archive',
            '!**/src/archive/*',
          ],
        },
      ],
    ),
  },
  {
    files: ['main/**/*.ts'],
    rules: restrict(
      'main/ is the Electron shell: the UI lives in renderer/ (docs/architecture.md §2).',
      ['react', 'react-dom'],
      [{ group: ['**/renderer/*', '**/server/*'] }],
    ),
  },
);
