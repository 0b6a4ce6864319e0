// What a real node has around kube-proxy's restore input: the built-in chains, the jump rules
// kube-proxy installs with `iptables -I` (proxier.go iptablesJumpChains; each is prepended, and
// kubelet had appended its KUBE-FIREWALL jump first, so it ends up last), kubelet's
// KUBE-IPTABLES-HINT / KUBE-KUBELET-CANARY (pkg/kubelet/kubelet_network_linux.go) and
// kube-proxy's KUBE-PROXY-CANARY, which its iptables monitor creates in mangle, nat and filter.
// The order of the jumps matches real iptables-save output of kubeadm / kind nodes.

export interface SystemTables {
  mangle: string[];
  filterChains: string[];
  filterRules: string[];
  natChains: string[];
  natRules: string[];
}

const decl = (name: string, policy = '-') => `:${name} ${policy} [0:0]`;
const CANARIES = [decl('KUBE-KUBELET-CANARY'), decl('KUBE-PROXY-CANARY')];

const NEW = '-m conntrack --ctstate NEW';
const comment = (text: string) => `-m comment --comment "${text}"`;

/** A CNI's own chains next to kube-proxy's (flannel's, as on a kubeadm + flannel node). */
export interface FlannelOptions {
  clusterCIDR: string;
  /** This node's podCIDR. */
  podCIDR: string;
}

function flannel(f: FlannelOptions): Pick<SystemTables, 'filterChains' | 'filterRules' | 'natChains' | 'natRules'> {
  const c = comment('flanneld masq');
  return {
    filterChains: [decl('FLANNEL-FWD')],
    filterRules: [
      `-A FORWARD ${comment('flanneld forward')} -j FLANNEL-FWD`,
      `-A FLANNEL-FWD -s ${f.clusterCIDR} ${comment('flanneld forward')} -j ACCEPT`,
      `-A FLANNEL-FWD -d ${f.clusterCIDR} ${comment('flanneld forward')} -j ACCEPT`,
    ],
    natChains: [decl('FLANNEL-POSTRTG')],
    natRules: [
      `-A POSTROUTING ${c} -j FLANNEL-POSTRTG`,
      `-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 ${c} -j RETURN`,
      `-A FLANNEL-POSTRTG -s ${f.podCIDR} -d ${f.clusterCIDR} ${c} -j RETURN`,
      `-A FLANNEL-POSTRTG -s ${f.clusterCIDR} -d ${f.podCIDR} ${c} -j RETURN`,
      `-A FLANNEL-POSTRTG ! -s ${f.clusterCIDR} -d ${f.podCIDR} ${c} -j RETURN`,
      `-A FLANNEL-POSTRTG -s ${f.clusterCIDR} ! -d 224.0.0.0/4 ${c} -j MASQUERADE --random-fully`,
      `-A FLANNEL-POSTRTG ! -s ${f.clusterCIDR} -d ${f.clusterCIDR} ${c} -j MASQUERADE --random-fully`,
    ],
  };
}

export function systemTables(enabled: boolean, cni?: FlannelOptions): SystemTables {
  if (!enabled) return { mangle: [], filterChains: [], filterRules: [], natChains: [], natRules: [] };
  const base = systemBase();
  if (!cni) return base;
  const f = flannel(cni);
  return {
    mangle: base.mangle,
    filterChains: [...base.filterChains, ...f.filterChains],
    filterRules: [...base.filterRules, ...f.filterRules],
    natChains: [...base.natChains, ...f.natChains],
    natRules: [...base.natRules, ...f.natRules],
  };
}

function systemBase(): SystemTables {
  return {
    mangle: [
      '*mangle',
      ...['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'].map((c) => decl(c, 'ACCEPT')),
      decl('KUBE-IPTABLES-HINT'),
      ...CANARIES,
      'COMMIT',
    ],
    filterChains: [...['INPUT', 'FORWARD', 'OUTPUT'].map((c) => decl(c, 'ACCEPT')), ...CANARIES],
    filterRules: [
      `-A INPUT ${NEW} ${comment('kubernetes load balancer firewall')} -j KUBE-PROXY-FIREWALL`,
      `-A INPUT ${comment('kubernetes health check service ports')} -j KUBE-NODEPORTS`,
      `-A INPUT ${NEW} ${comment('kubernetes externally-visible service portals')} -j KUBE-EXTERNAL-SERVICES`,
      '-A INPUT -j KUBE-FIREWALL',
      `-A FORWARD ${NEW} ${comment('kubernetes load balancer firewall')} -j KUBE-PROXY-FIREWALL`,
      `-A FORWARD ${comment('kubernetes forwarding rules')} -j KUBE-FORWARD`,
      `-A FORWARD ${NEW} ${comment('kubernetes service portals')} -j KUBE-SERVICES`,
      `-A FORWARD ${NEW} ${comment('kubernetes externally-visible service portals')} -j KUBE-EXTERNAL-SERVICES`,
      `-A OUTPUT ${NEW} ${comment('kubernetes load balancer firewall')} -j KUBE-PROXY-FIREWALL`,
      `-A OUTPUT ${NEW} ${comment('kubernetes service portals')} -j KUBE-SERVICES`,
      '-A OUTPUT -j KUBE-FIREWALL',
    ],
    natChains: [...['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'].map((c) => decl(c, 'ACCEPT')), ...CANARIES],
    natRules: [
      `-A PREROUTING ${comment('kubernetes service portals')} -j KUBE-SERVICES`,
      `-A OUTPUT ${comment('kubernetes service portals')} -j KUBE-SERVICES`,
      `-A POSTROUTING ${comment('kubernetes postrouting rules')} -j KUBE-POSTROUTING`,
    ],
  };
}
