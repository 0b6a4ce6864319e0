import type { Evidence } from './evidence';

// The mode-independent model of what one node's kube-proxy actually programs.
// iptables, nftables and IPVS decoders all produce this, so checks are written once.

export type L4Protocol = 'tcp' | 'udp' | 'sctp';
export type ProxyMode = 'iptables' | 'nftables' | 'ipvs';
export type FrontendKind = 'cluster-ip' | 'external-ip' | 'load-balancer' | 'node-port';

/** A Service port as kube-proxy keys it: `ns/name:portName` + protocol. portName is '' when unnamed. */
export interface ServicePortId {
  namespace: string;
  name: string;
  portName: string;
  protocol: L4Protocol;
}

/** How the decoder learned which Service port a set of rules belongs to. */
export type IdSource = 'hash' | 'comment' | 'none';

/** Where traffic enters: one address:port (or a NodePort on every local address). */
export interface ProgrammedFrontend {
  kind: FrontendKind;
  /** Destination address; undefined for NodePorts (any local address). */
  ip?: string;
  port: number;
  protocol: L4Protocol;
  /** Which path traffic for this frontend takes. */
  path: 'cluster' | 'local' | 'external' | 'firewall' | 'reject' | 'drop';
  /** Chain / map element / virtual server the frontend points at. */
  target: string;
  evidence: Evidence;
  /** Other rules that capture the same frontend (kube-proxy's `-d 127.0.0.0/8` NodePort copy, repeated old-style rules). */
  extraEvidence?: Evidence[];
}

/** A place traffic is finally DNATed to (pod IP:targetPort). */
export interface ProgrammedBackend {
  ip: string;
  port: number;
  /** Probability of this backend being picked on this path (0..1), iptables/nftables. */
  probability?: number;
  /** IPVS weight (0 = draining). */
  weight?: number;
  /** Per-endpoint chain (KUBE-SEP-…, endpoint-…) when there is one. */
  chain?: string;
  /** Rules that make up this backend: the jump from the service chain, the DNAT, … */
  evidence: Evidence[];
  /**
   * iptables decoder only, for backends with a KUBE-SEP chain: whether that chain holds
   * kube-proxy's hairpin rule `-s <this IP> -j KUBE-MARK-MASQ` (host address, optional /32 or
   * /128). Read while decoding so the masquerade-hairpin check need not walk 50k chains again;
   * undefined elsewhere (the check then reads the raw rules).
   */
  hairpinMasq?: boolean;
}

/** One load-balancing step as written, in order, so LB math can be checked. */
export interface LbStep {
  /** Target chain / endpoint. */
  target: string;
  /** `--probability` as parsed (iptables), undefined when unconditional. */
  probability?: number;
  /** nft numgen key / IPVS index, when relevant. */
  key?: number;
  evidence: Evidence;
}

/** A SVC (cluster) or SVL (local) path: the set of backends reachable through one chain. */
export interface ProgrammedPath {
  policy: 'cluster' | 'local';
  chain: string;
  backends: ProgrammedBackend[];
  steps: LbStep[];
  /** Session affinity timeout in seconds when affinity rules are present. */
  affinitySeconds?: number;
  evidence: Evidence[];
}

/** A REJECT/DROP placed by kube-proxy for a Service port. */
export interface ProgrammedMarker {
  kind: 'reject' | 'drop';
  reason: 'no-endpoints' | 'no-local-endpoints' | 'firewall' | 'other';
  frontend?: { kind: FrontendKind; ip?: string; port: number; protocol: L4Protocol };
  evidence: Evidence;
}

export interface ProgrammedServicePort {
  /** null when neither hash nor comment identifies the Service port. */
  id: ServicePortId | null;
  idSource: IdSource;
  /** Human label: `ns/name:port` when known, else the chain name. */
  label: string;
  frontends: ProgrammedFrontend[];
  clusterPath?: ProgrammedPath;
  localPath?: ProgrammedPath;
  /** KUBE-EXT / external- chain, KUBE-FW / firewall- chain. */
  externalChain?: string;
  firewallChain?: string;
  /** Source CIDRs allowed through the firewall chain. */
  sourceRanges?: string[];
  markers: ProgrammedMarker[];
  /** Every chain that belongs to this Service port (for the rule viewer and orphan reports). */
  chains: string[];
}

/** A chain whose name does not match the hash of what it claims to be (C12). */
export interface NameMismatch {
  chain: string;
  /** What the chain claims to be (from its comment / DNAT target). */
  claimed: string;
  /** The names kube-proxy would have used (both unnamed-port forms where relevant). */
  expected: string[];
  evidence: Evidence;
}

export interface ProgrammedNode {
  node: string;
  mode: ProxyMode;
  family: 4 | 6;
  servicePorts: ProgrammedServicePort[];
  nameMismatches: NameMismatch[];
  /** Facts for node-level checks. */
  facts: {
    /** Chains in the kube-proxy namespace that nothing maps (KUBE-SVC-… with an unknown hash and no comment). */
    unmappedChains: { chain: string; evidence: Evidence }[];
    /** Whether the per-endpoint comments were present (large-cluster mode drops them). */
    endpointCommentsPresent: boolean;
    /** Source file the model was decoded from, e.g. `nodes/n1/iptables-save.txt`. */
    file: string;
  };
}
