import { describe, expect, it } from 'vitest';
import type { Finding, ProgrammedNode, Service, Severity } from '../../../../core/common/model';
import { buildServiceRows, servicesFromProgrammed } from '../../../../core/common/views/serviceRows';

const svc = (ns: string, name: string, spec: Service['spec'], labels?: Record<string, string>): Service => ({
  kind: 'Service',
  metadata: { name, namespace: ns, ...(labels ? { labels } : {}) },
  spec,
});

const finding = (service: string | null, severity: Severity): Finding => ({
  check: 'stale-backend', severity, node: 'n1', service, port: null, protocol: null, endpoint: null, pod: null,
  title: 't', message: 'm', nextSteps: [], evidence: [],
});

const SERVICES: Service[] = [
  svc('shop', 'web', { type: 'ClusterIP', clusterIP: '10.96.0.5', clusterIPs: ['10.96.0.5'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }] }),
  svc('data', 'redis-headless', { clusterIP: 'None', ports: [{ port: 6379 }] }),
  svc('ext', 'alias', { type: 'ExternalName', externalName: 'example.com' }),
  svc('mesh', 'sidecar', { clusterIP: '10.96.0.9', ports: [{ port: 80 }] }, { 'service.kubernetes.io/service-proxy-name': 'other' }),
];

describe('buildServiceRows', () => {
  const rows = buildServiceRows(SERVICES, [finding('shop/web', 'high'), finding('shop/web', 'critical'), finding('shop/gone', 'medium'), finding(null, 'low')]);
  const byKey = new Map(rows.map((r) => [r.key, r]));

  it.each([
    { key: 'shop/web', want: { type: 'ClusterIP', clusterIPs: ['10.96.0.5'], ports: ['http 80/tcp', '53/udp'], findings: 2, worst: 'critical', proxied: true } },
    { key: 'data/redis-headless', want: { type: 'ClusterIP', clusterIPs: ['None'], ports: ['6379/tcp'], findings: 0, worst: null, proxied: false } },
    { key: 'ext/alias', want: { type: 'ExternalName', clusterIPs: [], ports: [], proxied: false } },
    { key: 'mesh/sidecar', want: { proxied: false } },
    { key: 'shop/gone', want: { type: 'unknown', findings: 1, worst: 'medium', proxied: true } },
  ])('describes $key from its API object and its findings', ({ key, want }) => {
    expect(byKey.get(key)).toMatchObject(want);
  });

  it('lists rows in key order, one per Service, findings without a Service left out', () => {
    expect(rows.map((r) => r.key)).toEqual(['data/redis-headless', 'ext/alias', 'mesh/sidecar', 'shop/gone', 'shop/web']);
  });

  it('lists the Services the decoded rules identify when there is no cluster.json', () => {
    const ev = { node: 'n1', file: 'f', line: 1, raw: '' };
    const programmed: ProgrammedNode[] = [
      {
        node: 'n1', mode: 'iptables', family: 4, nameMismatches: [],
        facts: { unmappedChains: [], endpointCommentsPresent: true, file: 'nodes/n1/iptables-save.txt' },
        servicePorts: [
          {
            id: { namespace: 'shop', name: 'web', portName: 'http', protocol: 'tcp' }, idSource: 'comment', label: 'shop/web:http',
            frontends: [{ kind: 'cluster-ip', ip: '10.96.0.5', port: 80, protocol: 'tcp', path: 'cluster', target: 'KUBE-SVC-X', evidence: ev }],
            markers: [], chains: ['KUBE-SVC-X'],
          },
          { id: null, idSource: 'none', label: 'KUBE-SVC-Y', frontends: [], markers: [], chains: ['KUBE-SVC-Y'] },
        ],
      },
    ];
    const noCluster = buildServiceRows(null, [], servicesFromProgrammed(programmed));
    expect(noCluster).toEqual([
      { key: 'shop/web', namespace: 'shop', name: 'web', type: 'unknown', clusterIPs: ['10.96.0.5'], ports: ['http 80/tcp'], findings: 0, worst: null, proxied: true },
    ]);
  });
});
