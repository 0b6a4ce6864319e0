import { parseClusterJson } from '../kube/clusterState';
import { parseIp } from '../ip/ipMath';
import type { TraceOptions } from './traceTypes';

// The facts about one node the trace takes from cluster.json: its addresses (Node
// status.addresses of IP type, for `--dst-type LOCAL` and routing) and its pod CIDRs (spec). The
// node's ip-addr.txt, when captured, is added by traceNode itself.

export function traceOptionsFromCluster(clusterJson: string | undefined, nodeName: string): { options: TraceOptions; notes: string[] } {
  const notes: string[] = [];
  if (clusterJson === undefined) return { options: {}, notes: ['no cluster.json: the node\'s addresses come from ip-addr.txt only'] };
  const { state, problems } = parseClusterJson(clusterJson);
  const node = state.nodes.find((n) => n.metadata?.name === nodeName);
  if (!node) {
    if (problems.length > 0 && state.nodes.length === 0) notes.push(`cluster.json not used: ${problems[0].reason}`);
    else notes.push(`no Node object named ${nodeName} in cluster.json`);
    return { options: {}, notes };
  }
  const nodeIPs = (node.status?.addresses ?? []).map((a) => a.address).filter((a): a is string => typeof a === 'string' && parseIp(a) !== null);
  const cidrs = [...(node.spec?.podCIDRs ?? []), ...(node.spec?.podCIDR !== undefined ? [node.spec.podCIDR] : [])];
  const podCIDRs = [...new Set(cidrs.filter((c): c is string => typeof c === 'string'))];
  return { options: { nodeIPs, podCIDRs }, notes };
}
