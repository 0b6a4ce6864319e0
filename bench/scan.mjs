#!/usr/bin/env node
// Scan benchmark: `node bench/scan.mjs [--sizes=1,5,20] [--runs=3] [--services=1000]
// [--parallelism=8] [--write] [--keep]`. Needs root (`ip netns add`), sshd, iptables.
//
// bench/scanSetup.ts starts max(sizes) simulated nodes (one network namespace per node with a
// real sshd and kube-proxy's iptables rules for a cluster of --services Services, ~23k lines /
// 2.5 MB per node at 1k, loaded into the namespace's real kernel tables) and the fixture API
// server serving that cluster. Then, per size N, bench/scanOnce.ts runs the real `scanCluster`
// over SSH against the first N nodes in a fresh process, --runs times (sizes interleaved, so a
// load change on a busy machine hits every size alike). Medians of: wall time of scanCluster
// (API listing included), the listing alone, bytes moved (sum of every command's output bytes),
// and the scanning process's peak RSS (bench/rssHook.cjs). Goal: T(N) / T(1) <= N / 2 (20
// nodes well under 20 x one node). `--write` replaces the scan results in BENCHMARKS.md.
// Every namespace and process is removed at the end, also on failure or Ctrl-C.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleTs } from '../scripts/run-ts.mjs';
import { firstLine, f0, f1, f2, machine, median, ROOT, writeBenchmarkBlock } from './benchKit.mjs';

/** Bundles a TS driver of this benchmark into `dir` (ssh2's native addons left out, as in the CLI). */
const bundle = async (entry, dir) => (await bundleTs(join(ROOT, entry), dir)).outfile;

const START = '<!-- bench:scan:start -->';
const END = '<!-- bench:scan:end -->';
const log = (msg) => process.stderr.write(`[bench:scan] ${msg}\n`);



/** Starts bench/scanSetup.ts and resolves with its setup.json once it prints READY. */
function startSetup(bundle, dir, nodes, services) {
  const child = spawn(process.execPath, ['--enable-source-maps', bundle, '--nodes', String(nodes), '--services', String(services), '--dir', dir], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const ready = new Promise((resolveReady, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d.toString();
      const m = /^READY (.+)$/m.exec(out);
      if (m) resolveReady(JSON.parse(readFileSync(m[1], 'utf8')));
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`the setup process ended before it was ready (${signal ?? code})`)));
  });
  return { child, ready };
}

/** Ends the setup process (it cleans up on stdin EOF) and removes any namespace of the run it left. */
async function stopSetup(child, setup) {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGTERM'), 60_000);
    await exited;
    clearTimeout(timer);
  }
  const left = new Set(
    spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' })
      .stdout.split('\n')
      .map((l) => l.split(' ')[0]),
  );
  for (const n of setup?.nodes ?? []) {
    if (!left.has(n.netns)) continue;
    log(`removing leftover namespace ${n.netns}`);
    spawnSync('ip', ['netns', 'del', n.netns]);
  }
}

function scanOnce(bundle, setupFile, nodes, parallelism) {
  const r = spawnSync(process.execPath, ['--enable-source-maps', '--require', join(ROOT, 'bench', 'rssHook.cjs'), bundle, setupFile, String(nodes), String(parallelism)], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`scanOnce ${nodes} nodes failed (${r.status}): ${r.stderr}`);
  const line = r.stdout.trim().split('\n').pop();
  const out = JSON.parse(line);
  if (out.bad.length > 0) throw new Error(`scan of ${nodes} nodes was not clean:\n${out.bad.join('\n')}`);
  const m = /PROXYSCOPE_BENCH_MAXRSS_KB=(\d+)/.exec(r.stderr);
  return { ...out, rssMB: m ? Number(m[1]) / 1024 : NaN };
}

function goals(r) {
  const one = r.sizes.find((s) => s.nodes === 1);
  if (!one) return [];
  return r.sizes
    .filter((s) => s.nodes > 1)
    .map((s) => ({ goal: `T(${s.nodes} nodes) / T(1 node)`, value: s.wallMs / one.wallMs, limit: s.nodes / 2 }))
    .map((g) => ({ ...g, pass: g.value <= g.limit }));
}

