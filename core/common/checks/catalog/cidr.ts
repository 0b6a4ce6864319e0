// CIDRs as kernels print them: the network address with host bits cleared, IPv6 in RFC 5952 form.
// loadBalancerSourceRanges may be written loosely (`10.1.2.3/8`, ` 10.0.0.0/8`, `FD00::/64`), while
// iptables-save, nft and ipset print the canonical network, so both sides are normalised first.

function ipv4ToInt(addr: string): number | null {
  const parts = addr.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    n = n * 256 + v;
  }
  return n;
}

function ipv6Groups(addr: string): number[] | null {
  let head: string[];
  let tail: string[] = [];
  const dbl = addr.indexOf('::');
  if (dbl >= 0) {
    head = addr.slice(0, dbl) === '' ? [] : addr.slice(0, dbl).split(':');
    tail = addr.slice(dbl + 2) === '' ? [] : addr.slice(dbl + 2).split(':');
  } else {
    head = addr.split(':');
  }
  const parse = (list: string[]): number[] | null => {
    const out: number[] = [];
    for (const g of list) {
      if (g.includes('.')) {
        const v4 = ipv4ToInt(g);
        if (v4 === null) return null;
        out.push(Math.floor(v4 / 65536), v4 % 65536);
      } else {
        if (!/^[0-9a-f]{1,4}$/.test(g)) return null;
        out.push(parseInt(g, 16));
      }
    }
    return out;
  };
  const h = parse(head);
  const t = parse(tail);
  if (!h || !t) return null;
  const fill = 8 - h.length - t.length;
  if (fill < 0 || (dbl < 0 && fill !== 0)) return null;
  return [...h, ...new Array<number>(fill).fill(0), ...t];
}

function formatIpv6(groups: number[]): string {
  // RFC 5952: compress the longest run (>= 2) of zero groups, the first one on a tie.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** `10.1.2.3/8` -> `10.0.0.0/8`, `1.2.3.4` -> `1.2.3.4/32`, `FD00:0::/64` -> `fd00::/64`; unparsable input comes back trimmed. */
export function normalizeCidr(input: string): string {
  const s = input.trim().toLowerCase();
  const slash = s.indexOf('/');
  const addr = slash < 0 ? s : s.slice(0, slash);
  const v6 = addr.includes(':');
  const max = v6 ? 128 : 32;
  const prefix = slash < 0 ? max : Number(s.slice(slash + 1));
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) return s;
  if (!v6) {
    const n = ipv4ToInt(addr);
    if (n === null) return s;
    const size = 2 ** (32 - prefix);
    const net = Math.floor(n / size) * size;
    return `${[24, 16, 8, 0].map((sh) => Math.floor(net / 2 ** sh) % 256).join('.')}/${prefix}`;
  }
  const groups = ipv6Groups(addr);
  if (!groups) return s;
  for (let i = 0; i < 8; i++) {
    const bits = Math.min(16, Math.max(0, prefix - i * 16));
    groups[i] = bits === 16 ? groups[i] : bits === 0 ? 0 : groups[i] & ((0xffff << (16 - bits)) & 0xffff);
  }
  return `${formatIpv6(groups)}/${prefix}`;
}
