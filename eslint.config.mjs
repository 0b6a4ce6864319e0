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
    files: ['renderer/**/*.ts', 'renderer/**/*.vue'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [pattern([...nodeBuiltins, 'electron', 'node-pty', '**/core/node/**', '**/electron/**', '**/cli/**'], 'the renderer reaches the engine only through renderer/api.ts.')],
      }],
    },
  },
);
