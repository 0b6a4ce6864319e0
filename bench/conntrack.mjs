#!/usr/bin/env node
// Conntrack parsing benchmark (run by `npm run bench` after the iptables benchmark, or alone:
// `node --expose-gc bench/conntrack.mjs [--sizes=100000,200000] [--runs=5] [--write] [--keep]
// [--load-limit=N]`,
// or `npm run bench -- --conntrack-only`).
//
// For N flows (100k, 200k) it builds a realistic mix of Service traffic (TCP ESTABLISHED and
// TIME_WAIT through a ClusterIP DNAT, UDP DNS answered and unanswered, a few SYN_SENT), loads it
// into the kernel conntrack table of a private network namespace with the REAL
// `conntrack -R` (batch `-I`), and there times the REAL `conntrack -L` (its output, redirected
// to a file once, is the capture). If the kernel table cannot hold N entries
// (nf_conntrack_max), the loaded part is printed and timed, the print time scaled to N, and the
// capture completed with copies of real lines (new source ports), in the exact print format.
// Then it measures, medians over the runs:
//   - parseConntrack in-process: cold (first parse in a fresh process) and warm;
//   - a whole process reading the file and parsing it (wall time, peak RSS by bench/rssHook.cjs);
// and checks the goals: parse <= 0.5 x print time; T(200k)/T(100k) <= 2.4; peak RSS <= 6 x
// input + 60 MB. `--write` replaces the conntrack results in BENCHMARKS.md.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { bundleTs } from '../scripts/run-ts.mjs';
import { firstLine, f0, f1, f2, machine, median, ROOT, writeBenchmarkBlock } from './benchKit.mjs';

const START = '<!-- bench:conntrack:start -->';
const END = '<!-- bench:conntrack:end -->';
const log = (msg) => process.stderr.write(`[bench:conntrack] ${msg}\n`);

function conntrackMax() {
  try {
    return Number(readFileSync('/proc/sys/net/netfilter/nf_conntrack_max', 'utf8').trim());
  } catch {
    return NaN;
  }
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1024 ** 3, ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r;
}

