import type { Evidence } from '../../model';

/** One line of a node dump file (conntrack, ipvsadm, ipset, ip addr, nft, iptables) as evidence. */
export function dumpLine(node: string, file: string, rec: { line: number; raw: string }): Evidence {
  return { node, file, line: rec.line, raw: rec.raw };
}
