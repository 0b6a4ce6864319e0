import { describe, expect, it } from 'vitest';
import { analyzeNode } from '../../../../core/common/analyze/analyzeNode';
import { analyzeSnapshot } from '../../../../core/common/analyze/analyzeSnapshot';
import { finishAnalysis } from '../../../../core/common/analyze/finishAnalysis';
import { prepareCluster } from '../../../../core/common/analyze/prepareCluster';
import type { NodeAnalysis } from '../../../../core/common/model';
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

  it('fills timings only when a clock is given', () => {
    const snap = snapshotOf(overallCluster());
    let t = 0;
    const timed = analyzeNode(snap.nodes[0], null, { clock: () => (t += 1) });
    expect(timed.timings).toEqual({ parse: 1, decode: 1, check: 1 });
    expect(analyzeNode(snap.nodes[0], null).timings).toBeUndefined();
  });
});
