import type {
  ClusterIndex,
  ExpectedServicePort,
  IptablesDump,
  ProgrammedBackend,
  ProgrammedNode,
  ProgrammedServicePort,
} from '../model';
import { servicePortKey } from './keys';
import type { JoinStatus } from './joinStatus';
import type { OrphanStatus } from './orphanStatus';
import { orphanStatus } from './orphanStatus';

// What a node check sees: one node's programmed model for one address family, and, when the
// snapshot has cluster.json, what kube-proxy should have programmed there. All joins go through
// Maps built once here (10k Services x 5 endpoints must check in well under 50 ms).

export interface ClusterCheckData {
  index: ClusterIndex;
  /** Expected Service ports of this node and family (proxied or not). */
  expected: ExpectedServicePort[];
  expectedByKey: Map<string, ExpectedServicePort>;
  /** Programmed Service ports with a known id, by servicePortKey (usually one each). */
  programmedByKey: Map<string, ProgrammedServicePort[]>;
  /** One per programmed Service port id: the join every backend check walks. */
  joins: PortJoin[];
}

/** A programmed Service port id joined with the API side, computed once per node and family. */
export interface PortJoin {
  key: string;
  sps: ProgrammedServicePort[];
  e: ExpectedServicePort | undefined;
  /** Non-null when the rules belong to no current, proxied Service port (orphan-rules reports it). */
  orphan: OrphanStatus | null;
  /** joinStatus's result, computed on first use (undefined = not yet). */
  status?: JoinStatus | null;
}

export interface NodeCheckContext {
  node: string;
  programmed: ProgrammedNode;
  /** null when the snapshot has no cluster.json: only rule-level checks can run. */
  cluster: ClusterCheckData | null;
}

/** One parsed dump file of a node, for the checks that look at files rather than the model. */
export interface NodeDumpFile {
  /** Snapshot path, e.g. `nodes/n1/iptables-save.txt`. */
  file: string;
  /** File name inside the node folder, e.g. `iptables-save.txt`. */
  name: string;
  dump: IptablesDump;
}

export function buildNodeCheckContext(
  programmed: ProgrammedNode,
  cluster: { index: ClusterIndex; expected: ExpectedServicePort[] } | null,
): NodeCheckContext {
  if (!cluster) return { node: programmed.node, programmed, cluster: null };
  const expectedByKey = new Map<string, ExpectedServicePort>();
  const expected = cluster.expected;
  for (let i = 0; i < expected.length; i++) expectedByKey.set(expectedKey(expected[i]), expected[i]);
  const programmedByKey = new Map<string, ProgrammedServicePort[]>();
  const sps = programmed.servicePorts;
  for (let i = 0; i < sps.length; i++) {
    const sp = sps[i];
    if (!sp.id) continue;
    const k = servicePortKey(sp.id);
    const list = programmedByKey.get(k);
    if (list) list.push(sp);
    else programmedByKey.set(k, [sp]);
  }
  const data: ClusterCheckData = { index: cluster.index, expected, expectedByKey, programmedByKey, joins: [] };
  // forEach, not for-of: this runs once per node, mostly unoptimized, where every step of an
  // entries() iterator allocates.
  programmedByKey.forEach((list, key) => {
    const e = expectedByKey.get(key);
    // The expected list has every port of every current Service, so a match settles it.
    let orphan: OrphanStatus | null = e ? (e.proxied ? null : { reason: 'not-proxied', service: e.service, notProxiedReason: e.notProxiedReason }) : null;
    if (!e) {
      for (const sp of list) {
        orphan = orphanStatus(data, sp);
        if (orphan) break;
      }
    }
    data.joins.push({ key, sps: list, e, orphan, status: undefined });
  });
  return { node: programmed.node, programmed, cluster: data };
}

// ServicePortIds of expected ports are stable objects across nodes (kube/expectedServicePorts.ts).
const expectedKeys = new WeakMap<object, string>();

/** servicePortKey of an expected Service port, computed once per port across nodes. */
export function expectedKey(e: ExpectedServicePort): string {
  let k = expectedKeys.get(e.id);
  if (k === undefined) {
    k = servicePortKey(e.id);
    expectedKeys.set(e.id, k);
  }
  return k;
}

/** kube-proxy's UsesClusterEndpoints / UsesLocalEndpoints (pkg/proxy/serviceport.go). */
export function usesClusterPath(e: ExpectedServicePort): boolean {
  return !e.internalPolicyLocal || (e.hasExternal && !e.externalPolicyLocal);
}

export function usesLocalPath(e: ExpectedServicePort): boolean {
  return e.internalPolicyLocal || (e.hasExternal && e.externalPolicyLocal);
}

export interface PathBackend {
  policy: 'cluster' | 'local';
  backend: ProgrammedBackend;
}

