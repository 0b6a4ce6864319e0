import type { ConntrackEntry, Evidence, ExpectedServicePort, Finding } from '../../model';
import type { NodeLevelContext } from '../nodeLevel';
import { findingPort, formatEndpoint, serviceRef, servicePortLabel } from '../keys';
import { apiEvidence, listSome, makeFinding, plural } from '../makeFinding';
import { getSlices, kubeProxyLogs } from '../nextSteps';
import { conntrackDelete, conntrackList } from './catalogSteps';
import { dumpLine } from './dumpLine';
import type { FrontendRef } from './serviceFrontends';
import { serviceFrontends } from './serviceFrontends';

// stale-conntrack (C20): UDP conntrack entries kube-proxy's own cleanup would delete
// (pkg/proxy/conntrack/cleanup.go CleanStaleEntries): the original destination is a Service
// IP:port (ClusterIP, LoadBalancer IP, external IP) or the original destination port is a NodePort,
// and the reply source IP is not the IP of a serving endpoint of that Service port. kube-proxy
// compares IPs only, skips Service ports with no serving endpoint, ignores traffic policy and
// topology, and never touches TCP (TCP is reset by the endpoint instead). A reply source equal to
// the Service IP means the flow was never DNATed (created while the Service had no endpoint):
// the classic "DNS times out after CoreDNS restarts" black hole (k/k#125467, #48370).
// Linear: one Map lookup per entry, one Set of serving IPs per Service port, built on first hit.

const MAX_LINES = 10;

interface Group {
  ref: FrontendRef;
  count: number;
  blackHole: number;
  /** Reply sources of the DNATed (not black-holed) entries, capped for the message. */
  replySources: Set<string>;
  frontends: Set<string>;
  evidence: Evidence[];
}

export function checkStaleConntrack(ctx: NodeLevelContext): Finding[] {
  const ct = ctx.dumps.conntrack;
  if (!ct || !ctx.index) return [];
  const fe = serviceFrontends(ctx.perFamily);
  if (fe.empty) return [];
  const udpAddresses = fe.byAddress.get('udp');
  const udpNodePorts4 = fe.byNodePort.get('udp4');
  const udpNodePorts6 = fe.byNodePort.get('udp6');
  if (!udpAddresses && !udpNodePorts4 && !udpNodePorts6) return [];
  const serving = new Map<ExpectedServicePort, Set<string> | null>();
  const isStale = (e: ExpectedServicePort, replySrc: string): boolean => {
    let set = serving.get(e);
    if (set === undefined) {
      set = null;
      for (const ep of e.allEndpoints) if (ep.serving) (set ??= new Set()).add(ep.ip);
      serving.set(e, set);
    }
    return set !== null && !set.has(replySrc);
  };
  const groups = new Map<ExpectedServicePort, Group>();
  for (const entry of ct.dump.entries) {
    const src = entry.replySrc;
    const dport = entry.origDport;
    if (entry.protoNum !== 17 || src === undefined || dport === undefined || entry.event === 'DESTROY') continue;
    const dst = entry.origDst;
    let hit: FrontendRef | undefined;
    let frontend = '';
    const byAddr = udpAddresses?.get(dst)?.get(dport);
    if (byAddr && isStale(byAddr.e, src)) {
      hit = byAddr;
      frontend = formatEndpoint(dst, dport);
    } else {
      const byPort = (dst.includes(':') ? udpNodePorts6 : udpNodePorts4)?.get(dport);
      if (byPort && isStale(byPort.e, src)) {
        hit = byPort;
        frontend = `NodePort ${dport}`;
      }
    }
    if (!hit) continue;
    let g = groups.get(hit.e);
    if (!g) groups.set(hit.e, (g = { ref: hit, count: 0, blackHole: 0, replySources: new Set(), frontends: new Set(), evidence: [] }));
    record(g, entry, src, frontend, ctx.node, ct.file);
  }
  const out: Finding[] = [];
  for (const g of groups.values()) out.push(finding(ctx.node, g, serving.get(g.ref.e) ?? null));
  return out;
}

function record(g: Group, entry: ConntrackEntry, replySrc: string, frontend: string, node: string, file: string): void {
  g.count++;
  if (replySrc === entry.origDst) g.blackHole++;
  else if (g.replySources.size < 20) g.replySources.add(replySrc);
  g.frontends.add(frontend);
  if (g.evidence.length < MAX_LINES) g.evidence.push(dumpLine(node, file, entry));
}

function isDns(e: ExpectedServicePort): boolean {
  return (e.id.namespace === 'kube-system' && e.id.name === 'kube-dns') || e.servicePort.port === 53;
}

function finding(node: string, g: Group, serving: Set<string> | null): Finding {
  const e = g.ref.e;
  const portLabel = findingPort(e.id, e);
  const label = servicePortLabel(e.id, portLabel);
  const dns = isDns(e);
  const frontends = [...g.frontends];
  const others = [...g.replySources];
  const parts: string[] = [];
  if (g.blackHole > 0) parts.push(`${g.blackHole} were never DNATed (the reply comes from the Service address itself: they were created while the Service had no endpoint), so their packets go nowhere`);
  if (g.count - g.blackHole > 0) parts.push(`${g.count - g.blackHole} still point at ${listSome(others)}, which ${others.length === 1 ? 'is' : 'are'} no serving endpoint of the Service (a deleted or restarted Pod)`);
  const filter = e.clusterIP && frontends.some((f) => !f.startsWith('NodePort')) ? `--orig-dst ${e.clusterIP} --orig-port-dst ${e.servicePort.port}` : `--orig-port-dst ${e.nodePort ?? e.servicePort.port}`;
  return makeFinding({
    check: 'stale-conntrack',
    severity: dns ? 'critical' : 'high',
    node,
    service: serviceRef(e.id),
    port: portLabel,
    protocol: e.id.protocol,
    title: `${label}: ${plural(g.count, 'stale UDP conntrack entry', 'stale UDP conntrack entries')} on ${node}${g.blackHole > 0 ? ' (black hole)' : ''}`,
    message:
      `${node} has ${plural(g.count, 'UDP conntrack entry', 'UDP conntrack entries')} for ${label} (${listSome(frontends)}) that kube-proxy should have deleted: ${parts.join('; ')}. ` +
      'A UDP client that keeps its source port (DNS resolvers do) keeps hitting the dead entry until it expires, so its requests time out' +
      `${dns ? ' — this is the classic "DNS fails after CoreDNS restarts" problem and affects every Pod on the node using cluster DNS' : ''}. ` +
      'kube-proxy removes exactly these entries after each sync; entries that remain mean its conntrack cleanup is not running on this node ' +
      '(conntrack support missing, kube-proxy not syncing), unless the dump was taken within seconds of an endpoint change.',
    nextSteps: [conntrackList(node, filter), conntrackDelete(node, filter), getSlices(e.id.namespace, e.id.name), ...kubeProxyLogs(node)],
    evidence: [
      ...g.evidence,
      apiEvidence(`Service ${serviceRef(e.id)} port ${e.servicePort.port}/UDP: serving endpoints ${serving && serving.size > 0 ? listSome([...serving], 8) : '(none)'}`),
    ],
  });
}
