import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildIptablesNameTable, frontendKey, parseServicePortName } from '../../../../core/common/kube/iptablesNameTable';
import { iptablesChainSuffix, servicePortName } from '../../../../core/common/kube/chainNames';
import { svc } from './kubeFixtures';

const services = [
  svc('default', 'kubernetes', { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP' }] }),
  svc('default', 'nginx', { type: 'NodePort', clusterIP: '10.32.0.251', ports: [{ port: 80, nodePort: 30080 }] }),
  svc('kube-system', 'kube-dns', {
    clusterIP: '10.96.0.10',
    ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }],
  }),
  svc(
    'ns',
    'lb',
    {
      type: 'LoadBalancer',
      clusterIP: '10.96.0.20',
      clusterIPs: ['10.96.0.20', 'fd00::20'],
      ipFamilies: ['IPv4', 'IPv6'],
      externalIPs: ['192.0.2.7', '2001:db8::7'],
      ports: [{ name: 'http', port: 80, nodePort: 30081 }],
    },
    { status: { loadBalancer: { ingress: [{ ip: '198.51.100.1' }, { ip: '198.51.100.2', ipMode: 'Proxy' }, { ip: '2001:db8::100' }] } } },
  ),
  svc('ns', 'headless', { clusterIP: 'None', ports: [{ name: 'http', port: 80 }] }),
];

describe('buildIptablesNameTable', () => {
  const v4 = buildIptablesNameTable(services, 4);
  const v6 = buildIptablesNameTable(services, 6);

  it.each([
    { suffix: 'NPX46M4PTMTKRN6Y', id: { namespace: 'default', name: 'kubernetes', portName: 'https', protocol: 'tcp' }, form: 'current' },
    { suffix: 'TCOU7JCQXEZGVUNU', id: { namespace: 'kube-system', name: 'kube-dns', portName: 'dns', protocol: 'udp' }, form: 'current' },
    { suffix: 'ERIFXISQEP7F7OF4', id: { namespace: 'kube-system', name: 'kube-dns', portName: 'dns-tcp', protocol: 'tcp' }, form: 'current' },
    { suffix: '2CMXP7HKUVJN7L6M', id: { namespace: 'default', name: 'nginx', portName: '', protocol: 'tcp' }, form: 'current' },
    { suffix: iptablesChainSuffix('default/nginx:', 'tcp'), id: { namespace: 'default', name: 'nginx', portName: '', protocol: 'tcp' }, form: 'legacy' },
  ])('maps suffix $suffix to its Service port ($form form)', ({ suffix, id, form }) => {
    expect(v4.bySuffix.get(suffix)).toEqual({ id, form });
  });

  it('has both unnamed forms only for unnamed ports, and the headless Service too', () => {
    // kubernetes(1) + nginx(2) + kube-dns(2) + lb(1) + headless(1)
    expect(v4.bySuffix.size).toBe(7);
    expect(v6.bySuffix.size).toBe(7);
  });

  it.each([
    { key: frontendKey('cluster-ip', '10.96.0.1', 'tcp', 443), name: 'kubernetes' },
    { key: frontendKey('cluster-ip', '10.96.0.10', 'udp', 53), name: 'kube-dns' },
    { key: frontendKey('node-port', undefined, 'tcp', 30080), name: 'nginx' },
    { key: frontendKey('external-ip', '192.0.2.7', 'tcp', 80), name: 'lb' },
    { key: frontendKey('load-balancer', '198.51.100.1', 'tcp', 80), name: 'lb' },
    { key: frontendKey('node-port', undefined, 'tcp', 30081), name: 'lb' },
  ])('IPv4 table maps $key', ({ key, name }) => {
    expect(v4.byFrontend.get(key)?.name).toBe(name);
  });

  it.each([
    { key: frontendKey('load-balancer', '198.51.100.2', 'tcp', 80), why: 'ipMode Proxy' },
    { key: frontendKey('external-ip', '2001:db8::7', 'tcp', 80), why: 'other family' },
    { key: frontendKey('cluster-ip', '10.96.0.10', 'sctp', 53), why: 'wrong protocol' },
  ])('IPv4 table has no $key ($why)', ({ key }) => {
    expect(v4.byFrontend.has(key)).toBe(false);
  });

  it('IPv6 table holds only the dual-stack Service frontends', () => {
    expect([...v6.byFrontend.keys()].sort()).toEqual(
      [
        'cluster-ip|fd00::20|tcp|80',
        'external-ip|2001:db8::7|tcp|80',
        'load-balancer|2001:db8::100|tcp|80',
        'node-port|*|tcp|30081',
      ].sort(),
    );
  });
});

describe('frontendKey', () => {
  it.each<{ args: Parameters<typeof frontendKey>; want: string }>([
    { args: ['cluster-ip', '10.0.0.1', 'tcp', 80], want: 'cluster-ip|10.0.0.1|tcp|80' },
    { args: ['cluster-ip', '10.0.0.1/32', 'tcp', 80], want: 'cluster-ip|10.0.0.1|tcp|80' },
    { args: ['external-ip', 'FD00::1/128', 'udp', 53], want: 'external-ip|fd00::1|udp|53' },
    { args: ['node-port', undefined, 'sctp', 30001], want: 'node-port|*|sctp|30001' },
  ])('keys $args as $want', ({ args, want }) => {
    expect(frontendKey(...args)).toBe(want);
  });
});

describe('parseServicePortName', () => {
  it.each([
    { s: 'default/kubernetes:https', want: { namespace: 'default', name: 'kubernetes', portName: 'https', form: 'current' } },
    { s: 'ns1/svc1', want: { namespace: 'ns1', name: 'svc1', portName: '', form: 'current' } },
    { s: 'default/hostnames:', want: { namespace: 'default', name: 'hostnames', portName: '', form: 'legacy' } },
    { s: 'ns2/svc2:p80 cluster IP', want: { namespace: 'ns2', name: 'svc2', portName: 'p80', form: 'current' } },
    { s: 'ns1/svc1:p80 -> 10.180.0.1:80', want: { namespace: 'ns1', name: 'svc1', portName: 'p80', form: 'current' } },
    { s: 'ns6/svc6:p80 has no endpoints', want: { namespace: 'ns6', name: 'svc6', portName: 'p80', form: 'current' } },
    { s: 'default/nginx loadbalancer IP', want: { namespace: 'default', name: 'nginx', portName: '', form: 'current' } },
  ])('reads "$s"', ({ s, want }) => {
    expect(parseServicePortName(s)).toEqual(want);
  });

  it.each([
    'kubernetes service nodeports; NOTE: this must be the last rule in this chain',
    'kubernetes forwarding rules',
    '/svc:port',
    'ns/:port',
    'a/b/c',
    '',
    'ns/svc:port:extra',
  ])('rejects "%s"', (s) => {
    expect(parseServicePortName(s)).toBeNull();
  });

  it('reads back whatever servicePortName prints, in both forms', () => {
    const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?$/);
    fc.assert(
      fc.property(label, label, fc.oneof(fc.constant(''), label), fc.constantFrom('current' as const, 'legacy' as const), (ns, name, port, form) => {
        const got = parseServicePortName(`${servicePortName(ns, name, port, form)} cluster IP`);
        expect(got).toEqual({ namespace: ns, name, portName: port, form: port === '' ? form : 'current' });
      }),
    );
  });
});