function markdown(r) {
  const m = r.machine;
  const busy = Math.max(m.loadBefore, m.loadAfter) > os.cpus().length * 0.5;
  const lines = [
    `Run on ${m.date}: ${m.cpu}, ${m.memory} RAM, ${m.os}, Node ${m.node}, ${m.iptables}, ${m.openssh}. ` +
      `1-minute load average ${f1(m.loadBefore)} before and ${f1(m.loadAfter)} after the run` +
      (busy ? ' (a busy machine: timings are inflated).' : '.'),
    '',
    `${f0(r.services)} Services (${f0(r.rulesLines)} lines / ${f1(r.rulesBytes / 1e6)} MB of iptables-restore input per node), ` +
      `${r.setupNodes} simulated nodes started (in ${f1(r.setupMs / 1000)} s), parallelism ${r.parallelism}, medians of ${r.runs} runs.`,
    '',
    '| nodes | scan wall ms | API listing ms | slowest node ms | sum of node times ms | nodes in flight (avg) | bytes moved MB | per node MB | cluster.json MB | peak RSS MB |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const s of r.sizes) {
    const inFlight = s.nodeMs / (s.wallMs - s.listMs);
    lines.push(
      `| ${s.nodes} | ${f0(s.wallMs)} | ${f0(s.listMs)} | ${f0(s.maxNodeMs)} | ${f0(s.nodeMs)} | ${f1(inFlight)} | ${f1(s.commandBytes / 1e6)} | ${f1(s.commandBytes / 1e6 / s.nodes)} | ${f1(s.apiBytes / 1e6)} | ${f0(s.rssMB)} |`,
    );
  }
  const first = r.sizes[0];
  if (first) {
    const top = [...first.commands].sort((a, b) => b.durationMs - a.durationMs).slice(0, 4);
    lines.push(
      '',
      `Where one node's time goes (its slowest commands, last ${first.nodes}-node run): ` +
        top.map((c) => `${c.id} ${f1(c.bytes / 1e6)} MB in ${f0(c.durationMs)} ms`).join(', ') +
        `; ${first.commands.filter((c) => c.status === 'ok').length} of ${first.commands.length} commands ok (the others are tools this node lacks or kube-proxy endpoints nobody serves).`,
    );
  }
  lines.push('', '| goal | value | limit | |', '|---|---:|---:|---|');
  for (const g of r.goals) lines.push(`| ${g.goal} | ${f2(g.value)} | ${g.limit} | ${g.pass ? 'pass' : '**FAIL**'} |`);
  return lines.join('\n');
}


export async function scanBench(opts = {}) {
  const sizes = [...new Set(opts.sizes ?? [1, 5, 20])].sort((a, b) => a - b);
  const runs = opts.runs ?? 3;
  const services = opts.services ?? 1000;
  const parallelism = opts.parallelism ?? 8;
  if (process.getuid?.() !== 0) throw new Error('the scan benchmark needs root (ip netns add)');
  const tmp = mkdtempSync(join(os.tmpdir(), 'proxyscope-bench-scan-'));
  const results = { machine: machine({ iptables: firstLine('iptables', ['--version']), openssh: firstLine('ssh', ['-V']) }), services, parallelism, runs, sizes: [] };
  let setupProc;
  let setup;
  const onSigint = () => log('interrupted: cleaning up');
  process.once('SIGINT', onSigint);
  try {
    const [setupBundle, onceBundle] = await Promise.all([bundle('bench/scanSetup.ts', tmp), bundle('bench/scanOnce.ts', tmp)]);
    const maxNodes = sizes[sizes.length - 1];
    log(`starting ${maxNodes} simulated nodes with ${services} Services`);
    const started = startSetup(setupBundle, tmp, maxNodes, services);
    setupProc = started.child;
    setup = await started.ready;
    Object.assign(results, { setupNodes: setup.nodes.length, setupMs: setup.setupMs, rulesLines: setup.rulesLines, rulesBytes: setup.rulesBytes });
    const samples = new Map(sizes.map((n) => [n, []]));
    for (let run = 1; run <= runs; run++) {
      for (const n of sizes) {
        const s = scanOnce(onceBundle, join(tmp, 'setup.json'), n, parallelism);
        log(`run ${run}/${runs}: ${n} nodes in ${f0(s.wallMs)} ms (listing ${f0(s.listMs)} ms), ${f1(s.commandBytes / 1e6)} MB, peak RSS ${f0(s.rssMB)} MB`);
        samples.get(n).push(s);
      }
    }
    for (const n of sizes) {
      const xs = samples.get(n);
      const med = (k) => median(xs.map((x) => x[k]));
      results.sizes.push({
        nodes: n,
        wallMs: med('wallMs'),
        listMs: med('listMs'),
        maxNodeMs: med('maxNodeMs'),
        nodeMs: med('nodeMs'),
        commandBytes: med('commandBytes'),
        apiBytes: med('apiBytes'),
        rssMB: med('rssMB'),
        commands: xs[xs.length - 1].commands,
      });
    }
  } finally {
    process.removeListener('SIGINT', onSigint);
    if (setupProc) await stopSetup(setupProc, setup);
    if (opts.keep) log(`kept ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
  }
  results.machine.loadAfter = os.loadavg()[0];
  results.goals = goals(results);
  const md = markdown(results);
  process.stdout.write(`\nscan\n${md}\n`);
  const raw = join(os.tmpdir(), 'proxyscope-bench-scan-results.json');
  writeFileSync(raw, JSON.stringify(results, null, 2));
  log(`raw results: ${raw}`);
  if (opts.write) {
    writeBenchmarkBlock(START, END, md);
    log('updated the scan results in BENCHMARKS.md');
  }
  return results;
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  const opt = (name, fallback) => process.argv.find((x) => x.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
  scanBench({
    sizes: opt('sizes', '1,5,20').split(',').map(Number),
    runs: Number(opt('runs', '3')),
    services: Number(opt('services', '1000')),
    parallelism: Number(opt('parallelism', '8')),
    write: process.argv.includes('--write'),
    keep: process.argv.includes('--keep'),
  }).catch((err) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  });
}