/** `conntrack -R` input: one `-I ...` command per flow. Every original tuple is distinct. */
function loadFile(n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const src = `10.${16 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
    const sport = 32768 + (i % 28000);
    const svc = `10.96.${(i >> 4) & 63}.${(i % 200) + 10}`;
    const pod = `10.244.${i % 64}.${(i % 250) + 2}`;
    const k = i % 100;
    if (k < 70) {
      out.push(`-I -p tcp -s ${src} -d ${svc} --sport ${sport} --dport 443 -r ${pod} -q ${src} --reply-port-src 8443 --reply-port-dst ${sport} --state ESTABLISHED --timeout 86400 -u ASSURED,SEEN_REPLY`);
    } else if (k < 80) {
      out.push(`-I -p tcp -s ${src} -d ${svc} --sport ${sport} --dport 80 -r ${pod} -q ${src} --reply-port-src 8080 --reply-port-dst ${sport} --state TIME_WAIT --timeout 7200 -u ASSURED,SEEN_REPLY`);
    } else if (k < 92) {
      out.push(`-I -p udp -s ${src} -d 10.96.0.10 --sport ${sport} --dport 53 -r 10.244.0.${(i % 2) + 3} -q ${src} --reply-port-src 53 --reply-port-dst ${sport} --timeout 7200 -u ASSURED,SEEN_REPLY`);
    } else if (k < 97) {
      out.push(`-I -p udp -s ${src} -d 10.96.0.10 --sport ${sport} --dport 53 -r 10.244.9.${(i % 200) + 2} -q ${src} --reply-port-src 53 --reply-port-dst ${sport} --timeout 7200`);
    } else {
      out.push(`-I -p tcp -s ${src} -d ${svc} --sport ${sport} --dport 443 -r ${pod} -q ${src} --reply-port-src 8443 --reply-port-dst ${sport} --state SYN_SENT --timeout 7200`);
    }
  }
  return `${out.join('\n')}\n`;
}

/**
 * Loads `n` flows in a fresh namespace, writes one `conntrack -L` capture to `capture`, then times
 * `runs` more listings to /dev/null there. Returns the loaded count and the print times (ms).
 */
function loadAndTimeList(dir, n, capture, runs) {
  const load = join(dir, `load-${n}.txt`);
  writeFileSync(load, loadFile(n));
  const script =
    'load="$1"; out="$2"; n="$3"; ' +
    't0=$(date +%s%N); conntrack -R "$load" >/dev/null 2>&1; t1=$(date +%s%N); echo load $(( (t1 - t0) / 1000 )); ' +
    'conntrack -L > "$out" 2>/dev/null || exit 1; ' +
    'i=0; while [ $i -lt "$n" ]; do t0=$(date +%s%N); conntrack -L > /dev/null 2>&1; t1=$(date +%s%N); echo list $(( (t1 - t0) / 1000 )); i=$((i + 1)); done';
  const r = run('unshare', ['-rn', 'sh', '-c', script, 'sh', load, capture, String(runs)]);
  rmSync(load, { force: true });
  const lines = r.stdout.trim().split('\n');
  const loadMs = Number(lines.find((l) => l.startsWith('load '))?.slice(5)) / 1000;
  const listMs = lines.filter((l) => l.startsWith('list ')).map((l) => Number(l.slice(5)) / 1000);
  const loaded = readFileSync(capture, 'utf8').split('\n').filter((l) => l !== '').length;
  return { loaded, loadMs, listMs };
}

/** Completes a capture of real lines to `want` lines with copies under new source ports (both directions). */
function completeCapture(capture, want) {
  const real = readFileSync(capture, 'utf8').split('\n').filter((l) => l !== '');
  const out = [...real];
  for (let i = 0; out.length < want; i++) {
    const line = real[i % real.length];
    const old = /sport=(\d+)/.exec(line)?.[1];
    const port = String(1024 + (i % 31000));
    if (old === undefined) out.push(line);
    else out.push(line.replace(`sport=${old} `, `sport=${port} `).replace(new RegExp(`dport=${old}( |$)`), `dport=${port}$1`));
  }
  writeFileSync(capture, `${out.join('\n')}\n`);
}

function parseRuns(bundle, file, runs) {
  const cold = [];
  const warm = [];
  let entries = 0;
  for (let i = 0; i < runs; i++) {
    const r = JSON.parse(run(process.execPath, ['--expose-gc', bundle, file, '3']).stdout);
    cold.push(r.coldMs);
    warm.push(median(r.warmMs));
    entries = r.entries;
    if (r.malformed > 0) throw new Error(`${r.malformed} malformed lines in ${file}`);
  }
  return { coldMs: median(cold), warmMs: median(warm), entries };
}

function wholeRuns(bundle, file, runs) {
  const wall = [];
  const rss = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const r = run(process.execPath, ['--require', join(ROOT, 'bench', 'rssHook.cjs'), bundle, file, '--once']);
    wall.push(performance.now() - t);
    const m = /PROXYSCOPE_BENCH_MAXRSS_KB=(\d+)/.exec(r.stderr);
    rss.push(m ? Number(m[1]) / 1024 : NaN);
  }
  return { wallMs: median(wall), rssMB: median(rss) };
}



function goals(r) {
  const by = (n) => r.sizes.find((s) => s.flows === n);
  const out = [];
  for (const s of r.sizes) {
    out.push({ goal: `(a) ${s.flows / 1000}k flows: cold parse / conntrack -L print`, value: s.coldMs / s.listMs, limit: 0.5 });
    out.push({ goal: `(a') ${s.flows / 1000}k flows: warm parse / conntrack -L print`, value: s.warmMs / s.listMs, limit: 0.5 });
    out.push({ goal: `(c) ${s.flows / 1000}k flows: peak RSS / (6 x input + 60 MB)`, value: s.rssMB / (6 * s.inputMB + 60), limit: 1 });
  }
  if (by(100000) && by(200000)) {
    out.push({ goal: '(b) cold parse T(200k) / T(100k)', value: by(200000).coldMs / by(100000).coldMs, limit: 2.4 });
    out.push({ goal: "(b') warm parse T(200k) / T(100k)", value: by(200000).warmMs / by(100000).warmMs, limit: 2.4 });
  }
  return out.map((g) => ({ ...g, pass: g.value <= g.limit }));
}

