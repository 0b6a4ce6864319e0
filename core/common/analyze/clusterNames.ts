import { buildNftNameTable } from '../kube/nftNameTable';
import type { NftNameTable } from '../kube/nftNameTable';
import type { PreparedCluster } from './prepareCluster';

// nftables name tables per prepared cluster and family, built on first use (an iptables-only
// snapshot never pays for them) and shared by every node analysed with that cluster.

const nft = new WeakMap<PreparedCluster, Partial<Record<4 | 6, NftNameTable>>>();

export function nftNames(cluster: PreparedCluster, family: 4 | 6): NftNameTable {
  let byFamily = nft.get(cluster);
  if (!byFamily) {
    byFamily = {};
    nft.set(cluster, byFamily);
  }
  let t = byFamily[family];
  if (!t) {
    t = buildNftNameTable(cluster.state.services, family);
    byFamily[family] = t;
  }
  return t;
}
