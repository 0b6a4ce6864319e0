import type { NftFamily, NftNat, NftVerdictKind } from '../model/nft';

// Small value helpers shared by the nft text and JSON parsers: families, priorities, time
// strings, NAT targets, verdict words. Grammar notes: /work/shared/reference/dump-formats.md §2.

const FAMILIES: ReadonlySet<string> = new Set(['ip', 'ip6', 'inet', 'arp', 'bridge', 'netdev']);

export function isNftFamily(s: string | undefined): s is NftFamily {
  return s !== undefined && FAMILIES.has(s);
}

/** Verdicts that take no argument. `reject`/`queue` may take options, which callers skip. */
const PLAIN_VERDICTS: ReadonlySet<string> = new Set(['accept', 'drop', 'return', 'continue', 'reject', 'queue']);

export function isPlainVerdict(s: string): s is Exclude<NftVerdictKind, 'jump' | 'goto'> {
  return PLAIN_VERDICTS.has(s);
}

// Symbolic chain priorities as nft prints them (nftables doc "PRIORITY"); the bridge family
// uses its own table. Values are the NF_IP_PRI_* / NF_BR_PRI_* constants.
const PRIORITY: Readonly<Record<string, number>> = { raw: -300, mangle: -150, dstnat: -100, filter: 0, security: 50, srcnat: 100 };
const BRIDGE_PRIORITY: Readonly<Record<string, number>> = { dstnat: -300, filter: -200, out: 100, srcnat: 300 };
const PRIORITY_EXPR = /^\s*([a-z]+|[+-]?\d+)\s*(?:([+-])\s*(\d+))?\s*$/;

/** `dstnat - 10` -> -110, `srcnat` -> 100, `-110` -> -110; undefined if not understood. */
export function nftPriority(text: string, family?: NftFamily): number | undefined {
  const m = PRIORITY_EXPR.exec(text);
  if (!m) return undefined;
  const table = family === 'bridge' ? BRIDGE_PRIORITY : PRIORITY;
  let base: number;
  if (/^[+-]?\d+$/.test(m[1])) base = Number(m[1]);
  else if (Object.hasOwn(table, m[1])) base = table[m[1]];
  else return undefined;
  if (m[2] === undefined) return base;
  const delta = Number(m[3]);
  return m[2] === '-' ? base - delta : base + delta;
}

const TIME_PART = /(\d+(?:\.\d+)?)(ms|d|h|m|s)/y;
const TIME_UNIT: Readonly<Record<string, number>> = { d: 86400, h: 3600, m: 60, s: 1, ms: 0.001 };

/** nft time strings in seconds: `10800s`, `3h`, `2h59m57s384ms`, `1d`; a bare number is seconds. */
export function nftTime(text: string): number | undefined {
  if (text === '') return undefined;
  if (/^\d+$/.test(text)) return Number(text);
  TIME_PART.lastIndex = 0;
  let total = 0;
  let pos = 0;
  while (pos < text.length) {
    TIME_PART.lastIndex = pos;
    const m = TIME_PART.exec(text);
    if (!m) return undefined;
    total += Number(m[1]) * TIME_UNIT[m[2]];
    pos = TIME_PART.lastIndex;
  }
  // Round away float noise from the ms part (2h59m57s384ms).
  return Math.round(total * 1000) / 1000;
}

/** Splits a NAT target as printed: `10.0.0.1:80`, `[fd00::1]:80`, `10.0.0.1`, `fd00::1`, `:80`. */
export function nftNatTarget(to: string, family?: 'ip' | 'ip6'): NftNat {
  const nat: NftNat = { to };
  if (family) nat.family = family;
  let addr = to;
  let port: string | undefined;
  if (to.startsWith('[')) {
    const close = to.indexOf(']');
    if (close > 0) {
      addr = to.slice(1, close);
      if (to.charCodeAt(close + 1) === 58) port = to.slice(close + 2);
    }
  } else {
    const first = to.indexOf(':');
    // More than one colon and no brackets: a bare IPv6 address.
    if (first >= 0 && to.indexOf(':', first + 1) < 0) {
      addr = to.slice(0, first);
      port = to.slice(first + 1);
    }
  }
  if (addr !== '') nat.addr = addr;
  if (port !== undefined && /^\d+$/.test(port)) nat.port = Number(port);
  return nat;
}

/** Formats addr/port the way nft prints a NAT target (IPv6 in brackets when a port follows). */
export function formatNatTarget(addr: string | undefined, port: number | undefined): string {
  if (port === undefined) return addr ?? '';
  if (addr === undefined) return `:${port}`;
  return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
}

/** `"text"` -> `text` (nft strings have no escapes except `\"`). Other tokens are returned as is. */
export function unquote(tok: string): string {
  if (tok.length >= 2 && tok.charCodeAt(0) === 34 && tok.charCodeAt(tok.length - 1) === 34) {
    const inner = tok.slice(1, -1);
    return inner.includes('\\"') ? inner.replaceAll('\\"', '"') : inner;
  }
  return tok;
}
