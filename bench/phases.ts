// In-process phase timings for one snapshot directory (bench/run.mjs bundles and runs this with
// node --expose-gc). Prints one JSON line with arrays of milliseconds, one entry per run:
//   jsonParse      bare JSON.parse of cluster.json (the floor for reading the API side)
//   prepare        prepareCluster: parse cluster.json, index it, prepare expected endpoints
//   parse/decode/check   analyzeNode's own PhaseTimings for the first node (cold: the name
//                  table is built inside decode, as in a real single-node run)
//   node           wall time of that analyzeNode call
//   warmNode       analyzeNode of the same dump again on the already prepared cluster: what
//                  one more node costs in-process
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { analyzeNode } from '../core/common/analyze/analyzeNode';
import { prepareCluster } from '../core/common/analyze/prepareCluster';
import type { SnapshotNode } from '../core/common/model';

const dir = process.argv[2];
const runs = Number(process.argv[3] ?? '3');
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const clock = () => performance.now();

const clusterJson = readFileSync(join(dir, 'cluster.json'), 'utf8');
const node: SnapshotNode = { name: 'node-1', files: { 'iptables-save.txt': readFileSync(join(dir, 'nodes', 'node-1', 'iptables-save.txt'), 'utf8') } };
const out: Record<string, number[]> = { jsonParse: [], prepare: [], parse: [], decode: [], check: [], node: [], warmNode: [] };

for (let i = 0; i < runs; i++) {
  gc();
  let t = clock();
  JSON.parse(clusterJson);
  out.jsonParse.push(clock() - t);
  gc();
  t = clock();
  const cluster = prepareCluster(clusterJson);
  out.prepare.push(clock() - t);
  t = clock();
  const a = analyzeNode(node, cluster, { clock });
  out.node.push(clock() - t);
  if (a.summary.status !== 'analyzed') throw new Error(`node not analyzed: ${a.summary.error ?? a.summary.status}`);
  out.parse.push(a.timings?.parse ?? NaN);
  out.decode.push(a.timings?.decode ?? NaN);
  out.check.push(a.timings?.check ?? NaN);
  gc();
  t = clock();
  analyzeNode({ ...node, name: 'node-2' }, cluster, { clock });
  out.warmNode.push(clock() - t);
}
process.stdout.write(`${JSON.stringify(out)}\n`);
