import type { NftChain, NftRule, ProgrammedMarker } from '../../model';
import { elementAddress } from './nftFrontends';
import type { NftDecodeState, NftGroup, NftSlot } from './nftDecodeState';
import { linkJump, normAddr, ruleEvidence, slotOf } from './nftDecodeState';
import { decodeServiceChain } from './nftServiceChain';

// Walks the chains of one Service-port group (pkg/proxy/nftables/proxier.go syncProxyRules):
//   external-X  ETP=Cluster: `jump mark-for-masquerade`, `goto service-X`.
//               ETP=Local:   `ip saddr <podCIDR> goto service-X` ("short-circuit pod traffic"),
//                            `fib saddr type local jump mark-for-masquerade`, `fib saddr type local
//                            goto service-X`, then `goto local-X` when there are local endpoints.
//   firewall-X  `ip saddr != { <loadBalancerSourceRanges>[, <LB IPs>] } drop`; the LB IPs are
//               added when a range holds the node IP (allow-from-node), so they are not ranges.
//               firewall-ips sends each LB IP:port here before DNAT.
// Every chain is decoded once; references to absent chains are only remembered, so loops and
// dangling names cannot recurse.

function isDrop(rule: NftRule): boolean {
  const k = rule.verdict?.kind;
  return k === 'drop' || k === 'reject';
}

function otherMarker(st: NftDecodeState, rule: NftRule, inFirewall: boolean): ProgrammedMarker {
  return { kind: rule.verdict?.kind === 'reject' ? 'reject' : 'drop', reason: inFirewall ? 'firewall' : 'other', evidence: ruleEvidence(st, rule) };
}

/** Links every chain the rule sends traffic to (verdict and inline vmap arms). */
function linkRule(st: NftDecodeState, g: NftGroup, rule: NftRule): void {
  const v = rule.verdict;
  if (v !== undefined && (v.kind === 'goto' || v.kind === 'jump')) {
    const slot = slotOf(st, v.target, rule);
    if (slot !== null) linkJump(st, g, slot);
  }
  for (const e of rule.vmap?.entries ?? []) {
    const slot = slotOf(st, e.verdict?.target, rule);
    if (slot !== null) linkJump(st, g, slot);
  }
}

function decodeJumpChain(st: NftDecodeState, g: NftGroup, chain: NftChain): void {
  for (const rule of chain.rules) {
    if (isDrop(rule)) g.markers.push(otherMarker(st, rule, false));
    else linkRule(st, g, rule);
  }
}

/** LB addresses that firewall-ips sends to this chain. */
function firewallAddresses(st: NftDecodeState, chain: string): Set<string> {
  const out = new Set<string>();
  for (const el of st.firewallByChain.get(chain) ?? []) if (el.key[0] !== undefined) out.add(normAddr(el.key[0]));
  return out;
}

function stripHostPrefix(cidr: string): string {
  const slash = cidr.indexOf('/');
  if (slash < 0) return normAddr(cidr);
  const bits = cidr.slice(slash + 1);
  return bits === '32' || bits === '128' ? normAddr(cidr.slice(0, slash)) : cidr;
}

function decodeFirewallChain(st: NftDecodeState, g: NftGroup, chain: NftChain, primary: boolean): void {
  if (!primary) {
    decodeJumpChain(st, g, chain);
    return;
  }
  const lbIPs = firewallAddresses(st, chain.name);
  for (const f of g.frontends) if (f.kind === 'load-balancer' && f.ip !== undefined) lbIPs.add(f.ip);
  const ranges = (g.sourceRanges ??= []);
  for (const rule of chain.rules) {
    if (!isDrop(rule)) {
      linkRule(st, g, rule);
      continue;
    }
    for (const m of rule.matches) {
      if (m.op !== '!=' || !m.left.endsWith(' saddr') || m.set !== undefined) continue;
      for (const cidr of m.values) {
        // The LB IPs in the set are kube-proxy's allow-from-node entries, not Service ranges.
        if (lbIPs.has(stripHostPrefix(cidr)) || ranges.includes(cidr)) continue;
        ranges.push(cidr);
      }
    }
    // One marker per LB address the chain guards, as iptables mode has one DROP per LB IP.
    const elements = st.firewallByChain.get(chain.name) ?? [];
    if (elements.length === 0) g.markers.push(otherMarker(st, rule, true));
    for (const el of elements) {
      const a = elementAddress(el, true);
      const m = otherMarker(st, rule, true);
      if (a !== null) m.frontend = { kind: 'load-balancer', ip: a.ip, port: a.port, protocol: a.protocol };
      g.markers.push(m);
    }
  }
}

function decodeSlot(st: NftDecodeState, g: NftGroup, slot: NftSlot, chain: NftChain): void {
  switch (slot.role) {
    case 'service':
    case 'local': {
      const policy = slot.role === 'service' ? 'cluster' : 'local';
      const have = policy === 'cluster' ? g.clusterPath : g.localPath;
      if (have !== undefined) {
        decodeJumpChain(st, g, chain);
        return;
      }
      const d = decodeServiceChain(st, g, chain, policy);
      if (policy === 'cluster') g.clusterPath = d.path;
      else g.localPath = d.path;
      for (const rule of d.drops) g.markers.push(otherMarker(st, rule, false));
      return;
    }
    case 'external':
      decodeJumpChain(st, g, chain);
      return;
    case 'firewall':
      decodeFirewallChain(st, g, chain, g.roles.firewall === slot);
      return;
    case 'endpoint':
      return;
  }
}

/** Decodes every chain of the group once, following references into the group graph. */
export function walkGroup(st: NftDecodeState, g: NftGroup): void {
  // g.slots grows while walking (adopted chains), so index instead of iterating.
  for (let i = 0; i < g.slots.length; i++) {
    const slot = g.slots[i];
    if (slot.role === 'endpoint' || slot.chain === undefined || slot.walked) continue;
    slot.walked = true;
    decodeSlot(st, g, slot, slot.chain);
  }
}
