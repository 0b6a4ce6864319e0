import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

// Bundles the worker entries a createWorkerBackend test runs, the way scripts/build-cli.mjs
// bundles out/cli, into a folder of their own (so a test does not race `npm run build` over
// out/): the real backendWorker, the analysis worker it spawns (found next to it), and the
// test shim (test/helpers/workerShim.ts).

const ROOT = resolve(__dirname, '..', '..');

export interface BuiltWorkers {
  dir: string;
  backendWorker: string;
  shim: string;
  cleanup(): void;
}

export async function buildWorkers(): Promise<BuiltWorkers> {
  const dir = mkdtempSync(join(tmpdir(), 'proxyscope-workers-'));
  const entries: [string, string][] = [
    ['core/node/app/backendWorker.ts', 'backendWorker.cjs'],
    ['core/node/analyzeWorker.ts', 'analyzeWorker.cjs'],
    ['test/helpers/workerShim.ts', 'workerShim.cjs'],
  ];
  await Promise.all(
    entries.map(([src, out]) =>
      build({
        entryPoints: [join(ROOT, src)],
        outfile: join(dir, out),
        bundle: true,
        platform: 'node',
        target: 'node20',
        format: 'cjs',
        external: ['electron', 'node-pty', '*.node'],
        logLevel: 'warning',
      }),
    ),
  );
  return {
    dir,
    backendWorker: join(dir, 'backendWorker.cjs'),
    shim: join(dir, 'workerShim.cjs'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
