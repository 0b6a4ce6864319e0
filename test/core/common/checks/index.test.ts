import { describe, expect, it } from 'vitest';
import { CLUSTER_ONLY_CHECKS, NODE_CHECKS, runNodeChecks } from '../../../../core/common/checks';
import { WEB, backend, ctxOf, spOf, world } from './_builders';
import type { SvcSpec } from './_builders';

const HEALTHY: SvcSpec[] = [
  WEB,
  { ns: 'kube-system', name: 'kube-dns', portName: 'dns', protocol: 'UDP', port: 53, targetPort: 53, clusterIP: '10.96.0.10', endpoints: [{ ip: '10.244.0.2' }, { ip: '10.244.0.3' }] },
  { ...WEB, name: 'web-lb', clusterIP: '10.96.0.13', nodePort: 30080, etpLocal: true, lbIPs: [{ ip: '203.0.113.7' }, { ip: '203.0.113.8', ipMode: 'Proxy' }] },
  { ...WEB, name: 'web-itp', clusterIP: '10.96.0.14', itpLocal: true },
  { ...WEB, name: 'web-headless', notProxied: 'headless' },
  { ...WEB, name: 'web-mesh', clusterIP: '10.96.0.16', notProxied: 'service-proxy-name' },
];

describe('runNodeChecks', () => {
  it('finds nothing on a healthy node', () => {
    expect(runNodeChecks(ctxOf(world(HEALTHY)))).toEqual([]);
  });

  it('runs only the rule-level checks without cluster.json', () => {
    const w = world(HEALTHY);
    spOf(w, 'web').clusterPath!.backends.push(backend('10.244.9.9', 8080));
    spOf(w, 'web').clusterPath!.steps[0].probability = 0.9;
    expect(runNodeChecks(ctxOf(w, false)).map((f) => f.check)).toEqual(['lb-probability-skew']);
    expect(runNodeChecks(ctxOf(w)).map((f) => f.check).sort()).toEqual(['lb-probability-skew', 'stale-backend']);
  });

  it('lists the checks that need cluster.json', () => {
    expect(CLUSTER_ONLY_CHECKS).toEqual(['service-not-programmed', 'orphan-rules', 'stale-backend', 'not-ready-backend', 'missing-backend', 'no-endpoints', 'terminating-fallback']);
    expect(NODE_CHECKS.filter((c) => !c.needsCluster).map((c) => c.id)).toEqual(['lb-probability-skew', 'chain-hash-mismatch']);
  });
});
