import type { IptChain, IptRule, ProgrammedMarker } from '../../model';
import { stripPrefixLength } from '../../parse/iptablesRule';
import { parseComment } from './commentNames';
import type { ChainSlot, DecodeState, Group } from './decodeState';
import { linkJump, ruleEvidence, slotOf } from './decodeState';
import { decodeServiceChain } from './serviceChain';
import { SLOT_WALKED } from './slotFlags';

// Walks the chains of one Service-port group (pkg/proxy/iptables/proxier.go):
//   KUBE-EXT: ETP=Cluster: "masquerade traffic for …" -> KUBE-MARK-MASQ, then -> KUBE-SVC.
//             ETP=Local: "pod traffic …" -s podCIDR -> KUBE-SVC, "masquerade/route LOCAL traffic …"
//             --src-type LOCAL -> KUBE-MARK-MASQ / KUBE-SVC, then -> KUBE-SVL.
//   KUBE-FW:  -s <range> -> KUBE-EXT per loadBalancerSourceRanges entry (plus -s <LB IP> when a
//             range holds the node IP), then a rule without target: the packet falls through to
//             the DROP in filter KUBE-PROXY-FIREWALL. Before 1.24: -> KUBE-MARK-DROP at the end.
//   KUBE-XLB (before 1.24): pod/LOCAL traffic -> KUBE-SVC, then the Local endpoints directly, or
//             "… has no local endpoints" -> KUBE-MARK-DROP.
// Every chain is visited once; jumps to absent chains are only remembered, so loops and
// dangling references cannot recurse.

function dropMarker(st: DecodeState, rule: IptRule, inFirewall: boolean): ProgrammedMarker {
  const role = parseComment(rule.comment)?.role;
  const reason: ProgrammedMarker['reason'] =
    role === 'no-local-endpoints' ? 'no-local-endpoints' : role === 'no-endpoints' ? 'no-endpoints' : inFirewall ? 'firewall' : 'other';
  return { kind: rule.target === 'REJECT' ? 'reject' : 'drop', reason, evidence: ruleEvidence(st, rule) };
}

function isDrop(target: string | undefined): boolean {
  return target === 'KUBE-MARK-DROP' || target === 'DROP' || target === 'REJECT';
}

/** KUBE-EXT / KUBE-FW: links jumps; for the firewall chain also reads the allowed source ranges. */
function decodeJumpChain(st: DecodeState, g: Group, chain: IptChain, firewall: boolean): void {
  let lbIPs: Set<string> | undefined;
  if (firewall) {
    lbIPs = new Set();
    for (const f of g.frontends) if (f.kind === 'load-balancer' && f.ip !== undefined) lbIPs.add(f.ip);
    g.sourceRanges ??= [];
  }
  for (const rule of chain.rules) {
    if (isDrop(rule.target)) {
      g.markers.push(dropMarker(st, rule, firewall));
      continue;
    }
    const slot = slotOf(st, rule.target, rule);
    if (slot === null) continue;
    linkJump(st, g, slot);
    if (lbIPs === undefined || slot.role === 'sep' || rule.source === undefined || rule.source.negated) continue;
    const cidr = rule.source.value;
    // `-s <LB IP>` is kube-proxy's allow-from-node rule, not one of the Service's ranges.
    if (lbIPs.has(stripPrefixLength(cidr))) continue;
    if (g.sourceRanges !== undefined && !g.sourceRanges.includes(cidr)) g.sourceRanges.push(cidr);
  }
}

function decodeSlot(st: DecodeState, g: Group, slot: ChainSlot, chain: IptChain): void {
  switch (slot.role) {
    case 'svc':
      if (g.clusterPath === undefined) g.clusterPath = decodeServiceChain(st, g, chain, 'cluster').path;
      else decodeJumpChain(st, g, chain, false);
      return;
    case 'svl':
    case 'xlb': {
      if (g.localPath !== undefined) {
        decodeJumpChain(st, g, chain, false);
        return;
      }
      const d = decodeServiceChain(st, g, chain, 'local');
      g.localPath = d.path;
      for (const rule of d.drops) g.markers.push(dropMarker(st, rule, false));
      return;
    }
    case 'ext':
      decodeJumpChain(st, g, chain, false);
      return;
    case 'fw':
      decodeJumpChain(st, g, chain, g.roles.fw === slot);
      return;
    case 'sep':
      return;
  }
}

/** Decodes every service chain of the group once, following jumps into the group graph. */
export function walkGroup(st: DecodeState, g: Group): void {
  // g.slots grows while walking (adopted chains), so index instead of iterating.
  for (let i = 0; i < g.slots.length; i++) {
    const slot = g.slots[i];
    if (slot.role === 'sep' || slot.chain === undefined || (slot.flags & SLOT_WALKED) !== 0) continue;
    slot.flags |= SLOT_WALKED;
    decodeSlot(st, g, slot, slot.chain);
  }
}
