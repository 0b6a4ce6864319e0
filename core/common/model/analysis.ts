import type { Evidence } from './evidence';
import type { Finding, Severity } from './finding';
import type { L4Protocol, ProgrammedNode, ProxyMode } from './programmed';

// Snapshot in, analysis out. A snapshot is the one input format (also the app's export format):
//   cluster.json                         Kubernetes List of Service, EndpointSlice, Pod, Node
//   nodes/<node>/iptables-save.txt       (+ iptables-legacy-save.txt, ip6tables-save.txt, node.json)

/** The files of one node, keyed by file name (`iptables-save.txt`, `node.json`, …). */
export interface SnapshotNode {
  name: string;
  files: Record<string, string>;
}

/** A snapshot loaded into memory (core/node reads it from a directory or a .tar.gz). */
export interface SnapshotData {
  /** Where it came from (path or "demo"), for reports. */
  source: string;
  /** Raw text of cluster.json, when present. */
  clusterJson?: string;
  nodes: SnapshotNode[];
}

export type NodeStatus = 'analyzed' | 'no-dump' | 'error';

export interface NodeSummary {
  node: string;
  status: NodeStatus;
  mode: ProxyMode | 'unknown';
  /** Dump files found for the node, e.g. ['iptables-save.txt']. */
  files: string[];
  ruleCount: number;
  servicePorts: number;
  backends: number;
  malformedLines: number;
  /** iptables backend from the dump header, when printed. */
  iptablesBackend?: string;
  error?: string;
}

/** Phase timings in milliseconds (only filled when a clock is given). */
export interface PhaseTimings {
  parse: number;
  decode: number;
  check: number;
}

/**
 * One programmed Service port as the cross-node checks see it. Backend sets are comma-joined sorted
 * `ip:port` lists, so they compare as strings and structured-clone cheaply out of a worker thread.
 */
export interface DigestServicePort {
  /** `ns/name:portName/proto`, or `chain:<name>` when the rules map to no Service port. */
  key: string;
  family: 4 | 6;
  /** `ns/name:port` (port name, or number when unnamed), or the chain name. */
  label: string;
  service: string | null;
  port: string | null;
  protocol: L4Protocol | null;
  /**
   * With cluster.json: the node has exactly the backends it should on both paths. The sets below
   * are then left out (most entries), which keeps a 10k-Service digest small.
   */
  matchesExpected?: boolean;
  /** Cluster path backends ('' = a path with none); absent when the node has no cluster path. */
  cluster?: string;
  local?: string;
  /** What this node should have (only with cluster.json and a known, proxied Service port). */
  expectedCluster?: string;
  expectedLocal?: string;
  /** The cluster (else local) path chain. */
  chain?: string;
  /** One dump line to quote (the path's first rule). */
  evidence?: Evidence;
}

/** What the cross-node checks need from one node (see DigestServicePort). */
export interface NodeDigest {
  node: string;
  /** Address families decoded on this node. */
  families: (4 | 6)[];
  servicePorts: DigestServicePort[];
}

export interface NodeAnalysis {
  summary: NodeSummary;
  /** One per address family decoded (IPv4 from iptables-save, IPv6 from ip6tables-save). */
  programmed: ProgrammedNode[];
  findings: Finding[];
  timings?: PhaseTimings;
  /** Input of the cross-node checks; a worker can return it instead of `programmed`. */
  digest?: NodeDigest;
}

export interface AnalysisResult {
  /** Bumped on any incompatible change of this shape; documented in docs/report-schema.md. */
  schemaVersion: 1;
  tool: { name: 'proxyscope'; version: string };
  generatedAt: string;
  snapshot: {
    source: string;
    nodes: string[];
    cluster: { services: number; endpointSlices: number; pods: number; nodes: number } | null;
  };
  nodes: NodeSummary[];
  findings: Finding[];
  /** What could not be checked and why (e.g. no cluster.json). */
  limitations: string[];
  counts: Record<Severity, number>;
}
