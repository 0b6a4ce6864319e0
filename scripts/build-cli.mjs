// Bundles the headless CLI (and its workers) for plain Node. Runs on `npm ci` (prepare),
// so `npx proxyscope ...` works right after set-up. Never bundles electron.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';

const entries = [
  ['cli/main.ts', 'out/cli/proxyscope.cjs'],
  ['core/node/analyzeWorker.ts', 'out/cli/analyzeWorker.cjs'],
  // `proxyscope serve` runs its backend in this worker (core/node/app/workerBackend.ts).
  ['core/node/app/backendWorker.ts', 'out/cli/backendWorker.cjs'],
].filter(([src]) => existsSync(src));

await Promise.all(
  entries.map(([src, outfile]) =>
    build({
      entryPoints: [src],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      sourcemap: true,
      // ssh2's optional native addons (*.node) are left out: it falls back to its JS crypto.
      external: ['electron', 'node-pty', '*.node'],
      logLevel: 'warning',
    }),
  ),
);
