// What the benchmark scripts (run.mjs, conntrack.mjs, scan.mjs) share: medians, number
// formats, the machine line every result block starts with, and replacing one marked block of
// BENCHMARKS.md.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export const f0 = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a');
export const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');
export const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');

/** The first line a tool prints about its version (stdout, else stderr). */
export function firstLine(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return (r.stdout || r.stderr || '?').trim().split('\n')[0];
}

/** Date, CPU, memory, OS, Node and the 1-minute load average before the run, plus `extra`. */
export function machine(extra = {}) {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString().slice(0, 10),
    cpu: `${cpus[0]?.model ?? '?'} x ${cpus.length}`,
    memory: `${Math.round(os.totalmem() / 1024 ** 3)} GiB`,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    ...extra,
    loadBefore: os.loadavg()[0],
  };
}

/** Replaces what stands between `start` and `end` in BENCHMARKS.md with `md`. */
export function writeBenchmarkBlock(start, end, md) {
  const file = join(ROOT, 'BENCHMARKS.md');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : `# Benchmarks\n\n${start}\n${end}\n`;
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`BENCHMARKS.md lacks the ${start} / ${end} markers`);
  writeFileSync(file, `${text.slice(0, a + start.length)}\n${md}\n${text.slice(b)}`);
}
