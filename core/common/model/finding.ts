import type { Evidence } from './evidence';
import type { L4Protocol } from './programmed';

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

export type CheckId =
  | 'stale-backend'
  | 'not-ready-backend'
  | 'missing-backend'
  | 'service-not-programmed'
  | 'orphan-rules'
  | 'no-endpoints'
  | 'terminating-fallback'
  | 'lb-probability-skew'
  | 'chain-hash-mismatch'
  | 'iptables-backend-split'
  | 'node-divergence'
  | 'dump-malformed'
  // The wider catalog (../shared reference C-numbers), added with the nftables and IPVS modes.
  | 'proxy-mode-mismatch' // C01
  | 'mode-switch-leftovers' // C04
  | 'canary-missing' // C05
  | 'readiness-disagreement' // C14
  | 'publish-not-ready' // C15
  | 'local-policy-black-hole' // C18
  | 'stale-conntrack' // C20
  | 'ipvs-weight-zero' // C21
  | 'ipvs-structure' // C22
  | 'affinity-residue' // C24
  | 'source-ranges' // C25
  | 'masquerade-hairpin' // C26
  | 'dual-stack-parity' // C28
  | 'topology-expectation' // C29
  | 'endpointslice-hygiene' // C30
  | 'old-version-leftovers'; // C33

export interface Finding {
  check: CheckId;
  severity: Severity;
  /** Node name, or null for cluster-wide findings. */
  node: string | null;
  /** `ns/name`, or null when the rules could not be mapped to a Service. */
  service: string | null;
  /** The Service port's name, or its number as a string when unnamed. */
  port: string | null;
  protocol: L4Protocol | null;
  /** `ip:port` for backend checks. */
  endpoint: string | null;
  /** `ns/name` of the Pod concerned, when known. */
  pod: string | null;
  /** One line. */
  title: string;
  /** What is wrong and why it matters, in sentences. */
  message: string;
  nextSteps: string[];
  evidence: Evidence[];
}

export const SEVERITY_RANK: Record<Severity, number> = { critical: 4, high: 3, medium: 2, low: 1, info: 0 };
