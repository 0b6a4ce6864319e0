// One node of the fault-scenario base cluster (test/helpers/scenario/faultScenarios.ts
// baseCluster) in each kube-proxy mode, as the test writers print it without real tools
// (iptables-restore input, an `nft -f` transaction, the IPVS captures), and the NodeLevelContext
// the pipeline builds for node-level check tests. Tests copy and break the files.
import type { ClusterState, SnapshotNode } from '../../../../core/common/model';
import type { NodeLevelContext } from '../../../../core/common/checks/nodeLevel';
import { buildNodeCheckContext } from '../../../../core/common/checks/context';
import { decodePlane } from '../../../../core/common/analyze/decodePlane';
import { detectMode } from '../../../../core/common/analyze/detectMode';
import { parseNodeDumps } from '../../../../core/common/analyze/nodeDumps';
import type { PreparedCluster } from '../../../../core/common/analyze/prepareCluster';
import { expectedFor, prepareCluster } from '../../../../core/common/analyze/prepareCluster';
import { adjustExpectedForIpvs } from '../../../../core/common/kube/ipvsExpectation';
import { nodeIpOf } from '../../../helpers/scenario/clusterBuilder';
import { toClusterJson } from '../../../helpers/scenario/clusterJson';
import { baseCluster } from '../../../helpers/scenario/faultScenarios';
import { renderKubeProxyIptables } from '../../../helpers/scenario/kubeProxyIptables';
import { renderKubeProxyIpvs } from '../../../helpers/scenario/kubeProxyIpvs';
import { renderKubeProxyNftables } from '../../../helpers/scenario/kubeProxyNftables';

export const NODE = 'worker-2';
export const CLUSTER_CIDR = '10.244.0.0/16';

export function baseState(): ClusterState {
  return baseCluster().build();
}

export function iptablesFiles(state: ClusterState = baseState(), opts: { comments?: boolean; node?: string } = {}): Record<string, string> {
  return { 'iptables-save.txt': renderKubeProxyIptables(state, opts.node ?? NODE, { comments: opts.comments ?? true, clusterCIDR: CLUSTER_CIDR }) };
}

export function nftFiles(state: ClusterState = baseState(), node = NODE): Record<string, string> {
  const ip = nodeIpOf(state, node);
  return { 'nft.txt': renderKubeProxyNftables(state, node, { clusterCIDR: CLUSTER_CIDR, nodeIPs: ip ? [ip] : [], serviceCIDRs: ['10.96.0.0/16'] }) };
}

export function ipvsFiles(state: ClusterState = baseState(), node = NODE): Record<string, string> {
  const ip = nodeIpOf(state, node);
  const out = renderKubeProxyIpvs(state, node, { nodeIPs: ip ? [ip] : [], clusterCIDR: CLUSTER_CIDR });
  return { 'ipvsadm.txt': out.ipvsadm, 'ipset.txt': out.ipset, 'ip-addr.txt': out.ipAddr, 'iptables-save.txt': out.iptables };
}

export function cluster(state: ClusterState = baseState()): PreparedCluster {
  return prepareCluster(toClusterJson(state));
}

/** What analyzeNode hands the node-level checks for these files. */
export function nodeLevelContext(files: Record<string, string>, prepared: PreparedCluster | null = cluster()): NodeLevelContext {
  const node: SnapshotNode = { name: NODE, files };
  const dumps = parseNodeDumps(node);
  const detection = detectMode(NODE, dumps, prepared?.index ?? null);
  const mode = detection.mode;
  const expected = (family: 4 | 6) => (prepared ? expectedFor(prepared, NODE, family) : null);
  const programmed = mode !== 'unknown' && detection.captured ? decodePlane({ node: NODE, mode, dumps, planes: detection.planes, cluster: prepared, expected }) : [];
  const perFamily = programmed.map((p) => {
    let e = expected(p.family);
    if (e && mode === 'ipvs') e = adjustExpectedForIpvs(e);
    return buildNodeCheckContext(p, prepared && e ? { index: prepared.index, expected: e } : null);
  });
  return { node: NODE, mode, dumps, programmed, perFamily, index: prepared?.index ?? null };
}

/** Lines of `text` without those matching `drop`. */
export function withoutLines(text: string, drop: RegExp): string {
  return text
    .split('\n')
    .filter((l) => !drop.test(l))
    .join('\n');
}

/** A dual-stack copy of the state: `ns/name` gets an IPv6 ClusterIP next to its IPv4 one. */
export function dualStack(state: ClusterState, ref: string, v6: string): ClusterState {
  const copy = structuredClone(state);
  const svc = copy.services.find((s) => `${s.metadata.namespace}/${s.metadata.name}` === ref);
  if (!svc) throw new Error(`no Service ${ref}`);
  svc.spec.ipFamilies = ['IPv4', 'IPv6'];
  svc.spec.ipFamilyPolicy = 'RequireDualStack';
  svc.spec.clusterIPs = [svc.spec.clusterIP ?? '', v6];
  return copy;
}
