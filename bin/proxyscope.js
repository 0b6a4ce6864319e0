#!/usr/bin/env node
'use strict';
// Thin launcher: the CLI is bundled to out/cli by `npm run build` (run automatically by npm ci).
const path = require('node:path');
const fs = require('node:fs');
const v8 = require('node:v8');

const bundle = path.join(__dirname, '..', 'out', 'cli', 'proxyscope.cjs');
if (!fs.existsSync(bundle)) {
  process.stderr.write('proxyscope: the CLI is not built yet; run `npm run build` in ' + path.join(__dirname, '..') + '\n');
  process.exit(2);
}

// V8 settings for big snapshots (a 10k-Service node is ~230k rules; BENCHMARKS.md), set before
// anything is allocated. They apply to every thread of the process.
//  --expose-gc: lets core/node/collectGarbage.ts collect a node's garbage before the same thread
//    starts the next node, instead of piling the next node's data on top of it.
//  --heap-growing-percent: V8 lets the old generation grow up to 4x its live size before the
//    next full collection while a big dump is parsed; a fixed 1.8x keeps the peak much lower.
v8.setFlagsFromString('--expose-gc');
v8.setFlagsFromString('--heap-growing-percent=80');
require(bundle);
