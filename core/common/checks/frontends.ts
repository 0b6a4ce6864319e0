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
  return kind === 'node-port' || stripHostMask(ip ?? '') === f.ip;
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
  for (const sp of sps) {
    for (const x of sp.frontends) if (x.kind === kind && x.port === port && (kind === 'node-port' || stripHostMask(x.ip ?? '') === ip)) return true;
    for (const m of sp.markers) {
      const f = m.frontend;
      if (f && f.kind === kind && f.port === port && (kind === 'node-port' || stripHostMask(f.ip ?? '') === ip)) return true;
    }
  }
  return false;
}
