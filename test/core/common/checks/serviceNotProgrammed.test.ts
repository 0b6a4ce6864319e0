import { describe, expect, it } from 'vitest';
import { checkServiceNotProgrammed } from '../../../../core/common/checks/serviceNotProgrammed';
import { WEB, ctxOf, spOf, world } from './_builders';
import type { SvcSpec, World } from './_builders';

const DNS: SvcSpec = { ns: 'kube-system', name: 'kube-dns', portName: 'dns', protocol: 'UDP', port: 53, targetPort: 53, clusterIP: '10.96.0.10', endpoints: [{ ip: '10.244.0.2' }] };
const headless: SvcSpec = { ...WEB, name: 'web-headless', notProxied: 'headless' };
const proxyName: SvcSpec = { ...WEB, name: 'web-mesh', clusterIP: '10.96.0.12', notProxied: 'service-proxy-name' };
const lb: SvcSpec = { ...WEB, name: 'web-lb', clusterIP: '10.96.0.13', nodePort: 30080, lbIPs: [{ ip: '203.0.113.7' }, { ip: '203.0.113.8', ipMode: 'Proxy' }] };
const itpLocalRemoteOnly: SvcSpec = { ...WEB, name: 'web-itp', clusterIP: '10.96.0.14', itpLocal: true, nodePort: 30081, endpoints: [{ ip: '10.244.2.6', node: 'n2' }] };
const empty: SvcSpec = { ...WEB, name: 'web-empty', clusterIP: '10.96.0.15', endpoints: [] };

type Case = { name: string; specs: SvcSpec[]; mutate: (w: World) => void; expect: { service: string | null; severity: string; title: RegExp }[] };

const cases: Case[] = [
  { name: 'healthy rules produce no finding', specs: [WEB, DNS, lb, itpLocalRemoteOnly, empty], mutate: () => {}, expect: [] },
  { name: 'Services not proxied by design are never reported', specs: [WEB, headless, proxyName], mutate: () => {}, expect: [] },
  {
    name: 'a Service port with endpoints and no rules is critical',
    specs: [WEB, DNS],
    mutate: (w) => (w.programmed.servicePorts = w.programmed.servicePorts.filter((s) => s.id?.name !== 'kube-dns')),
    expect: [{ service: 'kube-system/kube-dns', severity: 'critical', title: /kube-system\/kube-dns:dns is not programmed on n1/ }],
  },
  {
    name: 'a Service without endpoints and without rules is not reported here',
    specs: [WEB, empty],
    mutate: (w) => (w.programmed.servicePorts = w.programmed.servicePorts.filter((s) => s.id?.name !== 'web-empty')),
    expect: [],
  },
  {
    name: 'a missing LoadBalancer IP rule is high; the ipMode Proxy ingress IP needs none',
    specs: [lb],
    mutate: (w) => (spOf(w, 'web-lb').frontends = spOf(w, 'web-lb').frontends.filter((f) => f.kind !== 'load-balancer')),
    expect: [{ service: 'shop/web-lb', severity: 'high', title: /LoadBalancer IP 203\.0\.113\.7:80/ }],
  },
  {
    name: 'a missing ClusterIP rule is critical',
    specs: [WEB, DNS],
    mutate: (w) => (spOf(w, 'web').frontends = []),
    expect: [{ service: 'shop/web', severity: 'critical', title: /ClusterIP 10\.96\.0\.10:80/ }],
  },
  {
    name: 'a node with no Service rules at all gets one finding, not one per Service',
    specs: [WEB, DNS, lb],
    mutate: (w) => (w.programmed.servicePorts = []),
    expect: [{ service: null, severity: 'critical', title: /No Service is programmed on n1/ }],
  },
];

describe('checkServiceNotProgrammed', () => {
  it.each(cases)('$name', (c) => {
    const w = world(c.specs);
    c.mutate(w);
    const findings = checkServiceNotProgrammed(ctxOf(w));
    expect(findings.map((f) => ({ service: f.service, severity: f.severity }))).toEqual(c.expect.map(({ service, severity }) => ({ service, severity })));
    findings.forEach((f, i) => {
      expect(f.check).toBe('service-not-programmed');
      expect(f.title).toMatch(c.expect[i].title);
      expect(f.evidence.length).toBeGreaterThan(0);
    });
  });
});
