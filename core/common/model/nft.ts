import type { Malformed } from './evidence';

// Typed model of an nftables ruleset as kube-proxy's nftables mode leaves it: `nft list ruleset`
// / `nft -a list table ip kube-proxy` output, `nft -j list ruleset` JSON, or kube-proxy's own
// `nft -f` transaction (kubernetes pkg/proxy/nftables/proxier.go, written through knftables).
// All three inputs produce the same model. Every rule and element keeps its raw text and line
// number so checks can quote it; for JSON input `line` is the index of the object in the
// `nftables` array + 1 and `raw` is the object's JSON. Lists inside rules and elements are
// readonly: the parsers share one frozen empty array between them (a 10k-Service dump has ~100k
// rules, most with no set references).

export type NftFamily = 'ip' | 'ip6' | 'inet' | 'arp' | 'bridge' | 'netdev';

export type NftVerdictKind = 'accept' | 'drop' | 'return' | 'continue' | 'jump' | 'goto' | 'reject' | 'queue';

/** Read-only: the parsers share one object between all rules with the same plain verdict or `jump` target. */
export interface NftVerdict {
  readonly kind: NftVerdictKind;
  /** Chain name for `jump` / `goto`. */
  readonly target?: string;
}

export interface NftCounters {
  packets: number;
  bytes: number;
}

/**
 * A set or map element: `172.30.0.46 . tcp . 80 comment "ns6/svc6:p80" : goto reject-chain`.
 * Also used for the entries of inline maps in rules (`vmap { 0 : goto endpoint-... }`).
 */
export interface NftElement {
  /** Concatenation parts as printed: ['172.30.0.46', 'tcp', '80']; prefixes as `10.0.0.0/8`, ranges as `a-b`. */
  key: readonly string[];
  /** Value of a verdict map (`goto service-...`, `drop`). */
  verdict?: NftVerdict;
  /** Value of a data map, as printed (`10.0.0.1 . 80`). */
  value?: string;
  /** Element comment (kube-proxy puts `ns/name:port` here for no-endpoint Services). */
  comment?: string;
  /** `timeout` / `expires` in seconds (dynamic sets such as kube-proxy's affinity sets). */
  timeout?: number;
  expires?: number;
  counters?: NftCounters;
  /** 1-based line where the element starts (JSON: index of the set/map object + 1). */
  line: number;
  /** The element's own text as read (JSON: the element's JSON). */
  raw: string;
}

/** A relational match: `ip daddr 172.30.0.41`, `ip saddr != 10.0.0.0/8`, `ip daddr @cluster-ips`. */
export interface NftMatch {
  /**
   * Left-hand expression in one spelling for text and JSON input: `ip daddr`, `tcp dport`,
   * `ct state`; `meta` shorthands expanded, word operators as symbols and hex operands as decimal
   * (`mark and 0x4000` and `meta mark & 0x00004000` both give `meta mark & 16384`).
   */
  left: string;
  /** `in` (JSON) and the implicit operator are both `==`. */
  op: '==' | '!=' | '<' | '>' | '<=' | '>=';
  /** Right-hand side, whitespace-normalised: `10.0.0.0/8`, `@cluster-ips`, `{ 1.2.3.4, 5.6.7.8 }`. */
  right: string;
  /** Set name (without `@`) when the right side is a named set. */
  set?: string;
  /** Literal values, unquoted (a lone hex number as decimal): one value, or every member of an anonymous set; empty for a named set. */
  values: readonly string[];
}

/** `KEY vmap @map` or `KEY vmap { k : verdict, ... }`. */
export interface NftVmap {
  /** Key expression, e.g. `ip daddr . meta l4proto . th dport` or `numgen random mod 2`. */
  key: string;
  /** Named map (without `@`). */
  map?: string;
  /** Inline map entries. */
  entries?: readonly NftElement[];
}

/** One arm of a `numgen random mod N` map: index -> verdict (vmap) or value (`dnat ... map`). */
export interface NftNumgenEntry {
  index: number;
  verdict?: NftVerdict;
  value?: string;
}

/** kube-proxy's endpoint selection: `numgen random mod N vmap { 0 : goto endpoint-A, ... }`. */
export interface NftNumgen {
  mode: string;
  mod: number;
  offset: number;
  entries: readonly NftNumgenEntry[];
}

