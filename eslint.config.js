// Lint is also where the layering is enforced, as VS Code does with its layers:
// shared/ knows neither Electron nor React; renderer/ sees only the contract of shared/;
// electron/ may use shared/ but never renderer/.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const uiModules = ['react', 'react-dom', 'react-dom/*', 'zustand', 'zustand/*', '@xterm/*'];
const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'child_process', 'net', 'http', 'https', 'crypto', 'worker_threads'];

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'dist/', 'test-artifacts/', '.tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'off',
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'shared/ is Electron-free: put Electron code in electron/.' }],
          patterns: [
            { group: uiModules, message: 'shared/ is React-free: UI code belongs in renderer/.' },
            { group: ['**/renderer/**', '**/electron/**'], message: 'shared/ may not import the renderer or the Electron layer.' },
            { group: ['**/emulator/**'], message: 'Only host entry points (cli.ts) may start the emulator.' },
          ],
        },
      ],
    },
  },
  {
    // Host entry points compose the core with the embedded emulator.
    files: ['shared/webhost/cli.ts', 'shared/export/cli.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'shared/ is Electron-free.' }],
          patterns: [{ group: [...uiModules, '**/renderer/**', '**/electron/**'], message: 'shared/ is Electron- and React-free.' }],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The renderer reaches the core only through window.consoleApi.' }],
          patterns: [
            { group: nodeBuiltins, message: 'The renderer runs in a sandboxed page: no Node built-ins.' },
            {
              group: ['**/shared/**', '!**/shared/contract', '!**/shared/contract/**'],
              message: 'The renderer imports only the contract from shared/.',
            },
            { group: ['**/electron/**', '**/emulator/**'], message: 'The renderer imports only the contract from shared/.' },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/renderer/**'], message: 'electron/ never imports the renderer: it loads its built bundle.' },
            { group: uiModules, message: 'electron/ holds no UI code.' },
          ],
        },
      ],
    },
  },
  {
    files: ['emulator/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The emulator runs without Electron.' }],
          patterns: [{ group: [...uiModules, '**/renderer/**', '**/electron/**'], message: 'The emulator is a server: no UI or Electron code.' }],
        },
      ],
    },
  },
);
