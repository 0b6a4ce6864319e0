import type { IptRule, L4Protocol } from '../../model';

/** Lower-case L4 protocol of `-p`, when it is one kube-proxy uses. */
export function ruleProtocol(rule: IptRule): L4Protocol | undefined {
  const p = rule.protocol;
  if (p === undefined || p.negated) return undefined;
  const v = p.value;
  if (v === 'tcp' || v === 'udp' || v === 'sctp') return v;
  const lower = v.toLowerCase();
  return lower === 'tcp' || lower === 'udp' || lower === 'sctp' ? lower : undefined;
}
