import type { NodeAnalysis, SnapshotData } from '../model';
import type { PreparedCluster } from './prepareCluster';
import { usableCluster } from './prepareCluster';

// AnalysisResult.limitations: plain sentences saying what was not checked and why, so an empty
// findings list is never mistaken for "all good" when the input could not support the checks.

const API_CHECKS =
  'stale backends (rules to pods that are gone), not-ready backends, missing backends, Services not programmed, ' +
  'orphan rules of deleted Services, and the explanation of Services without endpoints';

/** The files each mode's Service rules are read from, for "not captured" messages. */
const MODE_FILES: Record<string, string> = {
  iptables: 'iptables-save.txt (and ip6tables-save.txt)',
  nftables: 'nft.json or nft.txt (nft -j list ruleset / nft list ruleset)',
  ipvs: 'ipvsadm.txt (ipvsadm -Ln --exact), with ipset.txt and ip-addr.txt',
};

export function collectLimitations(snapshot: SnapshotData, cluster: PreparedCluster | null, nodes: NodeAnalysis[]): string[] {
  const out: string[] = [];
  const usable = usableCluster(cluster);
  if (!usable) {
    const why =
      snapshot.clusterJson === undefined
        ? 'The snapshot has no cluster.json'
        : `cluster.json could not be used (${cluster && cluster.problems.length > 0 ? cluster.problems[0].reason : 'it holds no Service objects'})`;
    out.push(
      `${why}, so only rule-level checks ran (load-balancing probabilities, chain-name hashes, iptables backend split, proxy mode, ` +
        `mode-switch leftovers, canary, cross-node differences, unreadable lines). Not checked, because they need the Service, EndpointSlice and Pod objects: ${API_CHECKS}. ` +
        'Capture it with: kubectl get services,endpointslices,pods,nodes -A -o json > cluster.json',
    );
  } else if (usable.problems.length > 0) {
    const sample = usable.problems.slice(0, 3).map((p) => p.reason).join('; ');
    out.push(`cluster.json: ${usable.problems.length} item(s) could not be used and were left out (${sample}).`);
  }

  for (const n of nodes) {
    const s = n.summary;
    if (s.status === 'error') out.push(`Node ${s.node} was not analyzed: ${s.error ?? 'unknown error'}.`);
    if (s.status === 'no-dump') {
      out.push(
        s.mode !== 'unknown'
          ? `Node ${s.node} runs kube-proxy in ${s.mode} mode (proxy-mode.txt), but the snapshot has no ${MODE_FILES[s.mode]} for it, so its Service rules were not checked.`
          : `Node ${s.node} has no kube-proxy data-plane dump (iptables-save.txt, nft.json / nft.txt or ipvsadm.txt), so nothing was checked there.`,
      );
    }
    if (s.status === 'analyzed' && s.mode === 'unknown') {
      out.push(`Node ${s.node}: none of its dumps holds kube-proxy rules in any mode, so its Services were not checked (see the proxy-mode-mismatch note).`);
    }
  }

  const analyzed = nodes.filter((n) => n.summary.status === 'analyzed');
  if (usable) {
    const have = new Set(snapshot.nodes.map((n) => n.name));
    const missing = [...usable.index.nodeNames].filter((n) => !have.has(n)).sort();
    if (missing.length > 0) {
      out.push(`${missing.length} node(s) in cluster.json have no dumps in the snapshot, so their rules were not checked: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''}.`);
    }
    const v6 = usable.state.services.some((s) => (s.spec.clusterIPs ?? [s.spec.clusterIP ?? '']).some((ip) => ip.includes(':')));
    // nftables and IPVS captures show both families (dual-stack-parity reports a missing one);
    // iptables keeps IPv6 in its own file.
    const noV6 = analyzed
      .filter((n) => n.summary.mode === 'iptables' && !n.summary.files.some((f) => f.startsWith('ip6tables')))
      .map((n) => n.summary.node);
    if (v6 && noV6.length > 0) {
      out.push(`Some Services have IPv6 ClusterIPs but ${noV6.length} node(s) have no ip6tables-save.txt, so their IPv6 rules were not checked: ${noV6.slice(0, 10).join(', ')}.`);
    }
  }
  if (analyzed.length === 1) out.push('Only one node was analyzed, so nodes could not be compared with each other (node-divergence).');
  return out;
}
