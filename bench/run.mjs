#!/usr/bin/env node
// Proxyscope benchmark (`npm run bench` = build, then `node --expose-gc bench/run.mjs`).
//
// For N Services x 5 endpoints (N = 1k, 10k, 30k), with and without kube-proxy's per-endpoint
// comments, it generates cluster.json and kube-proxy's rules for node-1 (bench/generate.ts),
// loads the rules into a private network namespace with the REAL iptables-legacy-restore and
// times iptables-legacy-save there (its output is the node dump), writes a 1-node and a 4-node
// snapshot, and measures:
//   - whole-process `node bin/proxyscope.js analyze <snap> --format json --out /dev/null`
//     (wall time and peak RSS via bench/rssHook.cjs);
//   - in-process phases (bench/phases.ts): JSON.parse, prepareCluster, parse/decode/check;
//   - the nf_tables iptables-save time at 1k only (it grows super-linearly).
// Reports medians and the goal ratios; `--write` replaces the results section of BENCHMARKS.md.
//
// Options: --sizes=1000,10000,30000  --runs=<n> (default 5 up to 1k, 3 above)  --write  --keep
// Then the conntrack parsing benchmark (bench/conntrack.mjs): --no-conntrack skips it,
// --conntrack-only runs only it.
import { spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { bundleTs } from '../scripts/run-ts.mjs';
import { firstLine, f0, f1, f2, machine, median, ROOT, writeBenchmarkBlock } from './benchKit.mjs';
import { conntrackBench } from './conntrack.mjs';

const opt = (name, fallback) => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : fallback;
};
const flag = (name) => process.argv.includes(`--${name}`);
const SIZES = opt('sizes', '1000,10000,30000').split(',').map(Number);
const runsFor = (size) => Number(opt('runs', size <= 1000 ? '5' : '3'));
const MODES = [
  { key: 'comments', label: 'with comments', file: 'rules-comments.txt' },
  { key: 'nocomments', label: 'no comments', file: 'rules-nocomments.txt' },
];

const log = (msg) => process.stderr.write(`[bench] ${msg}\n`);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1024 ** 3, ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r;
}

/**
 * Splits restore input into files of at most `maxLines` declarations and rules per table, restored
 * in order (all but the first with --noflush). An nf_tables transaction of more than a few hundred
 * rules exceeds the netlink send buffer an unprivileged namespace may use ("sendmsg() failed:
 * Message too long"); iptables-legacy takes the whole table at once.
 */
function chunkRestoreInput(rulesFile, outDir, maxLines) {
  const tables = [];
  let cur = null;
  for (const line of readFileSync(rulesFile, 'utf8').split('\n')) {
    if (line.startsWith('*')) tables.push((cur = { header: line, decls: [], rules: [] }));
    else if (line.startsWith(':')) cur.decls.push(line);
    else if (line.startsWith('-')) cur.rules.push(line);
  }
  // Declarations first, so every chain exists before a later chunk jumps to it.
  for (const t of tables) t.items = [...t.decls, ...t.rules];
  const files = [];
  for (let i = 0; ; i++) {
    const body = [];
    for (const t of tables) {
      const items = t.items.slice(i * maxLines, (i + 1) * maxLines);
      if (i > 0 && items.length === 0) continue;
      body.push(t.header, ...items, 'COMMIT');
    }
    if (body.length === 0) break;
    const file = join(outDir, `chunk-${String(i).padStart(4, '0')}.rules`);
    writeFileSync(file, `${body.join('\n')}\n`);
    files.push(file);
  }
  return files;
}

