import type { ChainLabel } from '../contract';
import { hostPort } from '../ip/ipMath';
import { parseIpvsadm } from '../parse/ipvsadm';
import type { RuleSyntax } from './ruleSyntax';

// The jump targets of the rule viewer: where each chain (iptables `:CHAIN` declaration, nft
// `chain NAME {` block or `{"chain": ...}` object, IPVS virtual service) starts, and the Service
// port it belongs to when the node's decoded model says so (see chainServiceLabels.ts).

/** chain name -> `ns/name:port/proto`. */
export type ChainServiceMap = ReadonlyMap<string, string>;

export function chainLabels(lines: readonly string[], syntax: RuleSyntax, services: ChainServiceMap, text?: string): ChainLabel[] {
  switch (syntax) {
    case 'iptables':
      return label(iptablesChains(lines), services);
    case 'nft':
      return label(nftTextChains(lines), services);
    case 'nft-json':
      return label(nftJsonChains(lines), services);
    case 'ipvsadm':
      return label(ipvsVirtualServices(text ?? lines.join('\n')), services);
    default:
      return [];
  }
}

type Declared = { chain: string; line: number }[];

function label(found: Declared, services: ChainServiceMap): ChainLabel[] {
  return found.map((c) => ({ chain: c.chain, line: c.line, service: services.get(c.chain) ?? null }));
}

/** `:KUBE-SVC-XXXX - [0:0]` chain declarations of every table (iptables-save(8) format). */
export function iptablesChains(lines: readonly string[]): Declared {
  const out: Declared = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    // charCodeAt first: a 237k-line dump is mostly `-A` rules, skipped without slicing.
    if (l.charCodeAt(0) !== 58 /* : */) continue;
    const end = l.indexOf(' ');
    const chain = end === -1 ? l.slice(1) : l.slice(1, end);
    if (chain !== '') out.push({ chain, line: i + 1 });
  }
  return out;
}

const NFT_CHAIN = /^\s*chain\s+("[^"]*"|\S+)\s*\{/;

/** `chain NAME {` lines of `nft list ruleset` text. */
export function nftTextChains(lines: readonly string[]): Declared {
  const out: Declared = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (!l.includes('chain')) continue;
    const m = NFT_CHAIN.exec(l);
    if (m) out.push({ chain: m[1].replace(/^"(.*)"$/, '$1'), line: i + 1 });
  }
  return out;
}

/** `{"chain": {...}}` objects of nft.json shown one object per line (ruleLines.ts). */
export function nftJsonChains(lines: readonly string[]): Declared {
  const out: Declared = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (!l.startsWith('{"chain":')) continue;
    try {
      const o = JSON.parse(l) as { chain?: { name?: unknown } };
      if (typeof o.chain?.name === 'string') out.push({ chain: o.chain.name, line: i + 1 });
    } catch {
      // Not one object per line (unparsable nft.json): no labels.
    }
  }
  return out;
}

/**
 * Virtual-service lines of `ipvsadm -Ln`, named like the IPVS decoder names them
 * (`TCP 10.96.0.1:443`, `TCP [fd00::1]:443`; core/common/decode/ipvs/decodeIpvs.ts), the first
 * listing of a repeated service only.
 */
export function ipvsVirtualServices(text: string): Declared {
  const out: Declared = [];
  const seen = new Set<string>();
  for (const vs of parseIpvsadm(text).services) {
    const chain = vs.address ? `${vs.protocol} ${hostPort(vs.address.ip, vs.address.port)}` : `FWM ${vs.fwmark ?? '?'}`;
    if (seen.has(chain)) continue;
    seen.add(chain);
    out.push({ chain, line: vs.line });
  }
  return out;
}
