import type { ClusterState, FrontendKind } from '../../../core/common/model';
import { cidrContains, ipToInt, parseCidr } from './ids';
import type { IpvsFault, IpvsProtocolName } from './ipvsFaults';
import { checkFaultTargets, faultsFor, isInputFault } from './ipvsFaults';
import { renderIpvsIptables, setReferences } from './ipvsIptables';
import type { IpAddrModel, IpsetModel, IpvsRealServerModel, IpvsVirtualServerModel, KubeIpsetType } from './ipvsPrint';
import { formatIpAddr, formatIpsetList, formatIpvsadm } from './ipvsPrint';
import { applyInputFaults } from './iptablesFaults';
import type { ProxyEndpoint, ProxyServicePort } from './proxyEndpoints';
import { endpointSets } from './proxyEndpoints';

// What one node looks like when kube-proxy runs in IPVS mode, as the capture tools print it:
// `ipvsadm -Ln --exact`, `ipset list`, `ip -o addr show` and the iptables-restore input of the
// IPVS proxier's iptables rules. Follows kubernetes pkg/proxy/ipvs/proxier.go (v1.34)
// syncProxyRules / syncEndpoint / writeIptablesRules, read to learn, nothing copied:
//   - a virtual server per ClusterIP:port, external IP:port, LB IP:port and node IP:NodePort,
//     scheduler rr, `persistent T` for ClientIP affinity, every real server weight 1 (Masq);
//   - a ClusterIP VS gets the local endpoints with internalTrafficPolicy Local, the others with
//     externalTrafficPolicy Local, and the cluster endpoints when there is no local one
//     (kubernetes/kubernetes#97081);
//   - ClusterIPs, external IPs (not a node address) and LB IPs bound to the dummy kube-ipvs0.
// Endpoint choice is the test writer's OWN (proxyEndpoints.ts), never the engine's, so tests
// comparing the two are not circular. IPv4 only, like the iptables writer.

export interface KubeProxyIpvsOptions {
  /** Node addresses NodePort virtual servers are created on (all local addresses but kube-ipvs0's; loopback only on old releases). */
  nodeIPs: string[];
  faults?: readonly IpvsFault[];
  /** kube-proxy --cluster-cidr (local-traffic detector of the KUBE-CLUSTER-IP masquerade rule); '' = none. */
  clusterCIDR?: string;
  /** --ipvs-scheduler (default rr). */
  scheduler?: string;
  masqueradeAll?: boolean;
  /** Built-in and kubelet chains in the iptables text (default true). */
  system?: boolean;
}

export interface KubeProxyIpvsOutput {
  ipvsadm: string;
  ipset: string;
  ipAddr: string;
  iptables: string;
}

export interface KubeProxyIpvsModel {
  virtualServers: IpvsVirtualServerModel[];
  sets: IpsetModel[];
  addresses: IpAddrModel[];
  iptables: string;
}

// pkg/proxy/ipvs/proxier.go ipsetInfo order.
const SETS: readonly [string, KubeIpsetType][] = [
  ['KUBE-LOOP-BACK', 'hash:ip,port,ip'],
  ['KUBE-CLUSTER-IP', 'hash:ip,port'],
  ['KUBE-EXTERNAL-IP', 'hash:ip,port'],
  ['KUBE-EXTERNAL-IP-LOCAL', 'hash:ip,port'],
  ['KUBE-LOAD-BALANCER', 'hash:ip,port'],
  ['KUBE-LOAD-BALANCER-FW', 'hash:ip,port'],
  ['KUBE-LOAD-BALANCER-LOCAL', 'hash:ip,port'],
  ['KUBE-LOAD-BALANCER-SOURCE-IP', 'hash:ip,port,ip'],
  ['KUBE-LOAD-BALANCER-SOURCE-CIDR', 'hash:ip,port,net'],
  ['KUBE-NODE-PORT-TCP', 'bitmap:port'],
  ['KUBE-NODE-PORT-LOCAL-TCP', 'bitmap:port'],
  ['KUBE-NODE-PORT-UDP', 'bitmap:port'],
  ['KUBE-NODE-PORT-LOCAL-UDP', 'bitmap:port'],
  ['KUBE-NODE-PORT-SCTP-HASH', 'hash:ip,port'],
  ['KUBE-NODE-PORT-LOCAL-SCTP-HASH', 'hash:ip,port'],
  ['KUBE-HEALTH-CHECK-NODE-PORT', 'bitmap:port'],
  ['KUBE-IPVS-IPS', 'hash:ip'],
];