/** Restores `rules` in a private netns, saves once to `dumpFile`, then times `runs` more saves. */
function timeSave(rules, dumpFile, runs, legacy) {
  const [restore, save] = legacy ? ['iptables-legacy-restore', 'iptables-legacy-save'] : ['iptables-restore', 'iptables-save'];
  const chunkDir = `${dumpFile}.chunks`;
  mkdirSync(chunkDir, { recursive: true });
  const chunks = legacy ? [rules] : chunkRestoreInput(rules, chunkDir, 250);
  const script =
    'r="$1"; s="$2"; dump="$3"; n="$4"; shift 4; first=1; for f in "$@"; do ' +
    'if [ $first = 1 ]; then "$r" < "$f" || exit 1; first=0; else "$r" --noflush < "$f" || exit 1; fi; done; ' +
    '"$s" > "$dump" || exit 1; i=0; while [ $i -lt "$n" ]; do ' +
    't0=$(date +%s%N); "$s" > /dev/null; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000 )); i=$((i + 1)); done';
  const r = run('unshare', ['-rn', 'sh', '-c', script, 'sh', restore, save, dumpFile, String(runs), ...chunks]);
  rmSync(chunkDir, { recursive: true, force: true });
  return r.stdout.trim().split('\n').map((us) => Number(us) / 1000);
}

function link(from, to) {
  mkdirSync(dirname(to), { recursive: true });
  linkSync(from, to);
}

function snapshotDir(dir, clusterJson, dump, nodes) {
  link(clusterJson, join(dir, 'cluster.json'));
  for (let i = 1; i <= nodes; i++) link(dump, join(dir, 'nodes', `node-${i}`, 'iptables-save.txt'));
  return statSync(clusterJson).size + nodes * statSync(dump).size;
}

/** Whole-process analyze runs: wall ms and peak RSS (MB) of each. */
function analyzeRuns(snap, runs, extra = []) {
  const wall = [];
  const rss = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const r = run(process.execPath, ['--require', join(ROOT, 'bench', 'rssHook.cjs'), join(ROOT, 'bin', 'proxyscope.js'), 'analyze', snap, '--format', 'json', '--out', '/dev/null', '--fail-on', 'never', ...extra]);
    wall.push(performance.now() - t);
    const m = /PROXYSCOPE_BENCH_MAXRSS_KB=(\d+)/.exec(r.stderr);
    rss.push(m ? Number(m[1]) / 1024 : NaN);
  }
  return { wall, rss };
}


