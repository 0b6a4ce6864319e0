import type { Evidence, ExpectedServicePort, Finding } from '../../model';
import type { NodeLevelContext } from '../nodeLevel';
import { findingPort, serviceRef, servicePortLabel } from '../keys';
import { listSome, makeFinding } from '../makeFinding';
import { describeService, kubeProxyLogs, restartKubeProxy } from '../nextSteps';
import { ipvsList } from './catalogSteps';
import { dumpLine } from './dumpLine';
import type { VsRef } from './ipvsServices';
import { virtualServers } from './ipvsServices';
import { evidenceForService } from './serviceEvidence';

// Session affinity on IPVS nodes, per virtual server: kube-proxy makes every virtual server of a
// ClientIP Service `persistent <timeoutSeconds>` and the others not persistent
// (pkg/proxy/ipvs/proxier.go: FlagPersistent + Timeout). Reported as affinity-residue (C24), the
// same check the iptables and nftables rules feed, so one cluster state gives one answer in every
// mode; read from the dump because the ClusterIP, NodePort and LB virtual servers can differ.

export function checkIpvsAffinity(ctx: NodeLevelContext): Finding[] {
  const ipvs = ctx.dumps.ipvs;
  if (ctx.mode !== 'ipvs' || !ipvs || !ctx.index) return [];
  const wrong = new Map<ExpectedServicePort, VsRef[]>();
  for (const v of virtualServers(ctx)) {
    const e = v.ref?.e;
    if (!e || v.vs.persistent === e.affinitySeconds) continue;
    const list = wrong.get(e);
    if (list) list.push(v);
    else wrong.set(e, [v]);
  }
  const out: Finding[] = [];
  for (const [e, vss] of wrong) out.push(finding(ctx.node, ipvs.file, e, vss));
  return out;
}

function finding(node: string, file: string, e: ExpectedServicePort, vss: VsRef[]): Finding {
  const portLabel = findingPort(e.id, e);
  const label = servicePortLabel(e.id, portLabel);
  const want = e.affinitySeconds;
  const have = vss[0].vs.persistent;
  const which = listSome(vss.map((v) => `${v.vs.protocol} ${v.label}${v.vs.persistent !== undefined ? ` (persistent ${v.vs.persistent})` : ''}`));
  let title: string;
  let what: string;
  if (want === undefined) {
    title = `${label} on ${node} still has IPVS persistence (${have}s) the Service no longer asks for`;
    what = `Service ${serviceRef(e.id)} has sessionAffinity None, but IPVS virtual servers ${which} on ${node} are persistent: each client sticks to one Pod.`;
  } else if (have === undefined) {
    title = `${label} on ${node} has no IPVS persistence although the Service asks for ClientIP`;
    what = `Service ${serviceRef(e.id)} has sessionAffinity ClientIP (${want}s), but IPVS virtual servers ${which} on ${node} are not persistent, so clients are not kept on one Pod.`;
  } else {
    title = `${label} on ${node} keeps IPVS persistence for ${have}s, the Service says ${want}s`;
    what = `Service ${serviceRef(e.id)} sets sessionAffinityConfig.clientIP.timeoutSeconds=${want}, but IPVS virtual servers ${which} on ${node} use another timeout.`;
  }
  const evidence: Evidence[] = [evidenceForService(e.service, want === undefined ? 'sessionAffinity None' : `sessionAffinity ClientIP, timeoutSeconds ${want}`)];
  for (const v of vss.slice(0, 10)) evidence.push(dumpLine(node, file, v.vs));
  const a = vss[0].vs.address!;
  return makeFinding({
    check: 'affinity-residue',
    severity: 'medium',
    node,
    service: serviceRef(e.id),
    port: portLabel,
    protocol: e.id.protocol,
    title,
    message: `${what} kube-proxy updates virtual servers on every sync, so a lasting difference means kube-proxy on ${node} is not applying Service updates.`,
    nextSteps: [describeService(e.id.namespace, e.id.name), ipvsList(node, { protocol: vss[0].protocol, ip: a.ip, port: a.port }), ...kubeProxyLogs(node), restartKubeProxy(node)],
    evidence,
  });
}