interface Writer {
  nodeName: string;
  nodeIPs: string[];
  opts: KubeProxyIpvsOptions;
  faults: readonly IpvsFault[];
  virtualServers: IpvsVirtualServerModel[];
  members: Map<string, Set<string>>;
  /** Addresses kube-proxy binds to kube-ipvs0 (KUBE-IPVS-IPS). */
  bind: Set<string>;
  lbNoNodeAccess: { ip: string; proto: string; port: number }[];
}

function addMember(w: Writer, set: string, member: string): void {
  let s = w.members.get(set);
  if (!s) w.members.set(set, (s = new Set()));
  s.add(member);
}

/** Real servers of one VS: syncEndpoint's choice, then the weight faults. */
function realServers(w: Writer, sp: ProxyServicePort, endpoints: ProxyEndpoint[]): IpvsRealServerModel[] {
  const zero = new Set(faultsFor(w.faults, 'weight-zero', sp).map((f) => f.ip));
  const out: IpvsRealServerModel[] = endpoints.map((e) => ({ ip: e.ip, port: e.port, weight: zero.has(e.ip) ? 0 : 1, activeConn: 0, inActConn: 0 }));
  for (const f of faultsFor(w.faults, 'draining-endpoint', sp)) {
    const port = f.targetPort ?? endpoints[0]?.port ?? sp.endpoints[0]?.port ?? sp.port;
    if (out.some((rs) => rs.ip === f.ip && rs.port === port)) continue;
    out.push({ ip: f.ip, port, weight: 0, activeConn: f.activeConn ?? 3, inActConn: f.inActConn ?? 12 });
  }
  return out;
}

function addVirtualServer(w: Writer, sp: ProxyServicePort, kind: FrontendKind, ip: string, port: number, endpoints: ProxyEndpoint[], bind: boolean): void {
  if (faultsFor(w.faults, 'drop-virtual-server', sp).some((f) => f.frontend === kind && (f.ip === undefined || f.ip === ip))) return;
  const scheduler = w.opts.scheduler ?? 'rr';
  const vs: IpvsVirtualServerModel = {
    protocol: sp.proto.toUpperCase() as IpvsProtocolName,
    ip,
    port,
    scheduler,
    realServers: realServers(w, sp, endpoints),
  };
  // kube-proxy sets the source-hash flag for mh, which ipvsadm names mh-port.
  if (scheduler === 'mh') vs.schedulerFlags = ['mh-port'];
  if (sp.affinitySeconds !== undefined) vs.persistent = sp.affinitySeconds;
  w.virtualServers.push(vs);
  if (bind) w.bind.add(ip);
}

