import type { Malformed } from './evidence';

// Typed model of `ipset list` and `ipset save` / `ipset restore` input. kube-proxy's IPVS mode
// keeps its match sets here (pkg/proxy/ipvs/ipset.go: KUBE-CLUSTER-IP, KUBE-LOOP-BACK,
// KUBE-NODE-PORT-TCP, ...; IPv6 variants are prefixed KUBE-6- and cut to 31 characters).

/** ipset's IPSET_MAXNAMELEN is 32 including the NUL, so names are at most 31 characters. */
export const IPSET_MAX_NAME_LENGTH = 31;

/** One member line (`ipset list`) or `add SET MEMBER ...` command (`ipset save`). */
export interface IpsetMember {
  /** 1-based line number in the dump. */
  line: number;
  /** The whole line exactly as read. */
  raw: string;
  /** The element as printed, e.g. `10.96.0.10,udp:53` or `30080`. */
  element: string;
  /** First IP/net dimension, without prefix length (hash:ip*, hash:net*). */
  address?: string;
  /** Prefix length of the first dimension when given (`10.0.0.0/8`). */
  prefix?: number;
  /** Protocol of a port dimension (`udp` in `10.96.0.10,udp:53`); undefined for a bare port. */
  protocol?: string;
  /** Port of a port dimension or a bitmap:port member; start of a `30000-30002` range. */
  port?: number;
  /** End of a port range (restore input); equal to `port` for a single port. */
  portEnd?: number;
  /** Port dimension as printed when it is not a number (`icmp:echo-request`). */
  portName?: string;
  /** Third dimension of hash:ip,port,ip / hash:ip,port,net, without prefix. */
  address2?: string;
  prefix2?: number;
  /** `timeout N` (seconds left; 0 = permanent in a set with a timeout). */
  timeout?: number;
  /** `packets N bytes M` with the `counters` extension. */
  packets?: number;
  bytes?: number;
  /** `comment "..."`, unquoted. */
  comment?: string;
  /** `nomatch` (hash:net* exception entries). */
  nomatch: boolean;
  /** Other trailing options verbatim (`skbmark 0x1`, ...). */
  extra: string[];
}

/** The `Header:` line or the options after `create NAME TYPE`. */
export interface IpsetHeader {
  family?: 'inet' | 'inet6';
  hashsize?: number;
  maxelem?: number;
  /** Default timeout of the set (`timeout 0` = members may carry timeouts). */
  timeout?: number;
  /** bitmap:* `range 0-65535` as printed. */
  range?: string;
  bucketsize?: number;
  initval?: string;
  netmask?: number;
  counters: boolean;
  comment: boolean;
  /** All header tokens verbatim, in order. */
  tokens: string[];
}

export interface IpsetSet {
  name: string;
  /** `hash:ip,port`, `bitmap:port`, ...; undefined when members were added to a set never declared. */
  type?: string;
  /** Line of `Name:` / `create`; 0 when the set was only seen in `add` lines. */
  line: number;
  raw: string;
  source: 'list' | 'save';
  revision?: number;
  header: IpsetHeader;
  sizeInMemory?: number;
  references?: number;
  /** `Number of entries:` as printed (old ipset omits it). A capture cut short has fewer `members`. */
  entryCount?: number;
  members: IpsetMember[];
  /**
   * Name has the maximum length (31 characters): kube-proxy may have cut a longer name
   * (`KUBE-6-LOAD-BALANCER-SOURCE-CIDR` is listed as `KUBE-6-LOAD-BALANCER-SOURCE-CID`).
   */
  possiblyTruncatedName: boolean;
}

/** A restore-script command other than create/add (not executed, only recorded). */
export interface IpsetCommand {
  line: number;
  raw: string;
  op: 'swap' | 'flush' | 'destroy' | 'rename' | 'del' | 'test';
  args: string[];
}

export interface IpsetDump {
  /** Sets by name, in order of first appearance. */
  sets: Map<string, IpsetSet>;
  /** swap/flush/destroy/... commands of restore input, in order; their effect is not simulated. */
  commands: IpsetCommand[];
  /** Why this dump cannot be used as is (e.g. `ipset list -o xml`); undefined when it can. */
  problem?: string;
  /** Shell prompts, command echo, comments and blank lines. */
  skipped: number;
  lineCount: number;
  malformed: Malformed[];
}
