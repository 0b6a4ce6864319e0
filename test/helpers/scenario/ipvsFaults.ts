import type { FrontendKind } from '../../../core/common/model';
import type { IptablesFault } from './iptablesFaults';
import { matchesPort } from './iptablesFaults';
import type { ProxyServicePort } from './proxyEndpoints';

// Ways an IPVS node drifts from the API, injected into the kube-proxy IPVS writer. The first five
// are the iptables writer's input faults (iptablesFaults.ts, same meaning: kube-proxy missed an
// update), so the same stories can be told in every mode. The rest are IPVS-only, from issues
// users hit: weight 0 left on a ready endpoint after a restart (kubernetes/kubernetes#92019),
// endpoints drained with weight 0 (graceful termination, #57841 / #99162), a VIP missing from
// kube-ipvs0 or from KUBE-CLUSTER-IP (address removed by hand or by another agent), a virtual
// server or a virtual server nothing in the API owns.

export type IpvsInputFault = Extract<IptablesFault, { kind: 'old-state' | 'extra-endpoint' | 'ignore-readiness' | 'drop-endpoint' | 'drop-service-port' }>;

export type IpvsProtocolName = 'TCP' | 'UDP' | 'SCTP';

export type IpvsFault =
  | IpvsInputFault
  /** One virtual server of the Service port is missing (e.g. its ClusterIP VS); `ip` picks one address of the kind. */
  | { kind: 'drop-virtual-server'; service: string; port?: string; frontend: FrontendKind; ip?: string }
  /** A virtual server no Service owns (hand-made or left by another tool); bound to kube-ipvs0 unless `bind: false`. */
  | { kind: 'orphan-virtual-server'; protocol?: IpvsProtocolName; ip: string; port: number; realServers?: string[]; bind?: boolean }
  /** A ready endpoint's real server has weight 0 on every virtual server (kubernetes/kubernetes#92019). */
  | { kind: 'weight-zero'; service: string; port?: string; ip: string }
  /** A removed endpoint is still a real server with weight 0 while its connections drain (graceful termination). */
  | { kind: 'draining-endpoint'; service: string; port?: string; ip: string; targetPort?: number; activeConn?: number; inActConn?: number }
  /** A Service VIP is missing from kube-ipvs0 (default: the ClusterIP). */
  | { kind: 'vip-not-bound'; service: string; ip?: string }
  /** The ClusterIP:port entry is missing from KUBE-CLUSTER-IP. */
  | { kind: 'vip-not-in-ipset'; service: string; port?: string };

const INPUT_KINDS = new Set<IpvsFault['kind']>(['old-state', 'extra-endpoint', 'ignore-readiness', 'drop-endpoint', 'drop-service-port']);

export function isInputFault(f: IpvsFault): f is IpvsInputFault {
  return INPUT_KINDS.has(f.kind);
}

export function faultMatches(sp: ProxyServicePort, f: { service: string; port?: string }): boolean {
  return `${sp.namespace}/${sp.name}` === f.service && matchesPort(sp, f.port);
}

/** The faults of `kind` that apply to one Service port. */
export function faultsFor<K extends IpvsFault['kind']>(
  faults: readonly IpvsFault[],
  kind: K,
  sp: ProxyServicePort,
): Extract<IpvsFault, { kind: K; service: string }>[] {
  const out: Extract<IpvsFault, { kind: K; service: string }>[] = [];
  for (const f of faults) if (f.kind === kind && 'service' in f && faultMatches(sp, f)) out.push(f as Extract<IpvsFault, { kind: K; service: string }>);
  return out;
}

/** Throws when a Service-scoped IPVS fault names nothing the writer renders (a typo in a test). */
export function checkFaultTargets(faults: readonly IpvsFault[], ports: readonly ProxyServicePort[]): void {
  for (const f of faults) {
    if (isInputFault(f) || !('service' in f)) continue;
    const hits = ports.filter((sp) => faultMatches(sp, { service: f.service, port: 'port' in f ? f.port : undefined }));
    if (hits.length === 0) throw new Error(`${f.kind} fault: no Service port ${f.service}:${'port' in f ? (f.port ?? '*') : '*'}`);
    if (f.kind === 'weight-zero' && !hits.some((sp) => sp.endpoints.some((e) => e.ip === f.ip))) {
      throw new Error(`weight-zero fault: ${f.ip} is not an endpoint of ${f.service}`);
    }
  }
}
