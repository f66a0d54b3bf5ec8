// Lint is also where the layering is enforced, as VS Code does with its layers:
// common/ (contract and wire knowledge) imports nothing of ours and nothing runtime-specific;
// core/ knows neither Electron nor React; renderer/ and the preload see only common/;
// electron/ may use core/ and common/ but never renderer/.
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
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: {
        projectService: {
          allowDefaultProject: ['*.js', '*.mjs', 'scripts/*.mjs', 'test/helpers/*.cjs', 'test/helpers/*/*.mjs', 'emulator/runtime/*.cjs'],
          maximumDefaultProjectFileMatchCount_THIS_WILL_SLOW_DOWN_LINTING: 16,
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'off',
    },
  },
  {
    // common/ runs everywhere: in the page, in the sandboxed preload, in Node. So: no Node built-ins either.
    files: ['common/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'common/ runs in every runtime: no Electron.' }],
          patterns: [
            { group: [...uiModules, ...nodeBuiltins], message: 'common/ runs in every runtime: no UI library, no Node built-in.' },
            {
              group: ['**/core/**', '**/renderer/**', '**/electron/**', '**/emulator/**'],
              message: 'common/ imports nothing of the layers above it.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'core/ is Electron-free: put Electron code in electron/.' }],
          patterns: [
            { group: uiModules, message: 'core/ is React-free: UI code belongs in renderer/.' },
            { group: ['**/renderer/**', '**/electron/**'], message: 'core/ may not import the renderer or the Electron layer.' },
            { group: ['**/emulator/**'], message: 'Only host entry points (cli.ts) may start the emulator.' },
          ],
        },
      ],
    },
  },
  {
    // Host entry points compose the core with the embedded emulator.
    files: ['core/webhost/cli.ts', 'core/export/cli.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'core/ is Electron-free.' }],
          patterns: [{ group: [...uiModules, '**/renderer/**', '**/electron/**'], message: 'core/ is Electron- and React-free.' }],
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
              group: ['**/core/**', '**/electron/**', '**/emulator/**'],
              message: 'The renderer imports only common/ (the contract and wire knowledge).',
            },
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
    // The preload is one sandboxed CommonJS file: it may import common/ and electron, nothing else of ours.
    files: ['electron/preload.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/core/**', '**/renderer/**', '**/emulator/**', './*', '!./preload'],
              message: 'The preload imports only common/ and electron.',
            },
            { group: [...uiModules, ...nodeBuiltins], message: 'A sandboxed preload has no Node built-ins and no UI code.' },
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
          patterns: [
            { group: [...uiModules, '**/renderer/**', '**/electron/**'], message: 'The emulator is a server: no UI or Electron code.' },
          ],
        },
      ],
    },
  },
);
