import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { clusterBuilder, toClusterJson } from './scenario/clusterBuilder';
import type { IptablesFault } from './scenario/iptablesFaults';
import { renderKubeProxyIptables } from './scenario/kubeProxyIptables';
import { IPTABLES_FILE } from './scenario/scenarioSnapshot';
import { writeSnapshotDir } from './scenario/snapshotFiles';

// A big snapshot for the browser tests (30k Services is the size the UI must stay responsive
// at): cluster.json plus one node's iptables-save, built the way bench/generate.ts builds its
// benchmark clusters (same builder options, same `ns-NNNN/svc-NNNNN` names, 100 per namespace,
// kube-proxy's restore input written as the node's dump), with a few faults so findings exist.

export interface BigSnapshot {
  dir: string;
  /** Services in cluster.json, `default/kubernetes` included. */
  services: number;
  /** The node that has a dump. */
  node: string;
  /** `ns/name` of the Service with a stale backend, a dropped endpoint, an unprogrammed port. */
  faults: { stale: string; missing: string; notProgrammed: string };
  /** `ns/name` of the last generated Service (sorted last in the Services list). */
  last: string;
  cleanup(): void;
}

export const BIG_NODE = 'node-1';

export function bigServiceRef(i: number): string {
  return `ns-${String(Math.floor(i / 100)).padStart(4, '0')}/svc-${String(i).padStart(5, '0')}`;
}

/**
 * Writes `<dir>/cluster.json` and `<dir>/nodes/node-1/iptables-save.txt` for `generated`
 * Services (plus `default/kubernetes`) with `endpoints` pods each over 4 nodes.
 */
export function writeBigSnapshot(opts: { generated?: number; endpoints?: number; dir?: string } = {}): BigSnapshot {
  const generated = opts.generated ?? 29_999;
  const endpoints = opts.endpoints ?? 2;
  // The folder name is what the app shows as the session title.
  const dir = opts.dir ?? join(mkdtempSync(join(tmpdir(), 'proxyscope-big-')), `${Math.round((generated + 1) / 1000)}k-services`);
  const clusterCIDR = '100.64.0.0/10';
  const b = clusterBuilder({ clusterCIDR, nodeCIDRMaskSize: 14, serviceCIDR: '10.96.0.0/12', podDetail: 'lean' });
  for (let i = 1; i <= 4; i++) b.node(`node-${i}`);
  b.service('default/kubernetes', { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, targetPort: 6443 }], manualEndpoints: [{ ip: '172.18.0.2' }] });
  for (let i = 0; i < generated; i++) {
    const ref = bigServiceRef(i);
    b.service(ref, { ports: [{ name: 'http', port: 80, targetPort: 8080 }] }).pods(ref, endpoints);
  }
  const stale = bigServiceRef(7);
  const missing = bigServiceRef(Math.min(11, generated - 1));
  const notProgrammed = bigServiceRef(Math.min(13, generated - 1));
  const faults: IptablesFault[] = [
    // A deleted pod's IP (outside every podCIDR in use) still programmed: stale-backend.
    { kind: 'extra-endpoint', service: stale, ip: '100.127.255.250' },
    { kind: 'drop-endpoint', service: missing, ip: b.podsOf(missing)[0].ip },
    { kind: 'drop-service-port', service: notProgrammed },
  ];
  const state = b.build();
  const rules = renderKubeProxyIptables(state, BIG_NODE, { comments: true, clusterCIDR, faults });
  writeSnapshotDir(dir, { clusterJson: toClusterJson(state, { indent: 0 }), nodes: [{ name: BIG_NODE, files: { [IPTABLES_FILE]: rules } }] });
  return {
    dir,
    services: generated + 1,
    node: BIG_NODE,
    faults: { stale, missing, notProgrammed },
    last: bigServiceRef(generated - 1),
    cleanup: () => rmSync(opts.dir ?? dirname(dir), { recursive: true, force: true }),
  };
}
