import { describe, expect, it } from 'vitest';
import { checkLocalPolicyBlackHole } from '../../../../../core/common/checks/catalog/localPolicyBlackHole';
import type { ProxyMode } from '../../../../../core/common/model';
import { ctxOf, frontendsOf, marker, podOf, spOf, world } from '../_builders';
import type { SvcSpec, World } from '../_builders';

const REMOTE = [{ ip: '10.244.2.6', node: 'n2' }, { ip: '10.244.3.7', node: 'n3' }];
const ITP: SvcSpec = { ns: 'shop', name: 'cache', clusterIP: '10.96.0.20', itpLocal: true, endpoints: REMOTE };
const ETP: SvcSpec = { ns: 'shop', name: 'edge', clusterIP: '10.96.0.21', nodePort: 30080, etpLocal: true, endpoints: REMOTE };
const ETP_LB: SvcSpec = { ...ETP, name: 'edge-lb', lbIPs: [{ ip: '203.0.113.7' }] };

type Case = { name: string; specs: SvcSpec[]; mode?: ProxyMode; mutate?: (w: World) => void; expect: { severity: string; title: RegExp }[] };

const cases: Case[] = [
  { name: 'a Local policy with a local endpoint is fine', specs: [{ ...ITP, endpoints: [{ ip: '10.244.1.5', node: 'n1' }, ...REMOTE] }], expect: [] },
  { name: 'a Cluster policy Service without a local endpoint is fine', specs: [{ ...ITP, itpLocal: false }], expect: [] },
  { name: 'a Service with no usable endpoint anywhere is left to no-endpoints', specs: [{ ...ITP, endpoints: [{ ip: '10.244.2.6', node: 'n2', ready: false, serving: false }] }], expect: [] },
  {
    name: 'ITP=Local without a local endpoint is info when no pod of the namespace runs here',
    specs: [ITP],
    expect: [{ severity: 'info', title: /no local endpoint on n1: its ClusterIP traffic from there is dropped/ }],
  },
  {
    name: 'ITP=Local without a local endpoint is high when pods of the namespace (likely clients) run here',
    specs: [ITP],
    mutate: (w) => w.pods.push(podOf('shop', 'frontend-0', '10.244.1.50', { node: 'n1' })),
    expect: [{ severity: 'high', title: /calls from Pods on n1 are dropped/ }],
  },
  {
    name: 'IPVS falls back to cluster endpoints, so ITP=Local is info even with clients',
    specs: [ITP],
    mode: 'ipvs',
    mutate: (w) => w.pods.push(podOf('shop', 'frontend-0', '10.244.1.50', { node: 'n1' })),
    expect: [{ severity: 'info', title: /IPVS uses the cluster endpoints instead/ }],
  },
  { name: 'ETP=Local NodePort without a local endpoint is info', specs: [ETP], expect: [{ severity: 'info', title: /drops external traffic arriving at n1/ }] },
  { name: 'ETP=Local LoadBalancer without a local endpoint is info (LB targets are not in the snapshot)', specs: [ETP_LB], expect: [{ severity: 'info', title: /drops external traffic/ }] },
];

describe('checkLocalPolicyBlackHole', () => {
  it.each(cases)('$name', (c) => {
    const w = world(c.specs);
    w.programmed.mode = c.mode ?? 'iptables';
    c.mutate?.(w);
    const findings = checkLocalPolicyBlackHole(ctxOf(w));
    expect(findings.map((f) => f.severity)).toEqual(c.expect.map((e) => e.severity));
    findings.forEach((f, i) => {
      expect(f).toMatchObject({ check: 'local-policy-black-hole', node: 'n1', service: `shop/${c.specs[0].name}`, port: 'http', protocol: 'tcp' });
      expect(f.title).toMatch(c.expect[i].title);
      expect(f.evidence.length).toBeGreaterThan(0);
    });
  });

  it('quotes the DROP rule kube-proxy wrote for the missing local endpoint', () => {
    const w = world([ITP]);
    const sp = spOf(w, 'cache');
    sp.markers = [marker('drop', 'no-local-endpoints', frontendsOf(w.expected[0], 'DROP')[0])];
    const f = checkLocalPolicyBlackHole(ctxOf(w))[0];
    expect(f.evidence.some((e) => e.raw.includes('no-local-endpoints'))).toBe(true);
  });

  it('tells how to verify the load balancer health check for ETP=Local', () => {
    const w = world([ETP_LB]);
    w.services[0].spec.healthCheckNodePort = 32000;
    w.expected[0].service = w.services[0];
    const f = checkLocalPolicyBlackHole(ctxOf(w))[0];
    expect(f.nextSteps.join('\n')).toContain(':32000/healthz');
    expect(f.message).toContain('healthCheckNodePort 32000');
  });

  it('does nothing without cluster.json', () => {
    expect(checkLocalPolicyBlackHole(ctxOf(world([ITP]), false))).toEqual([]);
  });
});
