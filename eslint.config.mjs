// Dependency rules from DEVELOPERS.md, enforced here and by the per-folder tsconfigs.
import tseslint from 'typescript-eslint';
import pluginVue from 'eslint-plugin-vue';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'child_process', 'crypto', 'zlib', 'net', 'tls', 'http', 'https', 'stream', 'util', 'worker_threads'];
const pattern = (group, message) => ({ group, message });

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist/**', 'release/**', 'coverage/**', 'bin/**', 'scripts/**', 'bench/**', '**/*.mjs', '**/*.cjs'] },
  ...tseslint.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] } },
    rules: {
      // Everything from a cluster or a node is text: never HTML.
      'vue/no-v-html': 'error',
      'vue/no-v-text-v-html-on-component': 'error',
      'vue/multi-word-component-names': 'off',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
    },
  },
  {
    files: ['**/*.ts', '**/*.vue'],
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['core/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'error' },
  },
  {
    files: ['core/common/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          pattern(nodeBuiltins, 'core/common is pure TypeScript: no Node built-ins.'),
          pattern(['electron', 'node-pty', 'vue', 'pinia', '**/core/node/**', '../node/**', '**/cli/**', '**/electron/**', '**/renderer/**'], 'core/common imports nothing environment-specific.'),
        ],
      }],
    },
  },
  {
    files: ['core/node/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [pattern(['electron', 'node-pty', 'vue', 'pinia', '**/cli/**', '**/electron/**', '**/renderer/**'], 'core/node never imports electron, node-pty or UI code.')],
      }],
    },
  },
  {
    files: ['cli/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [pattern(['electron', 'node-pty', 'vue', 'pinia', '**/electron/**', '**/renderer/**'], 'the CLI is plain Node and never loads electron.')],
      }],
    },
  },
  {
    // `serve --allow-terminals` loads the pty host (node-pty, never electron) with a dynamic
    // import; nothing else under electron/ is reachable from the CLI.
    files: ['cli/commands/serve.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { regex: '^(electron|node-pty|vue|pinia)(/|$)', message: 'the CLI is plain Node and never loads electron.' },
          { regex: '(^|/)renderer(/|$)', message: 'the CLI is plain Node and never loads electron.' },
          { regex: '(^|/)electron/(?!main/pty/ptyHost$)', message: 'serve may load only the pty host from electron/.' },
        ],
      }],
    },
  },
  {
    files: ['electron/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'error' },
  },
  {
    // The sandboxed preload bundles into one CommonJS file: electron + the pure contract only.
    files: ['electron/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [pattern([...nodeBuiltins, 'node-pty', 'vue', 'pinia', '**/core/node/**', '**/cli/**', '**/renderer/**', '**/electron/main/**', '../main/**'], 'the preload may import only electron and core/common.')],
      }],
    },
  },
  {
    files: ['electron/main/**/*.ts'],
    ignores: ['electron/main/pty/ptyHost.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [pattern(['node-pty', 'vue', 'pinia', '**/cli/**', '**/renderer/**', '**/electron/preload/**', '../preload/**'], 'electron/main loads node-pty only in pty/ptyHost.ts, and no UI or CLI code.')],
      }],
    },
  },
  {
    // `proxyscope serve --allow-terminals` loads the pty host under plain Node: no electron here.
    files: ['electron/main/pty/ptyHost.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [pattern(['electron', 'vue', 'pinia', '**/cli/**', '**/renderer/**', '**/electron/preload/**'], 'the pty host never imports electron or UI code.')],
      }],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.vue'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [pattern([...nodeBuiltins, 'electron', 'node-pty', '**/core/node/**', '**/electron/**', '**/cli/**'], 'the renderer reaches the engine only through renderer/api.ts.')],
      }],
    },
  },
);
