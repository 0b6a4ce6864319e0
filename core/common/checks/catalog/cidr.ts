import { formatIp, parseCidr } from '../../ip/ipMath';

// CIDRs as kernels print them: the network address with host bits cleared, IPv6 in RFC 5952 form.
// loadBalancerSourceRanges may be written loosely (`10.1.2.3/8`, ` 10.0.0.0/8`, `FD00::/64`), while
// iptables-save, nft and ipset print the canonical network, so both sides are normalised first.

/** `10.1.2.3/8` -> `10.0.0.0/8`, `1.2.3.4` -> `1.2.3.4/32`, `FD00:0::/64` -> `fd00::/64`; unparsable input comes back trimmed. */
export function normalizeCidr(input: string): string {
  const s = input.trim().toLowerCase();
  const c = parseCidr(s);
  if (c === null) return s;
  return `${formatIp({ family: c.family, value: c.base })}/${c.bits}`;
}