function writeServicePort(w: Writer, sp: ProxyServicePort): void {
  const sets = endpointSets(sp, w.nodeName);
  // syncEndpoint: Local policy takes the local endpoints, or the cluster ones when there is none.
  const pick = (onlyLocal: boolean) => (onlyLocal && sets.local.length > 0 ? sets.local : sets.cluster);
  const proto = sp.proto;
  const ipPort = (ip: string, port: number) => `${ip},${proto}:${port}`;
  for (const e of sp.endpoints) if (e.nodeName === w.nodeName) addMember(w, 'KUBE-LOOP-BACK', `${ipPort(e.ip, e.port)},${e.ip}`);

  if (faultsFor(w.faults, 'vip-not-in-ipset', sp).length === 0) addMember(w, 'KUBE-CLUSTER-IP', ipPort(sp.clusterIP, sp.port));
  addVirtualServer(w, sp, 'cluster-ip', sp.clusterIP, sp.port, pick(sp.internalLocal), true);

  for (const ip of sp.externalIPs) {
    addMember(w, sp.externalLocal ? 'KUBE-EXTERNAL-IP-LOCAL' : 'KUBE-EXTERNAL-IP', ipPort(ip, sp.port));
    // An external IP that is a node address is not bound to kube-ipvs0 (shouldBind).
    addVirtualServer(w, sp, 'external-ip', ip, sp.port, pick(sp.externalLocal), !w.nodeIPs.includes(ip));
  }
  for (const ip of sp.loadBalancerIPs) {
    addMember(w, 'KUBE-LOAD-BALANCER', ipPort(ip, sp.port));
    if (sp.externalLocal) addMember(w, 'KUBE-LOAD-BALANCER-LOCAL', ipPort(ip, sp.port));
    if (sp.sourceRanges.length > 0) {
      addMember(w, 'KUBE-LOAD-BALANCER-FW', ipPort(ip, sp.port));
      let allowFromNode = false;
      for (const cidr of sp.sourceRanges) {
        addMember(w, 'KUBE-LOAD-BALANCER-SOURCE-CIDR', `${ipPort(ip, sp.port)},${cidr}`);
        if (w.nodeIPs[0] && cidrContains(parseCidr(cidr.includes('/') ? cidr : `${cidr}/32`), w.nodeIPs[0])) allowFromNode = true;
      }
      if (allowFromNode) addMember(w, 'KUBE-LOAD-BALANCER-SOURCE-IP', `${ipPort(ip, sp.port)},${ip}`);
      else w.lbNoNodeAccess.push({ ip, proto, port: sp.port });
    }
    addVirtualServer(w, sp, 'load-balancer', ip, sp.port, pick(sp.externalLocal), !w.nodeIPs.includes(ip));
  }
  if (sp.nodePort && w.nodeIPs.length > 0) {
    const local = sp.externalLocal ? '-LOCAL' : '';
    if (proto === 'sctp') {
      for (const ip of w.nodeIPs) {
        addMember(w, 'KUBE-NODE-PORT-SCTP-HASH', ipPort(ip, sp.nodePort));
        if (local) addMember(w, 'KUBE-NODE-PORT-LOCAL-SCTP-HASH', ipPort(ip, sp.nodePort));
      }
    } else {
      addMember(w, `KUBE-NODE-PORT-${proto.toUpperCase()}`, String(sp.nodePort));
      if (local) addMember(w, `KUBE-NODE-PORT-LOCAL-${proto.toUpperCase()}`, String(sp.nodePort));
    }
    for (const ip of w.nodeIPs) addVirtualServer(w, sp, 'node-port', ip, sp.nodePort, pick(sp.externalLocal), false);
  }
  if (sp.healthCheckNodePort) addMember(w, 'KUBE-HEALTH-CHECK-NODE-PORT', String(sp.healthCheckNodePort));
}

function sortMembers(type: KubeIpsetType, members: Iterable<string>): string[] {
  const list = [...members];
  if (type === 'bitmap:port') return list.sort((a, b) => Number(a) - Number(b));
  const key = (m: string) => {
    const [ip, pp = ''] = m.split(',');
    const [proto = '', port = '0'] = pp.split(':');
    return [ipToInt(ip), proto, Number(port), m] as const;
  };
  return list.sort((a, b) => {
    const x = key(a);
    const y = key(b);
    return x[0] - y[0] || (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0) || x[2] - y[2] || (x[3] < y[3] ? -1 : x[3] > y[3] ? 1 : 0);
  });
}

