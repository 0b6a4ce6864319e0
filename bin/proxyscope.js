#!/usr/bin/env node
'use strict';
// Thin launcher: the CLI is bundled to out/cli by `npm run build` (run automatically by npm ci).
const path = require('node:path');
const fs = require('node:fs');
const bundle = path.join(__dirname, '..', 'out', 'cli', 'proxyscope.cjs');
if (!fs.existsSync(bundle)) {
  process.stderr.write('proxyscope: the CLI is not built yet; run `npm run build` in ' + path.join(__dirname, '..') + '\n');
  process.exit(2);
}
require(bundle);