async function main() {
  if (flag('conntrack-only')) return conntrackBench({ write: flag('write'), keep: flag('keep') });
  if (!existsSync(join(ROOT, 'out', 'cli', 'proxyscope.cjs'))) throw new Error('the CLI is not built: run `npm run build` (npm run bench does)');
  const tmp = mkdtempSync(join(os.tmpdir(), 'proxyscope-bench-'));
  const results = { machine: machine({ iptables: firstLine('iptables', ['--version']) }), sizes: [] };
  try {
    const gen = await bundleTs(join(ROOT, 'bench', 'generate.ts'), tmp);
    const phases = await bundleTs(join(ROOT, 'bench', 'phases.ts'), tmp);
    for (const size of SIZES) {
      const runs = runsFor(size);
      const dir = join(tmp, `gen-${size}`);
      log(`${size} Services: generating`);
      run(process.execPath, [gen.outfile, '--out', dir, '--services', String(size)]);
      const clusterJson = join(dir, 'cluster.json');
      const entry = { services: size, endpoints: size * 5, clusterJsonMB: statSync(clusterJson).size / 1e6, modes: {} };
      if (size <= 1000) {
        log(`${size}: nf_tables iptables-save`);
        entry.nftSaveMs = median(timeSave(join(dir, MODES[0].file), join(dir, 'nft-dump.txt'), runs, false));
      }
      for (const mode of MODES) {
        log(`${size} ${mode.label}: iptables-legacy-restore + timed iptables-legacy-save`);
        const dump = join(dir, `dump-${mode.key}.txt`);
        const legacySave = timeSave(join(dir, mode.file), dump, runs, true);
        const dumpText = readFileSync(dump, 'utf8');
        const m = { dumpLines: dumpText.split('\n').length - 1, dumpMB: dumpText.length / 1e6, legacySaveMs: median(legacySave) };
        const s1 = join(tmp, `snap-${size}-${mode.key}-1`);
        const s4 = join(tmp, `snap-${size}-${mode.key}-4`);
        m.input1MB = snapshotDir(s1, clusterJson, dump, 1) / 1e6;
        m.input4MB = snapshotDir(s4, clusterJson, dump, 4) / 1e6;
        log(`${size} ${mode.label}: analyze, 1 node x ${runs}`);
        const a1 = analyzeRuns(s1, runs);
        log(`${size} ${mode.label}: analyze, 4 nodes x ${runs}`);
        const a4 = analyzeRuns(s4, runs);
        // The default uses one analysing thread per core (core/node/analyzeParallel.ts defaultThreads);
        // the same run on one thread shows what the second thread gains and costs.
        log(`${size} ${mode.label}: analyze, 4 nodes, --workers 1 x ${runs}`);
        const a4w1 = analyzeRuns(s4, runs, ['--workers', '1']);
        log(`${size} ${mode.label}: in-process phases x ${runs}`);
        const p = JSON.parse(run(process.execPath, ['--expose-gc', phases.outfile, s1, String(runs)]).stdout);
        Object.assign(m, {
          analyze1Ms: median(a1.wall),
          analyze4Ms: median(a4.wall),
          rss1MB: median(a1.rss),
          rss4MB: median(a4.rss),
          analyze4w1Ms: median(a4w1.wall),
          rss4w1MB: median(a4w1.rss),
          jsonParseMs: median(p.jsonParse),
          prepareMs: median(p.prepare),
          parseMs: median(p.parse),
          decodeMs: median(p.decode),
          checkMs: median(p.check),
          nodeMs: median(p.node),
          warmNodeMs: median(p.warmNode),
        });
        m.marginalNodeMs = (m.analyze4Ms - m.analyze1Ms) / 3;
        m.marginalNodeW1Ms = (m.analyze4w1Ms - m.analyze1Ms) / 3;
        entry.modes[mode.key] = m;
        rmSync(s1, { recursive: true, force: true });
        rmSync(s4, { recursive: true, force: true });
      }
      results.sizes.push(entry);
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    if (flag('keep')) log(`kept ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
  }
  results.machine.loadAfter = os.loadavg()[0];
  results.goals = goals(results);
  const md = markdown(results);
  process.stdout.write(`${md}\n`);
  writeFileSync(join(os.tmpdir(), 'proxyscope-bench-results.json'), JSON.stringify(results, null, 2));
  log(`raw results: ${join(os.tmpdir(), 'proxyscope-bench-results.json')}`);
  if (flag('write')) {
    writeBenchmarkBlock('<!-- bench:results:start -->', '<!-- bench:results:end -->', md);
    log('updated BENCHMARKS.md');
  }
  if (!flag('no-conntrack')) await conntrackBench({ write: flag('write'), keep: flag('keep') });
}

function goals(r) {
  const by = (n) => r.sizes.find((s) => s.services === n);
  const out = [];
  for (const mode of MODES) {
    const m = (n) => by(n)?.modes[mode.key];
    for (const n of [10000, 30000]) {
      if (!m(n)) continue;
      const ratio = m(n).marginalNodeMs / m(n).legacySaveMs;
      out.push({ goal: `(a) ${n / 1000}k ${mode.label}: marginal node / legacy save`, value: ratio, limit: 0.5 });
    }
    if (m(10000)) {
      const ratio = m(10000).analyze1Ms / (m(10000).legacySaveMs + m(10000).jsonParseMs);
      out.push({ goal: `(b) 10k ${mode.label}: analyze 1 node / (legacy save + JSON.parse)`, value: ratio, limit: 2 });
    }
    if (m(10000) && m(30000)) out.push({ goal: `(c) ${mode.label}: T(30k) / T(10k)`, value: m(30000).analyze1Ms / m(10000).analyze1Ms, limit: 3.6 });
    for (const s of r.sizes) {
      const x = s.modes[mode.key];
      for (const [nodes, rss, input] of [
        [1, x.rss1MB, x.input1MB],
        [4, x.rss4MB, x.input4MB],
      ]) {
        out.push({ goal: `(d) ${s.services / 1000}k ${mode.label} ${nodes} node${nodes > 1 ? 's' : ''}: peak RSS / (6 x input + 60 MB)`, value: rss / (6 * input + 60), limit: 1 });
      }
    }
  }
  return out.map((g) => ({ ...g, pass: g.value <= g.limit }));
}


function markdown(r) {
  const m = r.machine;
  const lines = [
    `Run on ${m.date}: ${m.cpu}, ${m.memory} RAM, ${m.os}, Node ${m.node}, ${m.iptables}. ` +
      `1-minute load average ${f1(m.loadBefore)} before and ${f1(m.loadAfter)} after the run` +
      (Math.max(m.loadBefore, m.loadAfter) > os.cpus().length * 0.5 ? ' (a busy machine: timings are inflated).' : '.'),
    '',
    '| Services | mode | dump lines / MB | cluster.json MB | legacy save ms | JSON.parse ms | prepare ms | parse / decode / check ms | warm node ms | analyze 1 node ms | analyze 4 nodes ms | marginal node ms | peak RSS 1 / 4 nodes MB |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const s of r.sizes) {
    for (const mode of MODES) {
      const x = s.modes[mode.key];
      lines.push(
        `| ${f0(s.services)} | ${mode.label} | ${f0(x.dumpLines)} / ${f1(x.dumpMB)} | ${f1(s.clusterJsonMB)} | ${f0(x.legacySaveMs)} | ${f0(x.jsonParseMs)} | ${f0(x.prepareMs)} | ${f0(x.parseMs)} / ${f0(x.decodeMs)} / ${f0(x.checkMs)} | ${f0(x.warmNodeMs)} | ${f0(x.analyze1Ms)} | ${f0(x.analyze4Ms)} | ${f0(x.marginalNodeMs)} | ${f0(x.rss1MB)} / ${f0(x.rss4MB)} |`,
      );
    }
  }
  const nft = r.sizes.filter((s) => s.nftSaveMs !== undefined);
  if (nft.length) {
    lines.push('', ...nft.map((s) => `nf_tables \`iptables-save\` at ${f0(s.services)} Services (with comments): ${f0(s.nftSaveMs)} ms (legacy: ${f0(s.modes.comments.legacySaveMs)} ms).`));
  }
  lines.push(
    '',
    '4 nodes with `--workers 1` (everything on the main thread; the default above is one thread per core: the main thread and one worker here):',
    '',
    '| Services | mode | analyze 4 nodes ms | marginal node ms | marginal / legacy save | peak RSS MB | peak RSS / (6 x input + 60 MB) |',
    '|---:|---|---:|---:|---:|---:|---:|',
  );
  for (const s of r.sizes) {
    for (const mode of MODES) {
      const x = s.modes[mode.key];
      lines.push(`| ${f0(s.services)} | ${mode.label} | ${f0(x.analyze4w1Ms)} | ${f0(x.marginalNodeW1Ms)} | ${f2(x.marginalNodeW1Ms / x.legacySaveMs)} | ${f0(x.rss4w1MB)} | ${f2(x.rss4w1MB / (6 * x.input4MB + 60))} |`);
    }
  }
  lines.push('', '| goal | value | limit | |', '|---|---:|---:|---|');
  for (const g of r.goals) lines.push(`| ${g.goal} | ${f2(g.value)} | ${g.limit} | ${g.pass ? 'pass' : '**FAIL**'} |`);
  return lines.join('\n');
}


main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
