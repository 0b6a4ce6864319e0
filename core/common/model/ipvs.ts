import type { Malformed } from './evidence';

// Typed model of `ipvsadm` output: `ipvsadm -Ln` (with `--exact`, `--stats`, `--rate`,
// `--persistent-conn`, `--thresholds`, `--tun-info`), `ipvsadm -Lnc` connection entries and
// `ipvsadm-save -n` / `ipvsadm -S -n` rules. Print formats are those of ipvsadm 1.31
// (ipvsadm.c print_title / print_service_entry / print_conn); kube-proxy's IPVS proxier
// (pkg/proxy/ipvs/proxier.go) creates one virtual service per Service address:port.

/** `%-4s` protocol column of a service line; FWM = firewall-mark service (`-f`). */
export type IpvsProtocol = 'TCP' | 'UDP' | 'SCTP' | 'FWM';

/** Real-server forwarding method. kube-proxy always uses Masq; Local is a real server on this host. */
export type IpvsForward = 'Masq' | 'Route' | 'Tunnel' | 'Local';

/**
 * Which listing a record came from. `list` is the plain `-Ln` layout (also printed by
 * `--persistent-conn`/`--thresholds` for service lines), `save` is `ipvsadm -S` rule syntax.
 */
export type IpvsListingFormat = 'list' | 'stats' | 'rate' | 'persistent-conn' | 'thresholds' | 'tun-info' | 'save' | 'connections';

/** A numeric IP and port, e.g. `[fd00::1]:80` -> { ip: 'fd00::1', port: 80, family: 6 }. */
export interface IpvsHostPort {
  /** Address without IPv6 brackets. */
  ip: string;
  port: number;
  family: 4 | 6;
}

/**
 * `--stats` columns. Without `--exact`, ipvsadm prints values >= 1e8 with a K/M/G/T suffix
 * (value divided and floored): those are read back as value x unit and `approximate` is set.
 */
export interface IpvsStats {
  conns: number;
  inPkts: number;
  outPkts: number;
  inBytes: number;
  outBytes: number;
  approximate: boolean;
}

/** `--rate` columns (per second), same suffix rule as IpvsStats. */
export interface IpvsRate {
  cps: number;
  inPps: number;
  outPps: number;
  inBps: number;
  outBps: number;
  approximate: boolean;
}

export interface IpvsRealServer {
  /** 1-based line number in the dump. */
  line: number;
  /** The whole line exactly as read. */
  raw: string;
  address: IpvsHostPort;
  /** Absent in `--stats`/`--rate`/`--persistent-conn`/`--thresholds` layouts. */
  forward?: IpvsForward;
  /**
   * Absent in `--stats`/`--rate`/`--thresholds`. Weight 0 is kept: kube-proxy sets it on an
   * endpoint in graceful termination (pkg/proxy/ipvs/graceful_termination.go) and deletes the real
   * server once its connections drain, so 0 means terminating, not down.
   */
  weight?: number;
  activeConn?: number;
  inActConn?: number;
  /** `--persistent-conn` PersistConn column. */
  persistConn?: number;
  /** `--thresholds` Uthreshold / Lthreshold columns. */
  upperThreshold?: number;
  lowerThreshold?: number;
  /** `--tun-info` TunnelInfo column (`ipip`, `gue:6080:-c`, `n/a`) or the save-format `--tun-*` options. */
  tunnelInfo?: string;
  stats?: IpvsStats;
  rate?: IpvsRate;
}

export interface IpvsVirtualService {
  line: number;
  raw: string;
  protocol: IpvsProtocol;
  /** Service address; undefined for FWM services. */
  address?: IpvsHostPort;
  /** Firewall mark of an FWM service. */
  fwmark?: number;
  /** 4 or 6: from the address, or from `FWM <mark> IPv6` / `-f <mark> -6`. */
  family: 4 | 6;
  /** Scheduler name (rr, wlc, ...); undefined in the `--stats`/`--rate` layouts, which omit it. */
  scheduler?: string;
  /** Scheduler flags: `(sh-fallback,sh-port)` in listings, `-b flag-1,flag-2` in save format. */
  schedulerFlags: string[];
  /** `persistent N` / `-p N`: kube-proxy's sessionAffinity ClientIP timeout (default 10800). */
  persistent?: number;
  /** `mask M` / `-M M`: persistence netmask (dotted IPv4 or IPv6 prefix length), as printed. */
  mask?: string;
  /** `pe NAME` / `--pe NAME`: persistence engine. */
  pe?: string;
  /** `ops` / `-o`: one-packet scheduling. */
  onePacket: boolean;
  stats?: IpvsStats;
  rate?: IpvsRate;
  /** Which listing layout the service line came from. */
  format: IpvsListingFormat;
  realServers: IpvsRealServer[];
}

