import type { Evidence, Finding, Service } from '../model';
import type { NodeLevelContext } from './nodeLevel';
import { observePlanes } from '../analyze/dataPlanes';
import { clusterIPByFamily, notProxiedReason } from '../kube/serviceFamilyView';
import { namespaceOf } from '../kube/clusterIndex';
import { apiEvidence, listSome, makeFinding, plural } from './makeFinding';
import { kubeProxyLogs } from './nextSteps';

// dual-stack-parity (C28): Services with ClusterIPs of a family (spec.ipFamilies lists it) but a
// node whose kube-proxy programs none of that family at all. In nftables and IPVS mode one capture
// shows both families (`nft list ruleset` lists `table ip6 kube-proxy`, `ipvsadm -Ln` lists IPv6
// virtual servers), so a missing family there is a fact about the node: kube-proxy runs single-stack
// (it enables a family only when the node has an IP of it, cmd/kube-proxy/app/server.go) on a
// dual-stack cluster. In iptables mode the families are separate files: a missing
// ip6tables-save.txt is a capture gap (limitations), and an empty one is reported by
// service-not-programmed. Per-Service gaps inside a programmed family are service-not-programmed's.

const FAMILY_NAME: Record<4 | 6, string> = { 4: 'IPv4', 6: 'IPv6' };

export function checkDualStackParity(ctx: NodeLevelContext): Finding[] {
  const index = ctx.index;
  if (!index || (ctx.mode !== 'nftables' && ctx.mode !== 'ipvs')) return [];
  const decoded = new Set(ctx.programmed.map((p) => p.family));
  if (decoded.size === 0) return [];
  const out: Finding[] = [];
  for (const family of [4, 6] as const) {
    if (decoded.has(family)) continue;
    const needing: Service[] = [];
    for (const s of index.services.values()) {
      if (!s.spec || !(s.spec.ports?.length ?? 0) || notProxiedReason(s) !== undefined) continue;
      if (clusterIPByFamily(s, family) !== undefined) needing.push(s);
    }
    if (needing.length === 0) continue;
    out.push(missingFamily(ctx, family, needing));
  }
  return out;
}

function missingFamily(ctx: NodeLevelContext, family: 4 | 6, needing: Service[]): Finding {
  const node = ctx.node;
  const other: 4 | 6 = family === 6 ? 4 : 6;
  const planes = observePlanes(node, ctx.dumps);
  const names = needing.map((s) => `${namespaceOf(s.metadata)}/${s.metadata.name}`);
  const sample = needing[0];
  const ips = sample.spec.clusterIPs ?? [sample.spec.clusterIP ?? ''];
  const evidence: Evidence[] = [];
  let where: string;
  if (ctx.mode === 'nftables') {
    const fam = family === 6 ? 'ip6' : 'ip';
    const file = ctx.dumps.nft[0]?.file ?? `nodes/${node}/nft.json`;
    where = `the nftables ruleset has no \`table ${fam} kube-proxy\``;
    const have = planes.nftables.tables.find((t) => t.family === other);
    if (have) evidence.push({ node, file: have.file, line: have.table.line, raw: have.table.line > 0 ? have.table.raw : `table ${other === 6 ? 'ip6' : 'ip'} kube-proxy` });
    evidence.push({ node, file, line: 0, raw: `(no table ${fam} kube-proxy in this ruleset)` });
  } else {
    const file = ctx.dumps.ipvs?.file ?? `nodes/${node}/ipvsadm.txt`;
    where = `ipvsadm lists no ${FAMILY_NAME[family]} virtual server`;
    const vs = ctx.dumps.ipvs?.dump.services.find((s) => s.family === other);
    if (vs) evidence.push({ node, file, line: vs.line, raw: vs.raw });
    evidence.push({ node, file, line: 0, raw: `(no ${FAMILY_NAME[family]} virtual servers in this listing)` });
  }
  evidence.push(apiEvidence(`Service ${names[0]} ipFamilies ${JSON.stringify(sample.spec.ipFamilies ?? [])} clusterIPs ${JSON.stringify(ips)}`));
  return makeFinding({
    check: 'dual-stack-parity',
    severity: 'high',
    node,
    title: `No ${FAMILY_NAME[family]} Service rules on ${node} although ${plural(needing.length, 'Service')} ${needing.length === 1 ? 'has' : 'have'} ${FAMILY_NAME[family]} ClusterIPs`,
    message:
      `${plural(needing.length, 'Service')} (${listSome(names)}) ${needing.length === 1 ? 'has an' : 'have'} ${FAMILY_NAME[family]} ClusterIP, but on ${node} ${where}: ` +
      `kube-proxy there programs ${FAMILY_NAME[other]} only. Clients on this node (and traffic it routes) that use the ${FAMILY_NAME[family]} address of these ` +
      `Services get no load-balancing and fail. kube-proxy enables a family only when the node has an address of it, so check the node's ` +
      `${FAMILY_NAME[family]} address and kube-proxy's --cluster-cidr / --nodeport-addresses settings for both families.`,
    nextSteps: [
      `kubectl get node ${node} -o jsonpath='{.status.addresses}{"\\n"}{.spec.podCIDRs}'`,
      `on ${node}: ip -${family} -o addr show scope global`,
      ...kubeProxyLogs(node),
      'kubectl -n kube-system get configmap kube-proxy -o yaml | grep -i -e clusterCIDR -e mode',
    ],
    evidence,
  });
}
