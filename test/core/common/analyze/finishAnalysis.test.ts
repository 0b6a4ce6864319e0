import { describe, expect, it } from 'vitest';
import { analyzeNode } from '../../../../core/common/analyze/analyzeNode';
import { analyzeSnapshot } from '../../../../core/common/analyze/analyzeSnapshot';
import { finishAnalysis } from '../../../../core/common/analyze/finishAnalysis';
import { prepareCluster } from '../../../../core/common/analyze/prepareCluster';
import type { NodeAnalysis, SnapshotData } from '../../../../core/common/model';
import { NODE, OVERALL_RULES, overallCluster, snapshotOf } from './_overallSnapshot';

const NOW = new Date('2025-01-01T00:00:00Z');

describe('finishAnalysis', () => {
  it('gives the same result from worker-style node results (summary, findings, digest only)', () => {
    const cluster = overallCluster();
    cluster.endpointSlices[3].endpoints!.splice(0, 1);
    const snap = snapshotOf(cluster, { [NODE]: OVERALL_RULES, n2: OVERALL_RULES.replace('10.180.0.1:80', '10.180.0.7:80') });
    const prepared = prepareCluster(snap.clusterJson!);
    const nodes: NodeAnalysis[] = snap.nodes.map((n) => {
      // What a worker thread posts back: structured-cloned, without the programmed model.
      const { summary, findings, digest, timings } = analyzeNode(n, prepareCluster(snap.clusterJson!), { clock: () => 0 });
      return { ...structuredClone({ summary, findings, digest, timings }), programmed: [] };
    });
    expect(finishAnalysis(snap, prepared, nodes, { now: NOW, version: 'x' })).toEqual(analyzeSnapshot(snap, { now: NOW, version: 'x' }));
  });

  /** A Pod that is not Ready while its EndpointSlice says ready: a cluster-wide (node null) finding. */
  function notReadyPod() {
    const c = overallCluster();
    c.pods[0].status!.conditions = [{ type: 'Ready', status: 'False' }];
    return c;
  }
  const CLUSTER_WIDE = new Set(['readiness-disagreement', 'publish-not-ready', 'endpointslice-hygiene']);
  const deferCases: [string, SnapshotData][] = [
    ['one node', snapshotOf(notReadyPod())],
    ['two nodes', snapshotOf(notReadyPod(), { [NODE]: OVERALL_RULES, n2: OVERALL_RULES })],
    ['a node without a dump next to one with', { ...snapshotOf(notReadyPod()), nodes: [{ name: 'bare', files: {} }, ...snapshotOf(null).nodes] }],
    ['only a node without a dump (no node reaches the checks)', { ...snapshotOf(notReadyPod()), nodes: [{ name: 'bare', files: {} }] }],
    ['no cluster.json', snapshotOf(null)],
    ['no cluster-wide finding', snapshotOf(overallCluster())],
  ];
  it.each(deferCases)('adds the deferred cluster-wide findings once, as if every node had reported them: %s', (_n, snap) => {
    const prepared = snap.clusterJson !== undefined ? prepareCluster(snap.clusterJson) : null;
    const nodes = snap.nodes.map((n) => analyzeNode(n, prepared, { deferClusterWide: true }));
    for (const n of nodes) expect(n.findings.filter((f) => CLUSTER_WIDE.has(f.check))).toEqual([]);
    expect(finishAnalysis(snap, prepared, nodes, { now: NOW, version: 'x' })).toEqual(analyzeSnapshot(snap, { now: NOW, version: 'x' }));
  });

  it('has a scenario with a cluster-wide finding among the cases above', () => {
    const got = analyzeSnapshot(deferCases[1][1], { now: NOW });
    expect(got.findings.filter((f) => CLUSTER_WIDE.has(f.check)).map((f) => [f.check, f.node])).toEqual([['readiness-disagreement', null]]);
  });

  it('fills timings only when a clock is given', () => {
    const snap = snapshotOf(overallCluster());
    let t = 0;
    const timed = analyzeNode(snap.nodes[0], null, { clock: () => (t += 1) });
    expect(timed.timings).toEqual({ parse: 1, decode: 1, check: 1 });
    expect(analyzeNode(snap.nodes[0], null).timings).toBeUndefined();
  });
});
