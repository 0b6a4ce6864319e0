// In-process timing of parseConntrack on one `conntrack -L` capture (bench/conntrack.mjs bundles
// and runs this with node --expose-gc, once per run, so the first parse is a cold one):
//   node conntrackParse.cjs <file> [warmRuns]     -> one JSON line { readMs, coldMs, warmMs[], entries, malformed }
//   node conntrackParse.cjs <file> --once         -> parse once and exit (whole-process timing + peak RSS)
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseConntrack } from '../core/common/parse/conntrack';

const file = process.argv[2];
const once = process.argv[3] === '--once';
const warmRuns = once ? 0 : Number(process.argv[3] ?? '3');
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

let t = performance.now();
const text = readFileSync(file, 'utf8');
const readMs = performance.now() - t;
t = performance.now();
const first = parseConntrack(text);
const coldMs = performance.now() - t;
const entries = first.entries.length;
const malformed = first.malformed.length;
if (!once) {
  const warmMs: number[] = [];
  for (let i = 0; i < warmRuns; i++) {
    gc();
    t = performance.now();
    parseConntrack(text);
    warmMs.push(performance.now() - t);
  }
  process.stdout.write(`${JSON.stringify({ readMs, coldMs, warmMs, entries, malformed })}\n`);
} else {
  process.stdout.write(`${JSON.stringify({ readMs, coldMs, entries, malformed })}\n`);
}
