// Shared inputs of the catalog check tests: a NodeLevelContext around a World from ../_builders,
// with dumps parsed by the real parsers from small inline texts.
import type { ClusterIndex, ConntrackDump, IpAddrDump, IpsetDump, IptablesDump, IpvsDump, NftRuleset, ProxyMode } from '../../../../../core/common/model';
import type { NodeDumps, NodeLevelContext, ParsedFile } from '../../../../../core/common/checks/nodeLevel';
import { buildNodeCheckContext } from '../../../../../core/common/checks/context';
import { parseConntrack } from '../../../../../core/common/parse/conntrack';
import { parseIpAddr } from '../../../../../core/common/parse/ipAddr';
import { parseIpset } from '../../../../../core/common/parse/ipset';
import { parseIpvsadm } from '../../../../../core/common/parse/ipvsadm';
import { parseIptablesSave } from '../../../../../core/common/parse/iptablesSave';
import { parseNftDump } from '../../../../../core/common/parse/nftDump';
import { NODE, indexOf } from '../_builders';
import type { World } from '../_builders';

export function file<T>(name: string, dump: T): ParsedFile<T> {
  return { file: `nodes/${NODE}/${name}`, name, dump };
}

export const dumps = {
  conntrack: (text: string): ParsedFile<ConntrackDump> => file('conntrack.txt', parseConntrack(text)),
  ipvs: (text: string): ParsedFile<IpvsDump> => file('ipvsadm.txt', parseIpvsadm(text)),
  ipset: (text: string): ParsedFile<IpsetDump> => file('ipset.txt', parseIpset(text)),
  ipAddr: (text: string): ParsedFile<IpAddrDump> => file('ip-addr.txt', parseIpAddr(text)),
  iptables: (text: string, name = 'iptables-save.txt'): ParsedFile<IptablesDump> => file(name, parseIptablesSave(text)),
  nft: (text: string): ParsedFile<NftRuleset> => file('nft.txt', parseNftDump(text)),
};

export interface LevelOptions {
  mode?: ProxyMode;
  /** false: no cluster.json (index null, per-family contexts without cluster). */
  withCluster?: boolean;
  /** Adjust the index (node addresses, zones) before the contexts are built. */
  index?: (index: ClusterIndex) => void;
}

export function levelOf(w: World, d: Partial<NodeDumps> = {}, opts: LevelOptions = {}): NodeLevelContext {
  const mode = opts.mode ?? 'iptables';
  w.programmed.mode = mode;
  const index = opts.withCluster === false ? null : indexOf(w);
  if (index && opts.index) opts.index(index);
  const perFamily = [buildNodeCheckContext(w.programmed, index ? { index, expected: w.expected } : null)];
  return { node: NODE, mode, dumps: { iptables: [], nft: [], ...d }, programmed: [w.programmed], perFamily, index };
}

/** ipvsadm -Ln header lines. */
export const IPVS_HEADER = [
  'IP Virtual Server version 1.2.1 (size=4096)',
  'Prot LocalAddress:Port Scheduler Flags',
  '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
].join('\n');

/** Slices written by the EndpointSlice controller (the plain builders leave the label out). */
export function markManaged(w: World): World {
  for (const sl of w.slices) sl.metadata.labels = { ...sl.metadata.labels, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' };
  return w;
}
