import type { ExpectedServicePort, FrontendKind, ProgrammedServicePort } from '../model';

// Service addresses (frontends) kube-proxy writes entry rules for, and whether rules cover them.

/** `10.0.0.1/32` -> `10.0.0.1` (iptables-save prints host masks). */
export function stripHostMask(ip: string): string {
  if (ip.endsWith('/32') || ip.endsWith('/128')) return ip.slice(0, ip.lastIndexOf('/'));
  return ip;
}

export interface ExpectedFrontend {
  kind: FrontendKind;
  ip?: string;
  port: number;
  label: string;
}

/** The addresses kube-proxy gives rules to for one Service port (pkg/proxy/iptables/proxier.go syncProxyRules). */
export function expectedFrontends(e: ExpectedServicePort): ExpectedFrontend[] {
  const port = e.servicePort.port;
  const out: ExpectedFrontend[] = [];
  if (e.clusterIP) out.push({ kind: 'cluster-ip', ip: e.clusterIP, port, label: `ClusterIP ${e.clusterIP}:${port}` });
  for (const ip of e.externalIPs) out.push({ kind: 'external-ip', ip, port, label: `external IP ${ip}:${port}` });
  for (const ip of e.loadBalancerIPs) out.push({ kind: 'load-balancer', ip, port, label: `LoadBalancer IP ${ip}:${port}` });
  if (e.nodePort) out.push({ kind: 'node-port', port: e.nodePort, label: `NodePort ${e.nodePort}` });
  return out;
}

/** Whether the rules catch an address, with an entry rule or a REJECT/DROP marker. */
export function covers(sps: ProgrammedServicePort[], f: ExpectedFrontend): boolean {
  for (const sp of sps) {
    for (const x of sp.frontends) if (sameFrontend(x.kind, x.ip, x.port, f)) return true;
    for (const m of sp.markers) if (m.frontend && sameFrontend(m.frontend.kind, m.frontend.ip, m.frontend.port, f)) return true;
  }
  return false;
}

function sameFrontend(kind: FrontendKind, ip: string | undefined, port: number, f: ExpectedFrontend): boolean {
  if (kind !== f.kind || port !== f.port) return false;
  return kind === 'node-port' || (f.ip !== undefined && hostIs(ip ?? '', f.ip));
}

/** stripHostMask(value) === ip, without slicing (this runs for every frontend of every node). */
export function hostIs(value: string, ip: string): boolean {
  if (value.endsWith('/32')) return value.length === ip.length + 3 && value.startsWith(ip);
  if (value.endsWith('/128')) return value.length === ip.length + 4 && value.startsWith(ip);
  return value === ip;
}

/** Whether the rules cover every address of the Service port (no allocation). */
export function allFrontendsCovered(sps: ProgrammedServicePort[], e: ExpectedServicePort): boolean {
  const port = e.servicePort.port;
  if (e.clusterIP && !coversAddr(sps, 'cluster-ip', e.clusterIP, port)) return false;
  for (const ip of e.externalIPs) if (!coversAddr(sps, 'external-ip', ip, port)) return false;
  for (const ip of e.loadBalancerIPs) if (!coversAddr(sps, 'load-balancer', ip, port)) return false;
  if (e.nodePort && !coversAddr(sps, 'node-port', undefined, e.nodePort)) return false;
  return true;
}

function coversAddr(sps: ProgrammedServicePort[], kind: FrontendKind, ip: string | undefined, port: number): boolean {
  for (let s = 0; s < sps.length; s++) {
    const sp = sps[s];
    const frontends = sp.frontends;
    for (let i = 0; i < frontends.length; i++) {
      const x = frontends[i];
      if (x.kind === kind && x.port === port && (kind === 'node-port' || (ip !== undefined && hostIs(x.ip ?? '', ip)))) return true;
    }
    const markers = sp.markers;
    for (let i = 0; i < markers.length; i++) {
      const f = markers[i].frontend;
      if (f && f.kind === kind && f.port === port && (kind === 'node-port' || (ip !== undefined && hostIs(f.ip ?? '', ip)))) return true;
    }
  }
  return false;
}
