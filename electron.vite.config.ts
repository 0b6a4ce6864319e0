import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import vue from '@vitejs/plugin-vue';

// One build for the desktop app: main (Node, CJS), preload (sandboxed, CJS) and the renderer
// (browser). `proxyscope serve` serves the same out/renderer to a browser.
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      // backendWorker.js: the backend's worker thread (core/node/app/workerBackend.ts finds it
      // next to index.js). Code both entries share goes to out/main/chunks/.
      lib: {
        entry: { index: resolve(__dirname, 'electron/main/index.ts'), backendWorker: resolve(__dirname, 'core/node/app/backendWorker.ts') },
        formats: ['cjs'],
      },
      rollupOptions: { external: ['electron', 'node-pty'], output: { chunkFileNames: 'chunks/[name]-[hash].js' } },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      lib: { entry: resolve(__dirname, 'electron/preload/index.ts'), formats: ['cjs'] },
    },
  },
  renderer: {
    root: resolve(__dirname, 'renderer'),
    base: './',
    plugins: [vue()],
    build: {
      outDir: resolve(__dirname, 'out/renderer'),
      emptyOutDir: true,
      rollupOptions: { input: resolve(__dirname, 'renderer/index.html') },
    },
  },
});
