// Public shapes of the packet trace (`proxyscope trace`): one packet, followed through each data
// plane the node's dumps show (iptables, nftables, IPVS), with every rule it meets and the end
// states it can reach.

export type TraceProtocol = 'tcp' | 'udp' | 'sctp';
export type TracePlane = 'iptables' | 'nftables' | 'ipvs';

export interface TraceQuery {
  /** Destination address (IPv4 or IPv6, no brackets). */
  dst: string;
  port: number;
  protocol: TraceProtocol;
  /** Source address; unknown when absent (source-dependent rules then become conditions). */
  src?: string;
  /** The packet comes from a process on the node (nat/filter OUTPUT) instead of the network. */
  fromLocalProcess?: boolean;
}

export interface TraceOptions {
  /** This node's pod CIDRs (Node spec.podCIDRs): used to say whether a backend is local. */
  podCIDRs?: string[];
  /** Addresses of the node (`--dst-type LOCAL`, `fib daddr type local`, routing). */
  nodeIPs?: string[];
  /** Keep every non-matching rule instead of folding long runs of them (default false). */
  allRules?: boolean;
}

export type TraceStepKind =
  /** A rule, map element or IPVS line that was evaluated. */
  | 'rule'
  /** Opens a branch of a fork (random choice or an unknown condition); `branch` is the new id. */
  | 'branch'
  /** A run of non-matching rules folded into one line. */
  | 'skipped'
  /** Fell off the end of a built-in chain: its policy applies. */
  | 'policy'
  /** Not a rule: routing decision, a limit, a fact worth showing. */
  | 'info'
  /** The end state of the path (branch) the step belongs to. */
  | 'end';

export interface TraceStep {
  plane: TracePlane;
  /** iptables table (`nat`), nft table (`ip kube-proxy`), or `ipvs`. */
  table: string;
  /** Chain, or for IPVS the virtual service (`TCP 10.96.0.10:53`). */
  chain: string;
  /** Snapshot path of the dump, e.g. `nodes/n1/iptables-save.txt`. */
  file: string;
  /** 1-based line in the dump (nft JSON: object index + 1); 0 when not from a line. */
  line: number;
  /** The rule as read; for nft JSON input the normalised statement text. */
  raw: string;
  /** true / false, or 'branch' when the outcome depends on chance or on an unknown fact. */
  matched: boolean | 'branch';
  note: string;
  kind: TraceStepKind;
  /** 0 for a hook's base chain, +1 per jump/goto. */
  depth: number;
  /** Branch id the step belongs to (0 = the trunk). */
  branch: number;
  /** On a 'branch' step: the branch it splits from. */
  parent?: number;
}

export type TraceOutcomeKind = 'dnat' | 'reject' | 'drop' | 'accept-no-dnat' | 'incomplete';

/** Where an outcome was decided. */
export interface TraceHit {
  plane: TracePlane;
  file: string;
  table: string;
  chain: string;
  line: number;
  raw: string;
}

export interface TraceOutcome {
  kind: TraceOutcomeKind;
  /** DNAT target (kind 'dnat'). */
  ip?: string;
  port?: number;
  /**
   * Chance of this end state under the conditions in `when` (random load-balancing only; facts
   * the trace cannot know are conditions, not probabilities). 0 for a draining IPVS real server.
   */
  probability: number;
  /** Alternatives (each a conjunction, as text) under which this happens; empty = always. */
  when: string[];
  masquerade: boolean | 'conditional';
  /** Alternatives under which the packet is masqueraded, when `masquerade` is 'conditional'. */
  masqueradeWhen?: string[];
  /** IPVS real-server weight. */
  weight?: number;
  /** IPVS real server with weight 0: kept for existing connections, gets no new ones. */
  draining?: boolean;
  /** The backend is inside this node's pod CIDR. */
  localBackend?: boolean;
  decidedBy?: TraceHit;
  note?: string;
}

/**
 * Steps are listed path by path: a branch's steps, then each of its sub-branches in turn (a
 * 'branch' step opens each), so every path reads top to bottom.
 */
export interface PlaneTrace {
  plane: TracePlane;
  /** Snapshot path of the main dump traced. */
  file: string;
  family: 4 | 6;
  steps: TraceStep[];
  outcomes: TraceOutcome[];
  notes: string[];
  /** A limit (depth, loop, branch count, step count) cut the trace short. */
  truncated: boolean;
}

export interface TraceResult {
  node: string;
  query: TraceQuery;
  family?: 4 | 6;
  planes: PlaneTrace[];
  notes: string[];
  /** Set when the query or the node's files cannot be traced; planes is then empty. */
  error?: string;
}
