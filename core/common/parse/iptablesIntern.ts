// Names that repeat in every dump (match modules, option names, built-in and kube-proxy targets),
// returned as the string constants below instead of fresh slices of the dump. Same text, so the
// parsed model is unchanged; but a constant is one shared, internalized string, so the parser
// allocates nothing for it and `m.module === 'comment'`-style comparisons downstream are pointer
// comparisons instead of character loops in V8's runtime. Modules and options: iptables-extensions(8)
// and what kubernetes pkg/proxy/iptables/proxier.go writes.

const NAMES = [
  // modules
  'comment', 'tcp', 'udp', 'sctp', 'statistic', 'mark', 'conntrack', 'addrtype', 'recent', 'multiport', 'set',
  'physdev', 'state', 'limit', 'owner', 'connmark', 'icmp', 'icmp6', 'ipv6-icmp', 'mac', 'iprange', 'socket',
  'rpfilter', 'pkttype', 'nfacct', 'devgroup', 'hashlimit', 'length', 'policy', 'ttl', 'hl',
  // options
  '--comment', '--dport', '--sport', '--dports', '--sports', '--mode', '--probability', '--every', '--packet',
  '--to-destination', '--to-source', '--to-ports', '--to', '--mark', '--set-xmark', '--set-mark', '--ctstate',
  '--state', '--match-set', '--name', '--rcheck', '--update', '--seconds', '--hitcount', '--reap', '--rsource',
  '--rdest', '--set', '--mask', '--dst-type', '--src-type', '--limit-iface-in', '--limit-iface-out',
  '--physdev-is-in', '--physdev-is-out', '--physdev-in', '--physdev-out', '--physdev-is-bridged', '--reject-with',
  '--random-fully', '--random', '--persistent', '--nfacct-name', '--log-prefix', '--log-level', '--tcp-flags',
  '--syn', '--uid-owner', '--gid-owner', '--icmp-type', '--icmpv6-type', '--limit', '--limit-burst',
  '--or-mark', '--and-mark', '--xor-mark', '--set-class', '--pkt-type',
  // targets
  'ACCEPT', 'DROP', 'RETURN', 'REJECT', 'DNAT', 'SNAT', 'MASQUERADE', 'MARK', 'LOG', 'CONNMARK', 'NOTRACK', 'CT',
  'KUBE-MARK-MASQ', 'KUBE-MARK-DROP', 'KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-FIREWALL',
  'KUBE-FORWARD', 'KUBE-EXTERNAL-SERVICES', 'KUBE-PROXY-FIREWALL', 'KUBE-PROXY-CANARY', 'KUBE-KUBELET-CANARY',
];

/** NAMES grouped by length, then by first character, for a lookup with a few comparisons. */
const byLength: string[][] = [];
for (const name of NAMES) (byLength[name.length] ??= []).push(name);

/** text[s, e) as a shared constant when it is one of the names above, else a slice. */
export function internWord(text: string, s: number, e: number): string {
  const candidates = byLength[e - s];
  if (candidates !== undefined) {
    const c0 = text.charCodeAt(s);
    const last = text.charCodeAt(e - 1);
    for (let k = 0; k < candidates.length; k++) {
      const name = candidates[k];
      // Options all start with `--`: their last characters tell them apart sooner.
      if (name.charCodeAt(name.length - 1) !== last || name.charCodeAt(0) !== c0) continue;
      let i = e - s - 2;
      while (i > 0 && name.charCodeAt(i) === text.charCodeAt(s + i)) i--;
      if (i <= 0) return name;
    }
  }
  return text.slice(s, e);
}
