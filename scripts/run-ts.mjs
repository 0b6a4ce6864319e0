#!/usr/bin/env node
// Runs a TypeScript entry point with plain Node: esbuild bundles it (and everything it imports)
// into a temporary .cjs file, which is then run with the given arguments.
//
//   node scripts/run-ts.mjs [--node-arg=<flag> ...] <entry.ts> [args...]
//   e.g. node scripts/run-ts.mjs scripts/make-demo.ts --out assets/demo
//
// bench/run.mjs imports bundleTs() from here to load TypeScript in-process.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Bundles `entry` for Node 20 (CommonJS). Returns the output file and a cleanup function. */
export async function bundleTs(entry, outDir) {
  const dir = outDir ?? mkdtempSync(join(tmpdir(), 'proxyscope-run-ts-'));
  const outfile = join(dir, `${basename(entry).replace(/\.[cm]?ts$/, '')}.cjs`);
  await build({
    entryPoints: [resolve(entry)],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    external: ['electron', 'node-pty', 'vitest', '*.node'],
    logLevel: 'warning',
  });
  return { outfile, cleanup: () => (outDir ? undefined : rmSync(dir, { recursive: true, force: true })) };
}

async function main(argv) {
  const nodeArgs = [];
  while (argv[0]?.startsWith('--node-arg=')) nodeArgs.push(argv.shift().slice('--node-arg='.length));
  const [entry, ...args] = argv;
  if (!entry) {
    process.stderr.write('usage: node scripts/run-ts.mjs [--node-arg=<flag> ...] <entry.ts> [args...]\n');
    return 2;
  }
  const { outfile, cleanup } = await bundleTs(entry);
  try {
    const r = spawnSync(process.execPath, [...nodeArgs, outfile, ...args], { stdio: 'inherit' });
    if (r.error) throw r.error;
    return r.status ?? 1;
  } finally {
    cleanup();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}