function markdown(r) {
  const m = r.machine;
  const busy = Math.max(m.loadBefore, m.loadAfter) > os.cpus().length * 0.5;
  const lines = [
    `Run on ${m.date}: ${m.cpu}, ${m.memory} RAM, ${m.os}, Node ${m.node}, ${m.conntrack}, nf_conntrack_max ${f0(m.conntrackMax)}. ` +
      `1-minute load average ${f1(m.loadBefore)} before and ${f1(m.loadAfter)} after the run` +
      (busy ? ' (a busy machine: timings are inflated).' : '.'),
    '',
    '| flows | loaded in the kernel | capture MB | conntrack -L ms | cold parse ms | warm parse ms | whole process ms | peak RSS MB |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const s of r.sizes) {
    const loaded = s.loaded < s.flows ? `${f0(s.loaded)} (print time scaled)` : f0(s.loaded);
    lines.push(`| ${f0(s.flows)} | ${loaded} | ${f1(s.inputMB)} | ${f0(s.listMs)} | ${f0(s.coldMs)} | ${f0(s.warmMs)} | ${f0(s.wallMs)} | ${f0(s.rssMB)} |`);
  }
  lines.push('', '| goal | value | limit | |', '|---|---:|---:|---|');
  for (const g of r.goals) lines.push(`| ${g.goal} | ${f2(g.value)} | ${g.limit} | ${g.pass ? 'pass' : '**FAIL**'} |`);
  return lines.join('\n');
}


export async function conntrackBench(opts = {}) {
  const sizes = opts.sizes ?? [100000, 200000];
  const runs = opts.runs ?? 5;
  if (spawnSync('conntrack', ['--version']).status !== 0) throw new Error('conntrack (conntrack-tools) is not installed');
  const tmp = mkdtempSync(join(os.tmpdir(), 'proxyscope-bench-ct-'));
  const results = { machine: machine({ conntrack: firstLine('conntrack', ['--version']), conntrackMax: conntrackMax() }), sizes: [] };
  try {
    const { outfile } = await bundleTs(join(ROOT, 'bench', 'conntrackParse.ts'), tmp);
    for (const flows of sizes) {
      const capture = join(tmp, `conntrack-L-${flows}.txt`);
      log(`${flows} flows: conntrack -R into a private netns, then ${runs} timed conntrack -L`);
      // --load-limit simulates a small kernel table (exercises the scaled path).
      const k = loadAndTimeList(tmp, Math.min(flows, opts.loadLimit ?? flows), capture, runs);
      let listMs = median(k.listMs);
      if (k.loaded < flows) {
        log(`only ${k.loaded} flows fit in the kernel table: print time scaled, capture completed with copies`);
        if (k.loaded === 0) throw new Error('no flow could be loaded (conntrack -R failed)');
        listMs = (listMs * flows) / k.loaded;
        completeCapture(capture, flows);
      }
      const inputMB = statSync(capture).size / 1e6;
      log(`${flows} flows: parse ${runs} x (cold + 3 warm), whole process ${runs} x`);
      const p = parseRuns(outfile, capture, runs);
      if (p.entries !== flows) throw new Error(`parsed ${p.entries} entries, expected ${flows}`);
      const w = wholeRuns(outfile, capture, runs);
      results.sizes.push({ flows, loaded: k.loaded, loadMs: k.loadMs, listMs, inputMB, ...p, ...w });
      if (!opts.keep) rmSync(capture, { force: true });
    }
  } finally {
    if (opts.keep) log(`kept ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
  }
  results.machine.loadAfter = os.loadavg()[0];
  results.goals = goals(results);
  const md = markdown(results);
  process.stdout.write(`\nconntrack parsing\n${md}\n`);
  writeFileSync(join(os.tmpdir(), 'proxyscope-bench-conntrack-results.json'), JSON.stringify(results, null, 2));
  log(`raw results: ${join(os.tmpdir(), 'proxyscope-bench-conntrack-results.json')}`);
  if (opts.write) {
    writeBenchmarkBlock(START, END, md);
    log('updated the conntrack results in BENCHMARKS.md');
  }
  return results;
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  const opt = (name, fallback) => process.argv.find((x) => x.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
  conntrackBench({
    sizes: opt('sizes', '100000,200000').split(',').map(Number),
    runs: Number(opt('runs', '5')),
    write: process.argv.includes('--write'),
    keep: process.argv.includes('--keep'),
    ...(opt('load-limit') !== undefined ? { loadLimit: Number(opt('load-limit')) } : {}),
  }).catch((err) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  });
}
