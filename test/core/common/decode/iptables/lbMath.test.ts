import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { effectiveProbabilities } from '../../../../../core/common/decode/iptables/lbMath';

describe('effectiveProbabilities', () => {
  it.each([
    { steps: [undefined], want: [1] },
    { steps: [0.5, undefined], want: [0.5, 0.5] },
    { steps: [0.3333333333, 0.5, undefined], want: [1 / 3, 1 / 3, 1 / 3] },
    { steps: [0.33332999982, 0.5, undefined], want: [1 / 3, 1 / 3, 1 / 3] },
    { steps: [0.5], want: [0.5] },
    { steps: [undefined, 0.5, undefined], want: [1, 0, 0] },
    { steps: [], want: [] },
    { steps: [1.5, -1], want: [1, 0] },
  ])('turns per-rule probabilities $steps into overall shares', ({ steps, want }) => {
    const got = effectiveProbabilities(steps);
    expect(got).toHaveLength(want.length);
    got.forEach((p, i) => expect(p).toBeCloseTo(want[i], 4));
  });

  it("gives each of n endpoints 1/n with kube-proxy's %0.10f probabilities", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), (n) => {
        const steps = Array.from({ length: n }, (_, i) => (i === n - 1 ? undefined : Number((1 / (n - i)).toFixed(10))));
        const shares = effectiveProbabilities(steps);
        for (const s of shares) expect(s).toBeCloseTo(1 / n, 8);
        expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      }),
    );
  });

  it('never produces shares that add up to more than 1', () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }), { maxLength: 50 }), (steps) => {
        const sum = effectiveProbabilities(steps).reduce((a, b) => a + b, 0);
        expect(sum).toBeLessThanOrEqual(1 + 1e-12);
        expect(sum).toBeGreaterThanOrEqual(0);
      }),
    );
  });
});
