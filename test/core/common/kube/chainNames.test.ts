import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  hashAndTruncate,
  iptablesChainName,
  iptablesChainSuffix,
  iptablesEndpointChainName,
  isIptablesEndpointChainName,
  joinHostPort,
  nftAffinitySetName,
  nftEndpointChainName,
  nftServiceChainName,
  servicePortName,
} from '../../../../core/common/kube/chainNames';

// Every vector of shared/reference/kube-proxy-dataplane.md §3.3, recomputed.
const iptablesServiceVectors = [
  { spn: servicePortName('default', 'kubernetes', 'https'), proto: 'tcp', want: 'KUBE-SVC-NPX46M4PTMTKRN6Y' },
  { spn: servicePortName('kube-system', 'kube-dns', 'dns'), proto: 'udp', want: 'KUBE-SVC-TCOU7JCQXEZGVUNU' },
  { spn: servicePortName('kube-system', 'kube-dns', 'dns-tcp'), proto: 'tcp', want: 'KUBE-SVC-ERIFXISQEP7F7OF4' },
  { spn: servicePortName('kube-system', 'kube-dns', 'metrics'), proto: 'tcp', want: 'KUBE-SVC-JD5MR3NA4I4DYORP' },
  { spn: servicePortName('default', 'nginx', ''), proto: 'tcp', want: 'KUBE-SVC-2CMXP7HKUVJN7L6M' },
  { spn: servicePortName('default', 'echoserver', '', 'legacy'), proto: 'tcp', want: 'KUBE-SVC-ZFAVNEBGNVMBQPKH' },
  // corpus/cluster/k8s-test-overall-inputs.json and k8s-test-itp-and-terminating-inputs.json
  { spn: 'ns1/svc1:p80', proto: 'tcp', want: 'KUBE-SVC-XPGD46QRK7WJZT7O' },
  { spn: 'ns2/svc2:p80', proto: 'tcp', want: 'KUBE-SVC-GNZBNJ2PO5MGZ6GT' },
  { spn: 'ns5/svc5:p80', proto: 'tcp', want: 'KUBE-SVC-NUKIZ6OKUXPJNT4C' },
  { spn: 'ns1/svc1', proto: 'tcp', want: 'KUBE-SVC-AQI2S6QIMU7PVVRP' },
] as const;

const iptablesEndpointVectors = [
  { spn: 'default/nginx', proto: 'tcp', ep: '10.64.2.4:80', want: 'KUBE-SEP-YVT6EXXEKT4LDXBC' },
  { spn: 'ns4/svc4:p80', proto: 'tcp', ep: '10.180.0.5:80', want: 'KUBE-SEP-C6EBXVWJJZMIWKLZ' },
  { spn: 'ns1/svc1:p80', proto: 'tcp', ep: '10.180.0.1:80', want: 'KUBE-SEP-SXIVWICOYRO3J4NJ' },
  { spn: 'ns5/svc5:p80', proto: 'tcp', ep: '10.180.0.3:80', want: 'KUBE-SEP-I77PXRDZVX7PMWMN' },
  { spn: 'ns1/svc1', proto: 'tcp', ep: '10.0.1.1:80', want: 'KUBE-SEP-3JOIVZTXZZRGORX4' },
  { spn: 'ns1/svc1', proto: 'tcp', ep: '10.0.1.5:80', want: 'KUBE-SEP-EQCHZ7S2PJ72OHAY' },
] as const;

const nftServiceVectors = [
  { prefix: 'service', ns: 'ns1', name: 'svc1', proto: 'tcp', port: 'p80', want: 'service-ULMVA6XW-ns1/svc1/tcp/p80' },
  { prefix: 'service', ns: 'riset', name: 'hellopod-np-svc', proto: 'tcp', port: '', want: 'service-P6J77WGM-riset/hellopod-np-svc/tcp/' },
  { prefix: 'external', ns: 'ns2', name: 'svc2', proto: 'tcp', port: 'p80', want: 'external-42NFTM6N-ns2/svc2/tcp/p80' },
  { prefix: 'firewall', ns: 'ns5', name: 'svc5', proto: 'tcp', port: 'p80', want: 'firewall-HVFWP5L3-ns5/svc5/tcp/p80' },
  { prefix: 'local', ns: 'ns1', name: 'svc1', proto: 'tcp', port: 'p80', want: 'local-ULMVA6XW-ns1/svc1/tcp/p80' },
] as const;

const nftEndpointVectors = [
  { ip: '10.180.0.1', port: 80, want: 'endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80' },
  { ip: 'fd00:10:180::1', port: 80, want: 'endpoint-ZVRFLKHO-ns1/svc1/tcp/p80__fd00.10.180..1/80' },
  { ip: '[fd00:10:180::1]', port: 80, want: 'endpoint-ZVRFLKHO-ns1/svc1/tcp/p80__fd00.10.180..1/80' },
] as const;

