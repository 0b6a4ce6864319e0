import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SnapshotData } from '../../../core/common/model';
import { toClusterJson } from './clusterJson';
import type { IpvsScenario } from './ipvsScenarios';
import { scenarioNodeIPs } from './ipvsScenarios';
import { ipsetRestoreInput, kubeProxyIpvsModel, renderKubeProxyIpvs } from './kubeProxyIpvs';

// An IPVS scenario as Proxyscope would receive it from a real cluster. This kernel has no IPVS,
// so ipvsadm.txt, ipset.txt and ip-addr.txt are written in the tools' exact print formats
// (kubeProxyIpvs.ts). iptables-save.txt is real: the IPVS proxier's rules are loaded with
// iptables-restore into a private network namespace, next to the ipsets they match (created
// there with ipset restore, as iptables refuses a --match-set of a missing set), and read back
// with iptables-save.

export const IPVS_FILES = { ipvsadm: 'ipvsadm.txt', ipset: 'ipset.txt', ipAddr: 'ip-addr.txt', iptables: 'iptables-save.txt' } as const;

/** Loads `sets` (ipset restore input) and `rules` (iptables-restore input) into a fresh netns; returns its iptables-save output. */
export function ipvsIptablesRoundTrip(rules: string, sets: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'proxyscope-ipvs-'));
  const setsFile = join(dir, 'sets');
  const rulesFile = join(dir, 'rules');
  writeFileSync(setsFile, sets);
  writeFileSync(rulesFile, rules);
  try {
    return execFileSync('unshare', ['-rn', 'sh', '-c', 'ipset restore < "$1" && iptables-restore < "$2" && iptables-save', 'sh', setsFile, rulesFile], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`ipset/iptables-restore in a private netns failed: ${stderr.trim() || String(err)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface IpvsSnapshotOptions {
  /** Round-trip the iptables rules through the real iptables (default true); false stores the restore input. */
  realIptables?: boolean;
}

export function ipvsScenarioSnapshot(s: IpvsScenario, opts: IpvsSnapshotOptions = {}): SnapshotData {
  return {
    source: `scenario:ipvs:${s.name}`,
    clusterJson: toClusterJson(s.state),
    nodes: s.nodes.map((n) => {
      const state = n.state ?? s.state;
      const writerOpts = { nodeIPs: scenarioNodeIPs(s.state, n.name), clusterCIDR: s.clusterCIDR, faults: n.faults ?? [] };
      const out = renderKubeProxyIpvs(state, n.name, writerOpts);
      let iptables = out.iptables;
      if (opts.realIptables !== false) iptables = ipvsIptablesRoundTrip(out.iptables, ipsetRestoreInput(kubeProxyIpvsModel(state, n.name, writerOpts).sets));
      return {
        name: n.name,
        files: { [IPVS_FILES.ipvsadm]: out.ipvsadm, [IPVS_FILES.ipset]: out.ipset, [IPVS_FILES.ipAddr]: out.ipAddr, [IPVS_FILES.iptables]: iptables },
      };
    }),
  };
}
