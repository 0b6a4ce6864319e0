import type { Finding } from '../../model';
import type { NodeLevelContext } from '../nodeLevel';
import { checkIpvsClusterIpSet } from './ipvsClusterIpSet';
import { checkIpvsNodePorts } from './ipvsNodePorts';
import { checkIpvsVipBinding } from './ipvsVipBinding';

// ipvs-structure (C22): the pieces kube-proxy's IPVS mode keeps consistent around each virtual
// server (pkg/proxy/ipvs/proxier.go): the address bound to kube-ipvs0 (and nothing else bound
// there), ClusterIPs in the KUBE-CLUSTER-IP ipset, a NodePort virtual server on every node address.
// Virtual-server persistence is affinity-residue's (ipvsAffinity.ts). Only on IPVS nodes: leftover
// virtual servers on other nodes are mode-switch leftovers.

export function checkIpvsStructure(ctx: NodeLevelContext): Finding[] {
  if (ctx.mode !== 'ipvs' || !ctx.dumps.ipvs) return [];
  return [...checkIpvsVipBinding(ctx), ...checkIpvsClusterIpSet(ctx), ...checkIpvsNodePorts(ctx)];
}
