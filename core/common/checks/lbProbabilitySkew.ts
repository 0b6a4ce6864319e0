import type { Finding, LbStep, ProgrammedPath, ProgrammedServicePort } from '../model';
import type { NodeCheckContext } from './context';
import { findingPort, serviceRef } from './keys';
import { makeFinding } from './makeFinding';
import { grepRules, kubeProxyLogs, restartKubeProxy } from './nextSteps';

// lb-probability-skew (C13): kube-proxy writes rule i of n with `--probability` = %0.10f of
// 1/(n-i) and leaves the last one unconditional (pkg/proxy/iptables/proxier.go
// writeServiceToEndpointRules), which gives every endpoint 1/n. nftables uses
// `numgen random mod n` with keys exactly 0..n-1. Anything else skews the split.

/**
 * Whether a parsed probability is what kube-proxy would have written for `want`. The kernel keeps
 * 1/2^31 steps and old kube-proxy printed %0.5f, so allow a 1e-4 relative error, or a 5-decimal
 * rounding read back through the kernel.
 */
export function probabilityMatches(actual: number, want: number): boolean {
  if (Math.abs(actual - want) <= 1e-4 * want) return true;
  const five = Math.round(want * 1e5) / 1e5;
  return Math.abs(actual - five) <= 1e-9;
}

export function checkLbProbabilitySkew(ctx: NodeCheckContext): Finding[] {
  const out: Finding[] = [];
  // Indexed loops and no per-path array or closure: this visits every Service port of every node.
  const sps = ctx.programmed.servicePorts;
  for (let i = 0; i < sps.length; i++) {
    const sp = sps[i];
    for (let k = 0; k < 2; k++) {
      const path = k === 0 ? sp.clusterPath : sp.localPath;
      if (!path || path.steps.length === 0) continue;
      const problem = hasKeys(path.steps) ? keyProblem(path.steps) : probabilityProblem(path.steps);
      if (problem) out.push(skewFinding(ctx.node, sp, path, problem));
    }
  }
  return out;
}

function hasKeys(steps: LbStep[]): boolean {
  for (let i = 0; i < steps.length; i++) if (steps[i].key !== undefined) return true;
  return false;
}

interface Problem {
  detail: string;
  bad: LbStep[];
}

function probabilityProblem(steps: LbStep[]): Problem | null {
  const n = steps.length;
  const bad: LbStep[] = [];
  const details: string[] = [];
  steps.forEach((s, i) => {
    const last = i === n - 1;
    if (last) {
      if (s.probability !== undefined && !probabilityMatches(s.probability, 1)) {
        bad.push(s);
        details.push(`the last rule has probability ${s.probability} instead of none, so some connections match no rule and are not load-balanced`);
      }
      return;
    }
    const want = 1 / (n - i);
    if (s.probability === undefined) {
      bad.push(s);
      details.push(`rule ${i + 1} of ${n} is unconditional, so rules after it are never used`);
    } else if (!probabilityMatches(s.probability, want)) {
      bad.push(s);
      details.push(`rule ${i + 1} of ${n} has probability ${s.probability} instead of ${want.toFixed(10)}`);
    }
  });
  return bad.length ? { detail: details.slice(0, 3).join('; '), bad } : null;
}

function keyProblem(steps: LbStep[]): Problem | null {
  const n = steps.length;
  const keys = steps.map((s) => s.key);
  const ok = new Set(keys).size === n && keys.every((k) => k !== undefined && Number.isInteger(k) && k >= 0 && k < n);
  if (ok) return null;
  return { detail: `the numgen keys are ${keys.map((k) => (k === undefined ? '?' : k)).join(', ')} instead of exactly 0..${n - 1}`, bad: steps };
}

/** Share of new connections each step gets: p_i times what the earlier steps leave over. */
export function effectiveShares(steps: LbStep[]): { shares: number[]; unmatched: number } {
  let remaining = 1;
  const shares = steps.map((s) => {
    const share = remaining * (s.probability ?? 1);
    remaining -= share;
    return share;
  });
  return { shares, unmatched: Math.max(0, remaining) };
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

function skewFinding(node: string, sp: ProgrammedServicePort, path: ProgrammedPath, problem: Problem): Finding {
  const n = path.steps.length;
  const usesKeys = path.steps.some((s) => s.key !== undefined);
  let distribution = '';
  if (!usesKeys) {
    const { shares, unmatched } = effectiveShares(path.steps);
    distribution = ` Actual split: ${shares.map(pct).join(' / ')}${unmatched > 1e-9 ? ` (+${pct(unmatched)} not DNATed)` : ''}; expected ${pct(1 / n)} each.`;
  }
  const label = sp.id ? `${serviceRef(sp.id)}${sp.id.portName ? `:${sp.id.portName}` : ''}` : sp.label;
  return makeFinding({
    check: 'lb-probability-skew',
    severity: 'medium',
    node,
    service: sp.id ? serviceRef(sp.id) : null,
    port: sp.id ? findingPort(sp.id, undefined, sp) : null,
    protocol: sp.id?.protocol ?? null,
    title: `Uneven load balancing for ${label} on ${node} (${path.chain})`,
    message:
      `${path.chain} spreads ${label} over ${n} backends, but ${problem.detail}.${distribution} ` +
      'kube-proxy never writes these values itself, so the chain was edited by hand or by another tool, or is a leftover of an interrupted sync.',
    nextSteps: [grepRules(node, path.chain), ...kubeProxyLogs(node), restartKubeProxy(node)],
    evidence: problem.bad.map((s) => s.evidence),
  });
}