function addresses(nodeIPs: readonly string[], bound: Iterable<string>): IpAddrModel[] {
  const out: IpAddrModel[] = [
    { index: 1, ifname: 'lo', family: 'inet', address: '127.0.0.1', prefix: 8, scope: 'host' },
    { index: 1, ifname: 'lo', family: 'inet6', address: '::1', prefix: 128, scope: 'host' },
  ];
  nodeIPs
    .filter((ip) => !ip.startsWith('127.'))
    .forEach((ip, i) => {
      if (i === 0) out.push({ index: 2, ifname: 'eth0', family: 'inet', address: ip, prefix: 16, brd: ip.split('.').slice(0, 2).concat('255', '255').join('.'), scope: 'global' });
      else out.push({ index: 2, ifname: 'eth0', family: 'inet', address: ip, prefix: 32, scope: 'global' });
    });
  const vips = [...bound].sort((a, b) => ipToInt(a) - ipToInt(b));
  for (const ip of vips) out.push({ index: 3, ifname: 'kube-ipvs0', family: 'inet', address: ip, prefix: 32, scope: 'global' });
  return out;
}

/** The node's IPVS state as data (virtual servers, ipsets, addresses) plus the iptables text. */
export function kubeProxyIpvsModel(state: ClusterState, nodeName: string, opts: KubeProxyIpvsOptions): KubeProxyIpvsModel {
  const faults = opts.faults ?? [];
  const ports = applyInputFaults(state, faults.filter(isInputFault));
  checkFaultTargets(faults, ports);
  const w: Writer = { nodeName, nodeIPs: opts.nodeIPs, opts, faults, virtualServers: [], members: new Map(), bind: new Set(), lbNoNodeAccess: [] };
  for (const sp of ports) writeServicePort(w, sp);
  for (const f of faults) {
    if (f.kind !== 'orphan-virtual-server') continue;
    const realServers = (f.realServers ?? []).map((hp) => {
      const [ip, port] = hp.split(':');
      return { ip, port: Number(port), weight: 1, activeConn: 0, inActConn: 0 };
    });
    w.virtualServers.push({ protocol: f.protocol ?? 'TCP', ip: f.ip, port: f.port, scheduler: opts.scheduler ?? 'rr', realServers });
  }
  // KUBE-IPVS-IPS holds what kube-proxy wants bound; kube-ipvs0 holds what is bound.
  for (const ip of w.bind) addMember(w, 'KUBE-IPVS-IPS', ip);
  const bound = new Set(w.bind);
  for (const f of faults) {
    if (f.kind === 'orphan-virtual-server' && f.bind !== false) bound.add(f.ip);
    if (f.kind === 'vip-not-bound') {
      const sp = ports.find((p) => `${p.namespace}/${p.name}` === f.service);
      bound.delete(f.ip ?? sp?.clusterIP ?? '');
    }
  }
  const sets: IpsetModel[] = SETS.map(([name, type]) => ({ name, type, members: sortMembers(type, w.members.get(name) ?? []) }));
  const iptables = renderIpvsIptables({
    nonEmpty: new Set(sets.filter((s) => s.members.length > 0).map((s) => s.name)),
    clusterCIDR: opts.clusterCIDR ?? '',
    masqueradeAll: opts.masqueradeAll,
    lbNoNodeAccess: w.lbNoNodeAccess,
    system: opts.system,
  });
  return { virtualServers: w.virtualServers, sets, addresses: addresses(opts.nodeIPs, bound), iptables };
}

export function renderKubeProxyIpvs(state: ClusterState, nodeName: string, opts: KubeProxyIpvsOptions): KubeProxyIpvsOutput {
  const m = kubeProxyIpvsModel(state, nodeName, opts);
  return {
    ipvsadm: formatIpvsadm(m.virtualServers),
    ipset: formatIpsetList(m.sets, setReferences(m.iptables)),
    ipAddr: formatIpAddr(m.addresses),
    iptables: m.iptables,
  };
}

/** `ipset restore` input for the same sets (to load them into a real kernel in tests). */
export function ipsetRestoreInput(sets: readonly IpsetModel[]): string {
  const lines: string[] = [];
  for (const s of sets) {
    lines.push(`create ${s.name} ${s.type} ${s.type === 'bitmap:port' ? 'range 0-65535' : 'family inet hashsize 1024 maxelem 65536'}`);
    for (const m of s.members) lines.push(`add ${s.name} ${m}`);
  }
  return `${lines.join('\n')}\n`;
}
