import type { Finding } from '../../model';
import type { NodeLevelContext } from '../nodeLevel';
import { iptablesHairpin } from './hairpinIptables';
import { ipvsHairpin } from './hairpinIpvs';
import { nftHairpin } from './hairpinNft';

// masquerade-hairpin (C26): the SNAT pieces kube-proxy writes so that hairpin traffic (a Pod
// reaching itself through its Service) and marked external traffic get their replies back. Each
// mode writes them differently, so the check reads the node's raw dump of the running mode.
// Works without cluster.json (IPVS: the per-endpoint part needs it to know which endpoints are local).

export function checkMasqueradeHairpin(ctx: NodeLevelContext): Finding[] {
  const out: Finding[] = [];
  if (ctx.mode === 'ipvs') return ipvsHairpin(ctx);
  for (const p of ctx.programmed) {
    if (p.mode === 'iptables' && ctx.mode !== 'nftables') {
      const dump = ctx.dumps.iptables.find((d) => d.file === p.facts.file);
      if (dump) out.push(...iptablesHairpin(ctx.node, p, dump));
    } else if (p.mode === 'nftables') {
      out.push(...nftHairpin(ctx.node, p, ctx.dumps.nft));
    }
  }
  return out;
}
