import type { ClusterIndex, ClusterState, ExpectedServicePort, Malformed } from '../model';
import { indexCluster } from '../kube/clusterIndex';
import { parseClusterJson } from '../kube/clusterState';
import { expectedForNode, prepareExpected } from '../kube/expectedServicePorts';
import type { PreparedExpected } from '../kube/expectedServicePorts';
import { buildIptablesNameTable } from '../kube/iptablesNameTable';
import type { IptablesNameTable } from '../kube/iptablesNameTable';

// The API side of a snapshot, prepared once and shared by every node's analysis (a worker thread
// prepares its own copy from the same text). Name tables and per-family endpoint preparation are
// built on first use, so an IPv4-only snapshot never pays for IPv6.

export interface PreparedCluster {
  state: ClusterState;
  index: ClusterIndex;
  /** What could not be read from cluster.json. */
  problems: Malformed[];
  expected: PreparedExpected;
  /** Reverse chain-name lookups per family; use iptablesNames(). */
  names: Partial<Record<4 | 6, IptablesNameTable>>;
}

export function prepareCluster(clusterJson: string): PreparedCluster {
  let state: ClusterState = { services: [], endpointSlices: [], pods: [], nodes: [] };
  const problems: Malformed[] = [];
  try {
    const parsed = parseClusterJson(clusterJson);
    state = parsed.state;
    problems.push(...parsed.problems);
  } catch (err) {
    problems.push({ line: 0, raw: '', reason: `cluster.json could not be read: ${errorText(err)}` });
  }
  const index = indexCluster(state);
  const cluster: PreparedCluster = { state, index, problems, expected: prepareExpected(index), names: {} };
  // IPv4 is in every snapshot: pay its O(cluster) preparation here, once, not inside the first
  // node's timings. IPv6 is prepared on first use.
  if (state.services.length > 0) {
    iptablesNames(cluster, 4);
    expectedForNode(cluster.expected, '', 4);
  }
  return cluster;
}

/**
 * Whether the API side can be trusted for the API-based checks. A cluster without any Service
 * (every real cluster has `default/kubernetes`) is an unreadable or partial export: using it would
 * call every rule an orphan.
 */
export function clusterUsable(cluster: PreparedCluster | null): boolean {
  return cluster !== null && cluster.state.services.length > 0;
}

/** The cluster when usable, else null (see clusterUsable). */
export function usableCluster(cluster: PreparedCluster | null): PreparedCluster | null {
  return cluster !== null && clusterUsable(cluster) ? cluster : null;
}

export function iptablesNames(cluster: PreparedCluster, family: 4 | 6): IptablesNameTable {
  let t = cluster.names[family];
  if (!t) {
    t = buildIptablesNameTable(cluster.state.services, family);
    cluster.names[family] = t;
  }
  return t;
}

/** What kube-proxy should program on `node` for `family` (read-only, possibly shared objects). */
export function expectedFor(cluster: PreparedCluster, node: string, family: 4 | 6): ExpectedServicePort[] {
  return expectedForNode(cluster.expected, node, family);
}

export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
