import type { Evidence, ExpectedEndpoint, Finding, IpvsRealServer } from '../../model';
import type { NodeLevelContext } from '../nodeLevel';
import { endpointAt, endpointIndex } from '../endpointIndex';
import { findingPort, formatEndpoint, serviceRef, servicePortLabel } from '../keys';
import { apiEvidence, listSome, makeFinding } from '../makeFinding';
import { getSlices, kubeProxyLogs, restartKubeProxy } from '../nextSteps';
import { describeConditions } from '../podFacts';
import { ipvsList, onNode } from './catalogSteps';
import { dumpLine } from './dumpLine';
import type { VsRef } from './ipvsServices';
import { virtualServers } from './ipvsServices';

// ipvs-weight-zero (C21). kube-proxy gives real servers weight 1 and sets weight 0 only to drain
// an endpoint that left the Service (pkg/proxy/ipvs/graceful_termination.go); the real server is
// deleted once ActiveConn+InActConn is 0 (checked every minute) and UDP/SCTP ones at once.
// critical: weight 0 on an endpoint that is Ready in the slices. IPVS sends it no new
// connections, and kube-proxy restarted during a drain can leave it so (k/k#92019, #108319).
// medium: weight 0 with no connections left (or UDP/SCTP): a drain that should have ended.

interface Group {
  vsRef: VsRef;
  rs: IpvsRealServer;
  ep: ExpectedEndpoint | undefined;
  critical: boolean;
  vsLabels: string[];
  evidence: Evidence[];
}

export function checkIpvsWeightZero(ctx: NodeLevelContext): Finding[] {
  const ipvs = ctx.dumps.ipvs;
  if (ctx.mode !== 'ipvs' || !ipvs) return [];
  const groups = new Map<string, Group>();
  for (const v of virtualServers(ctx)) {
    const e = v.ref?.e;
    for (const rs of v.vs.realServers) {
      if (rs.weight !== 0) continue;
      const ep = e ? endpointAt(endpointIndex(e), rs.address.ip, rs.address.port) : undefined;
      const critical = ep?.ready === true;
      const conns = rs.activeConn !== undefined && rs.inActConn !== undefined ? rs.activeConn + rs.inActConn : undefined;
      const datagram = v.protocol === 'udp' || v.protocol === 'sctp';
      if (!critical && conns !== 0 && !datagram) continue; // draining, as designed
      const key = `${e ? serviceRef(e.id) + e.id.portName + e.id.protocol : v.label}|${rs.address.ip}|${rs.address.port}|${critical}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { vsRef: v, rs, ep, critical, vsLabels: [], evidence: [] }));
      g.vsLabels.push(`${v.vs.protocol} ${v.label}`);
      g.evidence.push(dumpLine(ctx.node, ipvs.file, v.vs), dumpLine(ctx.node, ipvs.file, rs));
    }
  }
  const out: Finding[] = [];
  for (const g of groups.values()) out.push(finding(ctx.node, g));
  return out;
}

function finding(node: string, g: Group): Finding {
  const e = g.vsRef.ref?.e;
  const rsText = formatEndpoint(g.rs.address.ip, g.rs.address.port);
  const portLabel = e ? findingPort(e.id, e) : null;
  const label = e ? servicePortLabel(e.id, portLabel) : `virtual server ${g.vsLabels[0]}`;
  const flag = g.vsRef.protocol === 'udp' ? '-u' : g.vsRef.protocol === 'sctp' ? '--sctp-service' : '-t';
  const vsAddr = g.vsRef.label;
  const steps = [ipvsList(node, { protocol: g.vsRef.protocol, ip: g.vsRef.vs.address!.ip, port: g.vsRef.vs.address!.port })];
  if (e) steps.push(getSlices(e.id.namespace, e.id.name));
  let title: string;
  let message: string;
  if (g.critical) {
    title = `${label} on ${node}: IPVS real server ${rsText} has weight 0 although the endpoint is Ready`;
    message =
      `IPVS on ${node} keeps real server ${rsText} of ${listSome(g.vsLabels)} at weight 0, so it gets no new connections, but EndpointSlice ${g.ep!.slice} ` +
      `says it is Ready (${describeConditions(g.ep!)}${g.ep!.pod ? `, pod ${g.ep!.pod}` : ''}). kube-proxy only sets weight 0 to drain an endpoint that left the Service; ` +
      'a kube-proxy restart during such a drain can leave it at 0 (k/k#92019, #108319). The Pod is healthy but idle here, and if every real server is at 0 ' +
      'the Service fails on this node ("no destination available").';
    steps.push(onNode(node, `ipvsadm -e ${flag} ${vsAddr} -r ${rsText} -m -w 1   # restore the weight by hand`), restartKubeProxy(node));
  } else {
    const datagram = g.vsRef.protocol !== 'tcp';
    title = `${label} on ${node}: IPVS real server ${rsText} left at weight 0${datagram ? '' : ' with no connections'}`;
    message =
      `IPVS on ${node} still has real server ${rsText} of ${listSome(g.vsLabels)} at weight 0 ` +
      `(${datagram ? `${g.vsRef.protocol.toUpperCase()} real servers are deleted at once, not drained` : 'ActiveConn and InActConn are 0, so the drain is over'})` +
      `${g.ep ? `; the EndpointSlices list it as ${describeConditions(g.ep)}` : e ? '; no EndpointSlice lists it any more' : ''}. ` +
      'kube-proxy should have deleted it (it checks drained real servers every minute). It takes no new connections, but ClientIP persistence templates ' +
      'can still send clients to it (k/k#71809), and leftovers like this point at a kube-proxy that is not cleaning up.';
    steps.push(...kubeProxyLogs(node));
  }
  return makeFinding({
    check: 'ipvs-weight-zero',
    severity: g.critical ? 'critical' : 'medium',
    node,
    service: e ? serviceRef(e.id) : null,
    port: portLabel,
    protocol: e ? e.id.protocol : null,
    endpoint: rsText,
    pod: g.ep?.pod ?? null,
    title,
    message,
    nextSteps: steps,
    evidence: [...(g.ep ? [apiEvidence(`EndpointSlice ${e!.id.namespace}/${g.ep.slice}: ${rsText} ${describeConditions(g.ep)}`)] : []), ...g.evidence],
  });
}