/** `dnat to 10.180.0.1:80`, `dnat to [fd00:10:180::1]:80`, `snat ip to 1.2.3.4`. */
export interface NftNat {
  /** Target as printed after `to`, e.g. `10.180.0.1:80` or `[fd00::1]:80`. */
  to: string;
  /** Address without brackets; undefined for `to :80` or a target nft cannot express as addr:port. */
  addr?: string;
  port?: number;
  /** `dnat ip to ...` in inet tables. */
  family?: 'ip' | 'ip6';
}

/** `update @affinity-X { ip saddr }` (also `add @set { ... }` / `delete @set { ... }`). */
export interface NftSetUpdate {
  op: 'update' | 'add' | 'delete';
  /** Set name without `@`. */
  set: string;
  /** Key expression, e.g. `ip saddr`. */
  key: string;
}

export interface NftRule {
  chain: string;
  /** 1-based line of the rule's first line (JSON: index of the rule object + 1). */
  line: number;
  /** The rule's line(s) exactly as read (JSON: the rule object's JSON). */
  raw: string;
  /** Normalised statement text: single spaces, `, ` list separators, no `# handle N`, no `add rule F T C` prefix. */
  text: string;
  handle?: number;
  comment?: string;
  matches: readonly NftMatch[];
  /** The rule's terminal verdict statement, if any (not the verdicts inside a vmap). */
  verdict?: NftVerdict;
  vmap?: NftVmap;
  numgen?: NftNumgen;
  dnat?: NftNat;
  snat?: NftNat;
  masquerade?: boolean;
  setUpdates: readonly NftSetUpdate[];
  /** Every named set or map the rule mentions (`@name` without `@`), in order. */
  setRefs: readonly string[];
  counters?: NftCounters;
}

export interface NftChain {
  name: string;
  /** Line of the chain declaration; 0 when the chain was only seen through rules. */
  line: number;
  raw: string;
  handle?: number;
  /** Base chains: `type filter hook prerouting priority dstnat - 10; policy accept;`. */
  type?: string;
  hook?: string;
  device?: string;
  /** Numeric priority; symbolic names normalised (filter 0, dstnat -100, srcnat 100, mangle -150, raw -300, security 50). */
  priority?: number;
  /** Priority as written (`dstnat - 10`, `-110`). */
  priorityText?: string;
  policy?: string;
  comment?: string;
  rules: NftRule[];
}

export interface NftSet {
  name: string;
  kind: 'set' | 'map';
  /** Line of the declaration; 0 when only seen through `add element`. */
  line: number;
  raw: string;
  handle?: number;
  /** Key and data types, e.g. `ipv4_addr . inet_proto . inet_service : verdict`; `typeof` expressions as written. */
  type: string;
  /** True when declared with `typeof` instead of `type`. */
  typeof?: boolean;
  flags: string[];
  /** Default element timeout in seconds (`timeout 10800s` = `timeout 3h` = 10800). */
  timeout?: number;
  size?: number;
  comment?: string;
  elements: NftElement[];
}

export interface NftTable {
  family: NftFamily;
  name: string;
  /** Line of the table header; 0 when only seen through chains, rules or sets. */
  line: number;
  raw: string;
  handle?: number;
  comment?: string;
  flags: string[];
  /** `# Warning: table ip nat is managed by iptables-nft, do not touch!` printed before it. */
  warning?: { line: number; raw: string };
  /** Chains, sets and maps in first-seen order. */
  chains: Map<string, NftChain>;
  sets: Map<string, NftSet>;
  maps: Map<string, NftSet>;
}

/**
 * Which syntax the input used: `list` (nested blocks), `transaction` (`add ...` commands), `mixed`
 * (both), `json` (`nft -j`), `empty` (nothing recognised).
 */
export type NftSyntax = 'list' | 'transaction' | 'mixed' | 'json' | 'empty';

export interface NftRuleset {
  syntax: NftSyntax;
  /** Tables in first-seen order. */
  tables: NftTable[];
  ruleCount: number;
  elementCount: number;
  /** Lines read (JSON: objects in the `nftables` array). */
  lineCount: number;
  /** nft version from JSON `metainfo`. */
  nftVersion?: string;
  malformed: Malformed[];
}
