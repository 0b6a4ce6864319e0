import type { NftMatch, NftNumgen } from '../model/nft';
import { joinNftTokens, wordPair } from './nftTokenize';
import type { NftTokens } from './nftTokenize';

// Expression grammar of nft rules, as far as Proxyscope needs it: selectors (`ip daddr`,
// `meta l4proto`, `ct state`, `fib saddr type`, `numgen random mod N`), concatenations with
// `.`, binary operators (`meta mark & 0x4000`), and one spelling of each left-hand side for text
// and JSON input. Used by nftRule.ts.

/** Payload protocols: `ip daddr`, `tcp dport`, `th dport`, ... (selector = protocol + field). */
const PAYLOAD: ReadonlySet<string> = new Set([
  'ip', 'ip6', 'tcp', 'udp', 'udplite', 'sctp', 'dccp', 'th', 'ether', 'vlan', 'arp', 'icmp', 'icmpv6', 'igmp', 'ah', 'esp', 'comp', 'gre',
]);
/** `meta` keys that nft also accepts without `meta` (kube-proxy writes `mark and 0x4000 == 0`). */
const META_SHORT: ReadonlySet<string> = new Set(['mark', 'iif', 'iifname', 'oif', 'oifname', 'l4proto', 'nfproto', 'pkttype', 'skuid', 'skgid', 'iiftype', 'oiftype']);
const FIB_FLAGS: ReadonlySet<string> = new Set(['saddr', 'daddr', 'mark', 'iif', 'oif']);
export const BINOPS: ReadonlySet<string> = new Set(['&', '|', '^', 'and', 'or', 'xor', '<<', '>>', 'lshift', 'rshift']);
/** Word operators as nft prints them (`mark and 0x4000` is listed as `meta mark & 0x00004000`). */
const BINOP_SYMBOL: Readonly<Record<string, string>> = { and: '&', or: '|', xor: '^', lshift: '<<', rshift: '>>' };
const HEX = /^0x[0-9a-f]+$/i;
export const RELOPS: Readonly<Record<string, NftMatch['op']>> = {
  '==': '==', eq: '==', '!=': '!=', ne: '!=', '<': '<', lt: '<', '>': '>', gt: '>', '<=': '<=', le: '<=', '>=': '>=', ge: '>=',
};
/** Words that start a statement; a relational right-hand side never is one. */
export const STATEMENT_WORDS: ReadonlySet<string> = new Set([
  'accept', 'drop', 'return', 'continue', 'jump', 'goto', 'reject', 'queue', 'counter', 'comment', 'log', 'limit', 'dnat', 'snat',
  'masquerade', 'redirect', 'notrack', 'update', 'vmap', 'map', 'set',
]);

/**
 * End index of the selector starting at i (`ip daddr`, `meta l4proto`, `ct state`,
 * `fib saddr type`, `numgen random mod 2`, `mark`), or -1 if tok[i] does not start one.
 */
export function selectorEnd(tok: readonly string[], i: number, to: number): number {
  const w = tok[i];
  if (PAYLOAD.has(w)) return i + 1 < to && !STATEMENT_WORDS.has(tok[i + 1]) && tok[i + 1] !== '{' ? i + 2 : -1;
  if (w === 'meta') return i + 1 < to ? i + 2 : -1;
  if (META_SHORT.has(w)) return i + 1;
  if (w === 'ct') {
    if (i + 1 >= to) return -1;
    const dir = tok[i + 1] === 'original' || tok[i + 1] === 'reply';
    return Math.min(to, i + (dir ? 3 : 2));
  }
  if (w === 'fib') {
    let j = i + 1;
    if (j >= to || !FIB_FLAGS.has(tok[j])) return -1;
    j++;
    while (j + 1 < to && tok[j] === '.' && FIB_FLAGS.has(tok[j + 1])) j += 2;
    return j < to ? j + 1 : -1;
  }
  if (w === 'numgen') {
    let j = i + 2;
    if (j > to) return -1;
    if (at(tok, j, to) === 'mod' && j + 1 < to) j += 2;
    if (at(tok, j, to) === 'offset' && j + 1 < to) j += 2;
    return j;
  }
  return -1;
}

/** End of an expression: selectors joined by `.`, each optionally followed by binary operators. */
export function expressionEnd(tok: readonly string[], i: number, to: number): number {
  let j = selectorEnd(tok, i, to);
  if (j < 0) return -1;
  for (;;) {
    while (j + 1 < to && BINOPS.has(tok[j])) j += 2;
    if (j + 1 < to && tok[j] === '.') {
      const k = selectorEnd(tok, j + 1, to);
      if (k < 0) break;
      j = k;
    } else break;
  }
  return j;
}

/** tok[k] if k is inside the statement, else undefined (token arrays may hold more than one statement). */
export function at(tok: readonly string[], k: number, to: number): string | undefined {
  return k < to ? tok[k] : undefined;
}

export function parseNumgen(tok: readonly string[], from: number, to: number): NftNumgen {
  const ng: NftNumgen = { mode: at(tok, from + 1, to) ?? '', mod: 0, offset: 0, entries: [] };
  for (let i = from + 2; i + 1 < to; i += 2) {
    if (tok[i] === 'mod') ng.mod = Number(tok[i + 1]);
    else if (tok[i] === 'offset') ng.offset = Number(tok[i + 1]);
  }
  return ng;
}

/** Hex literals as decimal, so `0x00004000`, `0x4000` and JSON's 16384 compare equal. */
export function literal(w: string): string {
  return HEX.test(w) && w.length <= 15 ? String(parseInt(w, 16)) : w;
}

/**
 * Left-hand side in one spelling for all three inputs: `meta` shorthands expanded, word operators
 * as symbols, hex operands as decimal (`mark and 0x4000` -> `meta mark & 16384`, as JSON has it).
 */
export function leftText(t: NftTokens, start: number, end: number): string {
  const tok = t.tok;
  if (end - start === 2 && !META_SHORT.has(tok[start])) return wordPair(t.cache, tok[start], tok[start + 1]);
  if (tok[start] === 'fib') return joinNftTokens(tok, start, end);
  let s = '';
  for (let k = start; k < end; k++) {
    let w = tok[k];
    if ((k === start || tok[k - 1] === '.') && META_SHORT.has(w)) w = `meta ${w}`;
    else if (k > start && BINOPS.has(tok[k - 1])) w = literal(w);
    else if (Object.hasOwn(BINOP_SYMBOL, w)) w = BINOP_SYMBOL[w];
    s = k === start ? w : `${s} ${w}`;
  }
  return s;
}
