// kube-proxy load balancing in iptables mode (pkg/proxy/iptables/proxier.go
// writeServiceToEndpointRules): rule i of n carries `-m statistic --mode random --probability
// 1/(n-i)` and the last rule is unconditional, so each endpoint gets 1/n overall. A packet reaches
// step i only if every earlier step did not match.

/**
 * Overall chance of each step being taken, given each step's own probability (undefined =
 * unconditional, i.e. 1). Steps after an unconditional one get 0; the sum is < 1 when the chain
 * can fall through without matching any step.
 */
export function effectiveProbabilities(stepProbabilities: readonly (number | undefined)[]): number[] {
  const out: number[] = [];
  let remaining = 1;
  for (const p of stepProbabilities) {
    const own = p === undefined ? 1 : Math.min(1, Math.max(0, p));
    out.push(remaining * own);
    remaining *= 1 - own;
  }
  return out;
}
