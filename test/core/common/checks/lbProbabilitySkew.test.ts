import { describe, expect, it } from 'vitest';
import { checkLbProbabilitySkew, effectiveShares, probabilityMatches } from '../../../../core/common/checks/lbProbabilitySkew';
import { WEB, ctxOf, ev, spOf, world } from './_builders';
import type { World } from './_builders';

type Case = { name: string; mutate: (w: World) => void; expect: RegExp[] };

const setProbabilities = (w: World, ps: (number | undefined)[]) => {
  spOf(w, 'web').clusterPath!.steps.forEach((s, i) => {
    if (ps[i] === undefined) delete s.probability;
    else s.probability = ps[i];
  });
};

const cases: Case[] = [
  { name: 'kube-proxy %0.10f probabilities are fine', mutate: () => {}, expect: [] },
  { name: 'values read back through the kernel (2^-31 steps) are fine', mutate: (w) => setProbabilities(w, [0.33333333349, 0.5, undefined]), expect: [] },
  { name: 'old %0.5f probabilities read back are fine', mutate: (w) => setProbabilities(w, [0.33332999982, 0.5, undefined]), expect: [] },
  {
    name: 'a wrong probability is flagged with the actual split',
    mutate: (w) => setProbabilities(w, [0.5, 0.5, undefined]),
    expect: [/rule 1 of 3 has probability 0\.5 instead of 0\.3333333333.*Actual split: 50\.0% \/ 25\.0% \/ 25\.0%; expected 33\.3% each/],
  },
  {
    name: 'an unconditional rule before the last one is flagged',
    mutate: (w) => setProbabilities(w, [undefined, 0.5, undefined]),
    expect: [/rule 1 of 3 is unconditional, so rules after it are never used/],
  },
  {
    name: 'a conditional last rule is flagged as leaving traffic un-DNATed',
    mutate: (w) => setProbabilities(w, [0.3333333333, 0.5, 0.5]),
    expect: [/last rule has probability 0\.5.*not DNATed/],
  },
  {
    name: 'nftables numgen keys 0..n-1 are fine',
    mutate: (w) => spOf(w, 'web').clusterPath!.steps.forEach((s, i) => ((s.key = i), delete s.probability)),
    expect: [],
  },
  {
    name: 'nftables numgen keys with a gap are flagged',
    mutate: (w) => spOf(w, 'web').clusterPath!.steps.forEach((s, i) => ((s.key = i * 2), delete s.probability)),
    expect: [/numgen keys are 0, 2, 4 instead of exactly 0\.\.2/],
  },
];

describe('checkLbProbabilitySkew', () => {
  it.each(cases)('$name', (c) => {
    const w = world([WEB]);
    c.mutate(w);
    const findings = checkLbProbabilitySkew(ctxOf(w, false));
    expect(findings).toHaveLength(c.expect.length);
    findings.forEach((f, i) => {
      expect(f).toMatchObject({ check: 'lb-probability-skew', severity: 'medium', node: 'n1', service: 'shop/web', port: 'http' });
      expect(f.message).toMatch(c.expect[i]);
      expect(f.evidence.length).toBeGreaterThan(0);
    });
  });

  it('checks paths of large Services exactly like kube-proxy writes them', () => {
    const n = 1000;
    const w = world([WEB]);
    const path = spOf(w, 'web').clusterPath!;
    path.steps = Array.from({ length: n }, (_, i) => ({
      target: `KUBE-SEP-${i}`,
      ...(i < n - 1 ? { probability: Number((1 / (n - i)).toFixed(10)) } : {}),
      evidence: ev(`step ${i}`),
    }));
    expect(checkLbProbabilitySkew(ctxOf(w, false))).toEqual([]);
  });
});

describe('probabilityMatches / effectiveShares', () => {
  it.each([
    [0.3333333333, 1 / 3, true],
    [0.33333, 1 / 3, true],
    [0.3, 1 / 3, false],
    [0.00033, 1 / 3000, true],
    [0.00031, 1 / 3000, false],
  ])('%f vs %f -> %s', (actual, want, ok) => expect(probabilityMatches(actual, want)).toBe(ok));

  it('gives every step 1/n for kube-proxy values', () => {
    const { shares, unmatched } = effectiveShares([{ target: 'a', probability: 1 / 3, evidence: ev('') }, { target: 'b', probability: 0.5, evidence: ev('') }, { target: 'c', evidence: ev('') }]);
    shares.forEach((s) => expect(s).toBeCloseTo(1 / 3, 9));
    expect(unmatched).toBeCloseTo(0, 9);
  });
});
