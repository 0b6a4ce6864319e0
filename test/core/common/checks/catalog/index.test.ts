import { describe, expect, it } from 'vitest';
import { CATALOG_CLUSTER_ONLY, runCatalogFamilyChecks, runCatalogNodeChecks } from '../../../../../core/common/checks/catalog';
import { sortFindings } from '../../../../../core/common/analyze/sortFindings';
import { WEB, ctxOf, world } from '../_builders';
import type { SvcSpec } from '../_builders';
import { IPVS_HEADER, dumps, levelOf, markManaged } from './_catalog';

const HEALTHY: SvcSpec[] = [
  WEB,
  { ns: 'kube-system', name: 'kube-dns', portName: 'dns', protocol: 'UDP', port: 53, targetPort: 53, clusterIP: '10.96.0.11', endpoints: [{ ip: '10.244.0.2', node: 'n1' }, { ip: '10.244.0.3', node: 'n2' }] },
  { ...WEB, name: 'web-lb', clusterIP: '10.96.0.13', nodePort: 30080, lbIPs: [{ ip: '203.0.113.7' }] },
  { ...WEB, name: 'web-itp', clusterIP: '10.96.0.14', itpLocal: true },
  { ...WEB, name: 'web-headless', notProxied: 'headless' },
];

const CT = 'udp      17 29 src=10.244.1.77 dst=10.96.0.11 sport=40000 dport=53 src=10.244.0.2 dst=10.244.1.77 sport=53 dport=40000 mark=0 use=1';

describe('catalog entry points', () => {
  it('find nothing on a healthy node', () => {
    const w = markManaged(world(HEALTHY));
    expect(runCatalogFamilyChecks(ctxOf(w))).toEqual([]);
    expect(runCatalogNodeChecks(levelOf(w, { conntrack: dumps.conntrack(CT) }))).toEqual([]);
  });

  it('skip the API checks without cluster.json and still read the dumps', () => {
    const w = world(HEALTHY);
    const ipvs = dumps.ipvs([IPVS_HEADER, 'TCP  10.96.0.10:80 rr', '  -> 10.244.9.9:8080 Masq 0 0 0'].join('\n'));
    expect(runCatalogFamilyChecks(ctxOf(w, false))).toEqual([]);
    const findings = runCatalogNodeChecks(levelOf(w, { ipvs, conntrack: dumps.conntrack(CT.replace('src=10.244.0.2', 'src=10.244.9.9')) }, { mode: 'ipvs', withCluster: false }));
    expect(findings.map((f) => f.check)).toEqual(['ipvs-weight-zero']);
  });

  it('return cluster-wide findings from every node, and the pipeline merge keeps one', () => {
    const w = markManaged(world(HEALTHY));
    w.pods.splice(0, 1); // shop/web-0 is gone but its endpoint is still ready
    const n1 = runCatalogNodeChecks(levelOf(w));
    const n2 = runCatalogNodeChecks({ ...levelOf(w), node: 'n2' });
    expect(n1.map((f) => f.check)).toEqual(['readiness-disagreement']);
    expect(n1[0].node).toBeNull();
    expect(sortFindings([...n1, ...n2])).toHaveLength(1);
  });

  it('leave the cluster-wide findings out when the caller adds them once (clusterWide: false)', () => {
    const w = markManaged(world(HEALTHY));
    w.pods.splice(0, 1);
    expect(runCatalogNodeChecks(levelOf(w), { clusterWide: false })).toEqual([]);
    expect(runCatalogNodeChecks(levelOf(w), { clusterWide: true }).map((f) => f.check)).toEqual(['readiness-disagreement']);
  });

  it('list the checks that need cluster.json', () => {
    expect(CATALOG_CLUSTER_ONLY).toEqual([
      'readiness-disagreement',
      'publish-not-ready',
      'endpointslice-hygiene',
      'local-policy-black-hole',
      'stale-conntrack',
      'affinity-residue',
      'source-ranges',
      'topology-expectation',
    ]);
  });
});
