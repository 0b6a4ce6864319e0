import type { Malformed } from './evidence';

// Typed model of `conntrack -L` / `conntrack -E` text output (libnetfilter_conntrack
// snprintf_default.c, as printed by conntrack-tools 1.4.x). kube-proxy lists and deletes UDP
// entries whose original destination is a Service and whose reply source is not a serving
// endpoint (pkg/proxy/conntrack/cleanup.go).

export type ConntrackEventType = 'NEW' | 'UPDATE' | 'DESTROY';

/** One direction: `src= dst= sport= dport=` (or `type= code= id=` for ICMP) `[packets= bytes=]`. */
export interface ConntrackTuple {
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
  /** ICMP / ICMPv6 `type= code= id=`. */
  icmpType?: number;
  icmpCode?: number;
  icmpId?: number;
  /** GRE `srckey=0x.. dstkey=0x..`, as printed. */
  srcKey?: string;
  dstKey?: string;
  /** `zone-orig=` / `zone-reply=` (directional zones). */
  zone?: number;
  /** nf_conntrack_acct counters. */
  packets?: number;
  bytes?: number;
}

/**
 * One flow, as the checks read it. Only what they need is kept eagerly, flat on the entry (one
 * fixed shape, no nested objects): a busy node lists 100k+ flows and every allocated object and
 * string costs parse time and GC. The rest of the line (ICMP type/code/id, GRE keys, per-direction
 * zones and counters, ktimestamps, secctx, helper, labels, the `-o id` conntrack id, every
 * `key=value` token in order) is re-read from `raw` on demand by `conntrackDetail(entry)` /
 * `conntrackFields(entry)` (core/common/parse/conntrack.ts).
 */
export interface ConntrackEntry {
  /** 1-based line number in the dump. */
  line: number;
  /** The whole line exactly as read. */
  raw: string;
  /** `-E` event type (`[NEW]`, `[UPDATE]`, `[DESTROY]`). */
  event?: ConntrackEventType;
  /** Layer 4 name as printed (`tcp`, `udp`, `icmp`, `icmpv6`, `sctp`, `unknown`, ...) and number. */
  protocol: string;
  protoNum: number;
  /** Seconds left; absent in DESTROY events. */
  timeout?: number;
  /** TCP / SCTP / DCCP state word (`ESTABLISHED`, `TIME_WAIT`, ...). UDP and ICMP have none. */
  state?: string;
  /** Original direction. For a DNATed Service flow, `origDst:origDport` is the Service IP:port. */
  origSrc: string;
  origDst: string;
  origSport?: number;
  origDport?: number;
  /**
   * Reply direction; `replySrc` is undefined when the line has no reply tuple. For a DNATed flow,
   * `replySrc:replySport` is the endpoint actually chosen.
   */
  replySrc?: string;
  replyDst?: string;
  replySport?: number;
  replyDport?: number;
  unreplied: boolean;
  assured: boolean;
  mark?: number;
  zone?: number;
}

/** Everything one entry line holds, re-read from its `raw` by `conntrackDetail(entry)`. */
export interface ConntrackDetail extends ConntrackEntry {
  /** `-E -o timestamp` prefix `[1700000000.123456]`, without brackets. */
  eventTime?: string;
  /** `-o extended` layer 3 (`ipv4 2`, `ipv6 10`). */
  l3?: string;
  l3Num?: number;
  original: ConntrackTuple;
  reply?: ConntrackTuple;
  /** `[OFFLOAD]` / `[HW_OFFLOAD]` (flowtable offload; printed instead of `[ASSURED]`). */
  offload: boolean;
  hwOffload: boolean;
  secmark?: number;
  secctx?: string;
  /** `delta-time=` seconds since creation (nf_conntrack_timestamp). */
  deltaTime?: number;
  /** `-o ktimestamp` `[start=...]` / `[stop=...]`, as printed. */
  start?: string;
  stop?: string;
  helper?: string;
  use?: number;
  /** `-o id` conntrack id (not the ICMP id, which is in the tuple). */
  id?: number;
  labels?: string[];
  /**
   * Every `key=value` token in order, flattened as `[key0, value0, key1, value1, ...]`: keys
   * repeat (`src`/`dst` once per direction), so a Map would lose them.
   */
  fields: string[];
  /** Bracketed flags in order, without brackets (`UNREPLIED`, `ASSURED`, ...). */
  flags: string[];
}

/** conntrack-tools' stderr line, e.g. `conntrack v1.4.7 (conntrack-tools): 4 flow entries have been shown.` */
export interface ConntrackSummary {
  line: number;
  raw: string;
  version: string;
  /** Flow count of `N flow entries have been <action>.`; null for other messages (errors). */
  count: number | null;
  /** shown, deleted, created, updated, ...; null for other messages. */
  action: string | null;
  /** The text after `(conntrack-tools): `. */
  message: string;
}

export interface ConntrackDump {
  entries: ConntrackEntry[];
  summaries: ConntrackSummary[];
  /** True when `-o extended` lines (l3 prefix) were seen. */
  extended: boolean;
  /** True when `-E` event lines were seen. */
  events: boolean;
  /** Why (part of) this dump cannot be used, e.g. `-o xml` output; undefined when it can. */
  problem?: string;
  /** Lines not parsed because they belong to an unsupported format (`-o xml`). */
  unsupportedLines: number;
  /** Shell prompts, command echo, `#` comments and blank lines. */
  skipped: number;
  lineCount: number;
  malformed: Malformed[];
}