/** One `ipvsadm -Lnc` row: `TCP 14:59  ESTABLISHED 1.2.3.4:5 10.96.0.1:443 10.244.0.3:6443`. */
export interface IpvsConnection {
  line: number;
  raw: string;
  /** As printed (TCP, UDP, SCTP, or IP for other protocols). */
  protocol: string;
  /** `mm:ss` as printed, and in seconds. */
  expire: string;
  expireSeconds: number;
  /** ESTABLISHED, FIN_WAIT, NONE, ... kept verbatim (patched FullNAT kernels print hex here). */
  state: string;
  source: IpvsHostPort;
  virtual: IpvsHostPort;
  destination: IpvsHostPort;
  /** `-Lnc --persistent-conn` extra columns. */
  peName?: string;
  peData?: string;
}

export interface IpvsDump {
  /** `IP Virtual Server version 1.2.1 (size=4096)`, printed only by a full listing. */
  version?: { version: string; size: number; line: number };
  /** Virtual services in order of appearance (several listings in one capture are concatenated). */
  services: IpvsVirtualService[];
  connections: IpvsConnection[];
  /** `Timeout (tcp tcpfin udp): 900 120 300` from `ipvsadm -L --timeout`. */
  timeouts?: { tcp: number; tcpFin: number; udp: number; line: number };
  /** Listing layouts seen, in order of first appearance. */
  formats: IpvsListingFormat[];
  /**
   * False when addresses or ports were printed as names (`ipvsadm -L` without `-n`). Such lines
   * are not turned into records (their names may be truncated, nothing can be joined on them);
   * they are listed in `nonNumeric` and `problem` says how to capture usable output.
   */
  numeric: boolean;
  nonNumeric: Malformed[];
  /** Why this dump cannot be used as is; undefined when it can. */
  problem?: string;
  /** Lines skipped as shell prompts, command echo, blank lines, column headers or sync-daemon lines. */
  skipped: number;
  lineCount: number;
  malformed: Malformed[];
}

// ---- `ip -o addr show` (kept here with IPVS: it is read to list the kube-ipvs0 addresses) ----
// In IPVS mode kube-proxy binds every ClusterIP, ExternalIP and LoadBalancer IP to the dummy
// interface kube-ipvs0 (pkg/proxy/ipvs/proxier.go), so its address list is a data-plane fact.
export interface IpAddrEntry {
  /** 1-based line number in the dump. */
  line: number;
  /** The whole line exactly as read. */
  raw: string;
  /** Interface index (`2:`). */
  index: number;
  /** Interface name without a `@peer` suffix. */
  ifname: string;
  family: 'inet' | 'inet6';
  /** Local address without the prefix length. */
  address: string;
  /** Prefix length (`/32`); for `peer` addresses the peer's prefix. */
  prefix: number;
  /** `peer ADDR/N` of point-to-point addresses, as printed. */
  peer?: string;
  broadcast?: string;
  /** `scope global|host|link|...`. */
  scope?: string;
  /** IPv4 label (`eth0:1`); iproute2 prints it last, before the `\`. */
  label?: string;
  /** Bare flag words in order (`secondary`, `dynamic`, `noprefixroute`, `tentative`, `nodad`, ...). */
  flags: string[];
}

/** An `ip -o link` style line (`3: eth0@if7: <BROADCAST,...> mtu 1500 ...`), kept for interface names. */
export interface IpLinkEntry {
  line: number;
  raw: string;
  index: number;
  ifname: string;
}

export interface IpAddrDump {
  /** Addresses in order of appearance. */
  addresses: IpAddrEntry[];
  /** Addresses grouped by interface name (built once). */
  byInterface: Map<string, IpAddrEntry[]>;
  links: IpLinkEntry[];
  /** Shell prompts, command echo and blank lines. */
  skipped: number;
  lineCount: number;
  malformed: Malformed[];
}
