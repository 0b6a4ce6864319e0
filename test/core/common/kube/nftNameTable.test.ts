import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildNftNameTable } from '../../../../core/common/kube/nftNameTable';
import { frontendKey } from '../../../../core/common/kube/iptablesNameTable';
import { nftServiceChainName } from '../../../../core/common/kube/chainNames';
import { svc } from './kubeFixtures';

const services = [
  svc('default', 'kubernetes', { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP' }] }),
  svc('riset', 'hellopod-np-svc', { type: 'NodePort', clusterIP: '10.43.195.72', ports: [{ port: 8000, nodePort: 30000 }] }),
  svc('kube-system', 'kube-dns', {
    clusterIP: '10.43.0.10',
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
      externalIPs: ['192.0.2.7', '2001:DB8::7'],
      ports: [{ name: 'http', port: 80, nodePort: 30081 }],
    },
    { status: { loadBalancer: { ingress: [{ ip: '198.51.100.1' }, { ip: '198.51.100.2', ipMode: 'Proxy' }, { ip: '2001:db8::100' }] } } },
  ),
  svc('ns', 'headless', { clusterIP: 'None', ports: [{ name: 'http', port: 80 }] }),
];

describe('buildNftNameTable', () => {
  const v4 = buildNftNameTable(services, 4);
  const v6 = buildNftNameTable(services, 6);

  // Hashes from the real k3s dump (test/fixtures/corpus/nftables/real-k3s-nft-list-table-kube-proxy.nft).
  it.each([
    { chain: 'service-NWBZK7IH-kube-system/kube-dns/tcp/dns-tcp', id: { namespace: 'kube-system', name: 'kube-dns', portName: 'dns-tcp', protocol: 'tcp' } },
    { chain: 'service-FY5PMXPG-kube-system/kube-dns/udp/dns', id: { namespace: 'kube-system', name: 'kube-dns', portName: 'dns', protocol: 'udp' } },
    { chain: 'service-P6J77WGM-riset/hellopod-np-svc/tcp/', id: { namespace: 'riset', name: 'hellopod-np-svc', portName: '', protocol: 'tcp' } },
  ])('maps the hash of $chain to its Service port and keeps the whole suffix to verify it', ({ chain, id }) => {
    const suffix = chain.slice('service-'.length);
    expect(v4.byHash.get(suffix.slice(0, 8))).toEqual({ id, suffix });
  });

  it('has one hash per Service port in both families, proxied or not (headless included)', () => {
    // kubernetes(1) + hellopod(1) + kube-dns(2) + lb(1) + headless(1)
    expect(v4.byHash.size).toBe(6);
    expect([...v6.byHash.keys()].sort()).toEqual([...v4.byHash.keys()].sort());
  });

  it.each([
    { table: 'v4', key: frontendKey('cluster-ip', '10.96.0.1', 'tcp', 443), name: 'kubernetes' },
    { table: 'v4', key: frontendKey('node-port', undefined, 'tcp', 30000), name: 'hellopod-np-svc' },
    { table: 'v4', key: frontendKey('external-ip', '192.0.2.7', 'tcp', 80), name: 'lb' },
    { table: 'v4', key: frontendKey('load-balancer', '198.51.100.1', 'tcp', 80), name: 'lb' },
    { table: 'v6', key: frontendKey('cluster-ip', 'fd00::20', 'tcp', 80), name: 'lb' },
    { table: 'v6', key: frontendKey('external-ip', '2001:db8::7', 'tcp', 80), name: 'lb' },
    { table: 'v6', key: frontendKey('load-balancer', '2001:db8::100', 'tcp', 80), name: 'lb' },
  ])('$table table maps frontend $key', ({ table, key, name }) => {
    expect((table === 'v4' ? v4 : v6).byFrontend.get(key)?.name).toBe(name);
  });

  it.each([
    { what: 'an ipMode Proxy LB IP', key: frontendKey('load-balancer', '198.51.100.2', 'tcp', 80) },
    { what: 'the headless Service', key: frontendKey('cluster-ip', 'None', 'tcp', 80) },
    { what: 'an IPv6 address in the IPv4 table', key: frontendKey('cluster-ip', 'fd00::20', 'tcp', 80) },
  ])('has no frontend for $what', ({ key }) => {
    expect(v4.byFrontend.has(key)).toBe(false);
  });

  it('ignores Services without spec or ports instead of throwing', () => {
    const broken = [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x', namespace: 'y' } }] as unknown as Parameters<typeof buildNftNameTable>[0];
    expect(buildNftNameTable(broken, 4).byHash.size).toBe(0);
  });

  it('keys every Service port by the hash in the chain name kube-proxy writes (property)', () => {
    const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}[a-z0-9]$/);
    fc.assert(
      fc.property(label, label, fc.option(label, { nil: undefined }), fc.constantFrom('TCP', 'UDP', 'SCTP') as fc.Arbitrary<'TCP' | 'UDP' | 'SCTP'>, (ns, name, portName, protocol) => {
        const table = buildNftNameTable([svc(ns, name, { clusterIP: '10.0.0.1', ports: [{ name: portName, port: 80, protocol }] })], 4);
        const proto = protocol.toLowerCase() as 'tcp' | 'udp' | 'sctp';
        const chain = nftServiceChainName('local', ns, name, proto, portName ?? '');
        const suffix = chain.slice('local-'.length);
        expect(table.byHash.get(suffix.slice(0, 8))?.suffix).toBe(suffix);
      }),
      { numRuns: 200 },
    );
  });
});
