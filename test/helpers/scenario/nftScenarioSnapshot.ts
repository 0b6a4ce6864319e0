import type { SnapshotData } from '../../../core/common/model';
import type { NftRoundTrip } from '../nftNetns';
import { nftRoundTrip } from '../nftNetns';
import { nodeIpOf } from './clusterBuilder';
import { toClusterJson } from './clusterJson';
import { DEFAULT_CLUSTER_OPTIONS } from './clusterModel';
import type { FaultScenario } from './faultScenarios';
import { renderKubeProxyNftables } from './kubeProxyNftables';

// A fault scenario as Proxyscope would receive it from a cluster running kube-proxy in nftables
// mode: cluster.json from the API state, and per node what the REAL nft lists after kube-proxy's
// transaction (with the injected faults) was loaded into a private network namespace:
// nodes/<n>/nft.txt (`nft list ruleset`) and/or nodes/<n>/nft.json (`nft -j list ruleset`).

export const NFT_TEXT_FILE = 'nft.txt';
export const NFT_JSON_FILE = 'nft.json';

export type NftFiles = 'text' | 'json' | 'both';

export interface NftNodeDump extends NftRoundTrip {
  name: string;
  /** The transaction that was loaded. */
  transaction: string;
}

/** Renders every node's transaction and round-trips it through the real nft (one netns each). */
export function nftScenarioDumps(s: FaultScenario): NftNodeDump[] {
  return s.nodes.map((n) => {
    const nodeIP = nodeIpOf(s.state, n.name);
    const transaction = renderKubeProxyNftables(n.state ?? s.state, n.name, {
      clusterCIDR: s.clusterCIDR,
      nodeIPs: nodeIP ? [nodeIP] : [],
      serviceCIDRs: [DEFAULT_CLUSTER_OPTIONS.serviceCIDR],
      faults: n.faults ?? [],
    });
    return { name: n.name, transaction, ...nftRoundTrip(transaction) };
  });
}

/** The snapshot with the listing(s) `files` asks for. */
export function nftScenarioSnapshot(s: FaultScenario, dumps: readonly NftNodeDump[], files: NftFiles): SnapshotData {
  return {
    source: `scenario:${s.name}:nft-${files}`,
    clusterJson: toClusterJson(s.state),
    nodes: dumps.map((d) => ({
      name: d.name,
      files: {
        ...(files !== 'json' ? { [NFT_TEXT_FILE]: d.text } : {}),
        ...(files !== 'text' ? { [NFT_JSON_FILE]: d.json } : {}),
      },
    })),
  };
}
