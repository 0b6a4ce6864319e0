import type { ClusterIndex, ConntrackDump, IpAddrDump, IpsetDump, IptablesDump, IpvsDump, NftRuleset, ProgrammedNode, ProxyMode } from '../model';
import type { NodeCheckContext } from './context';

// What a node-level check sees: every parsed dump of one node (all modes, both families), the
// programmed models decoded from them, the per-family check contexts, and the API index.
// Catalog checks that are not per family (proxy mode, leftovers, canary, conntrack, IPVS
// structure) take this; per-family ones take NodeCheckContext.

export interface ParsedFile<T> {
  /** Snapshot path, e.g. `nodes/n1/nft.json`. */
  file: string;
  /** File name inside the node folder. */
  name: string;
  dump: T;
}

export interface NodeDumps {
  iptables: ParsedFile<IptablesDump>[];
  /** `nft.json` and/or `nft.txt` (both parse to the same model). */
  nft: ParsedFile<NftRuleset>[];
  ipvs?: ParsedFile<IpvsDump>;
  ipset?: ParsedFile<IpsetDump>;
  ipAddr?: ParsedFile<IpAddrDump>;
  conntrack?: ParsedFile<ConntrackDump>;
  /** kube-proxy's own answer from `:10249/proxyMode` (file `proxy-mode.txt`), when collected. */
  reportedMode?: { file: string; mode: string };
}

export interface NodeLevelContext {
  node: string;
  /** The mode whose rules were decoded for the checks (the one kube-proxy is running). */
  mode: ProxyMode | 'unknown';
  dumps: NodeDumps;
  programmed: ProgrammedNode[];
  /** One per decoded family; `cluster` is null in each when there is no cluster.json. */
  perFamily: NodeCheckContext[];
  index: ClusterIndex | null;
}