describe('servicePortName', () => {
  it.each([
    { args: ['ns', 'svc', 'http', 'current'], want: 'ns/svc:http' },
    { args: ['ns', 'svc', 'http', 'legacy'], want: 'ns/svc:http' },
    { args: ['ns', 'svc', '', 'current'], want: 'ns/svc' },
    { args: ['ns', 'svc', '', 'legacy'], want: 'ns/svc:' },
  ] as const)('prints $args as $want', ({ args, want }) => {
    expect(servicePortName(args[0], args[1], args[2], args[3])).toBe(want);
  });
  it('defaults to the current form', () => {
    expect(servicePortName('ns', 'svc', '')).toBe('ns/svc');
  });
});

describe('iptables chain names', () => {
  it.each(iptablesServiceVectors)('hashes $spn + $proto to $want', ({ spn, proto, want }) => {
    expect(iptablesChainName('KUBE-SVC', spn, proto)).toBe(want);
  });

  it.each(['KUBE-SVL', 'KUBE-EXT', 'KUBE-FW', 'KUBE-XLB'] as const)('gives %s the same suffix as KUBE-SVC', (prefix) => {
    expect(iptablesChainName(prefix, 'default/nginx', 'tcp')).toBe(`${prefix}-2CMXP7HKUVJN7L6M`);
    expect(iptablesChainSuffix('default/nginx', 'tcp')).toBe('2CMXP7HKUVJN7L6M');
  });

  it.each(iptablesEndpointVectors)('hashes endpoint $spn $ep to $want', ({ spn, proto, ep, want }) => {
    expect(iptablesEndpointChainName(spn, proto, ep)).toBe(want);
  });

  it.each(iptablesEndpointVectors)('recognises $want as the endpoint chain of $spn $ep without building it', ({ spn, proto, ep, want }) => {
    const colon = ep.lastIndexOf(':');
    expect(isIptablesEndpointChainName(want, spn, proto, ep.slice(0, colon), Number(ep.slice(colon + 1)))).toBe(true);
  });

  const others = [
    { name: 'another port', chain: 'KUBE-SEP-YVT6EXXEKT4LDXBC', ip: '10.64.2.4', port: 81 },
    { name: 'another address', chain: 'KUBE-SEP-YVT6EXXEKT4LDXBC', ip: '10.64.2.5', port: 80 },
    { name: 'a name one character off', chain: 'KUBE-SEP-YVT6EXXEKT4LDXBD', ip: '10.64.2.4', port: 80 },
    { name: 'a KUBE-SVC prefix', chain: 'KUBE-SVC-YVT6EXXEKT4LDXBC', ip: '10.64.2.4', port: 80 },
    { name: 'a short name', chain: 'KUBE-SEP-YVT6EXXEKT4LDXB', ip: '10.64.2.4', port: 80 },
  ];
  it.each(others)('rejects $name', ({ chain, ip, port }) => {
    expect(isIptablesEndpointChainName(chain, 'default/nginx', 'tcp', ip, port)).toBe(false);
  });

  it('agrees with the built name for any endpoint, IPv6 and non-ASCII Service port names included', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 90 }),
        fc.constantFrom('tcp' as const, 'udp' as const, 'sctp' as const),
        fc.oneof(fc.ipV4(), fc.ipV6(), fc.string({ unit: 'grapheme', maxLength: 20 })),
        fc.integer({ min: 0, max: 65535 }),
        fc.boolean(),
        (spn, proto, ip, port, same) => {
          const name = iptablesEndpointChainName(spn, proto, joinHostPort(ip, port));
          const other = same ? name : iptablesEndpointChainName(spn, proto, joinHostPort(ip, port === 0 ? 1 : port - 1));
          expect(isIptablesEndpointChainName(other, spn, proto, ip, port)).toBe(other === name);
        },
      ),
      { numRuns: 300 },
    );
  });

  it.each([
    { ip: '10.0.0.1', port: 80, want: '10.0.0.1:80' },
    { ip: 'fd00::1', port: 8080, want: '[fd00::1]:8080' },
  ])('joins $ip and $port like Go net.JoinHostPort', ({ ip, port, want }) => {
    expect(joinHostPort(ip, port)).toBe(want);
  });
});

describe('nftables chain names', () => {
  it.each(nftServiceVectors)('names $prefix chain of $ns/$name/$proto/$port as $want', ({ prefix, ns, name, proto, port, want }) => {
    expect(nftServiceChainName(prefix, ns, name, proto, port)).toBe(want);
  });

  it.each(nftEndpointVectors)('names the endpoint chain of $ip:$port as $want', ({ ip, port, want }) => {
    expect(nftEndpointChainName('ns1', 'svc1', 'tcp', 'p80', ip, port)).toBe(want);
  });

  it('names affinity sets with the endpoint hash', () => {
    expect(nftAffinitySetName('ns5', 'svc5', 'tcp', 'p80', '10.180.0.3', 80)).toBe(
      'affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80',
    );
  });

  it('truncates names longer than 240 characters with ...', () => {
    const base = 'a'.repeat(300);
    const got = hashAndTruncate(base);
    expect(got).toHaveLength(240);
    expect(got.endsWith('...')).toBe(true);
    expect(got.slice(0, 9)).toBe(hashAndTruncate('a'.repeat(300)).slice(0, 9));
  });

  it('keeps names of exactly 240 characters whole', () => {
    const base = 'b'.repeat(231);
    expect(hashAndTruncate(base)).toHaveLength(240);
    expect(hashAndTruncate(base).endsWith('b')).toBe(true);
  });
});
