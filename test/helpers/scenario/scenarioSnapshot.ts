import type { SnapshotData } from '../../../core/common/model';
import { iptablesRoundTrip } from '../netns';
import { toClusterJson } from './clusterJson';
import type { FaultScenario } from './faultScenarios';
import { renderKubeProxyIptables } from './kubeProxyIptables';

// A scenario as Proxyscope would receive it from a real cluster: cluster.json from the API
// state, and per node what the REAL iptables-save prints after kube-proxy's rules (with the
// injected faults) were loaded into the kernel of a private network namespace.

export interface ScenarioDumpOptions {
  /** false = kube-proxy's large-cluster mode (no per-endpoint comments). */
  comments: boolean;
  /** Round-trip through iptables-legacy instead of the nf_tables backend. */
  legacy?: boolean;
}

/** The file name the dump is stored under (`iptables-save.txt` for either backend, as on a node). */
export const IPTABLES_FILE = 'iptables-save.txt';

export function scenarioSnapshot(s: FaultScenario, opts: ScenarioDumpOptions): SnapshotData {
  return {
    source: `scenario:${s.name}`,
    clusterJson: toClusterJson(s.state),
    nodes: s.nodes.map((n) => {
      const rules = renderKubeProxyIptables(n.state ?? s.state, n.name, {
        comments: opts.comments,
        clusterCIDR: s.clusterCIDR,
        faults: n.faults ?? [],
      });
      return { name: n.name, files: { [IPTABLES_FILE]: iptablesRoundTrip(rules, { legacy: opts.legacy }) } };
    }),
  };
}
