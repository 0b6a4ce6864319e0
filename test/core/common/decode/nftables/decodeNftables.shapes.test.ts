import { describe, expect, it } from 'vitest';
import type { Service } from '../../../../../core/common/model';
import { nftEndpointChainName, nftServiceChainName } from '../../../../../core/common/kube/chainNames';
import { buildNftNameTable } from '../../../../../core/common/kube/nftNameTable';
import { svc } from '../../kube/kubeFixtures';
import { backendsOf, frontendLine, markerLines, servicePort } from '../iptables/decodeHelpers';
import { decodeNftText } from './nftDecodeHelpers';

// Small hand-written kube-proxy tables, one rule shape or deviation each
// (shapes from kubernetes pkg/proxy/nftables/proxier.go v1.34).

const SVC1 = 'service-ULMVA6XW-ns1/svc1/tcp/p80';
const LOCAL1 = 'local-ULMVA6XW-ns1/svc1/tcp/p80';
const EXT1 = 'external-ULMVA6XW-ns1/svc1/tcp/p80';
const FW1 = 'firewall-ULMVA6XW-ns1/svc1/tcp/p80';
const EP1 = 'endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80';
const EP2 = nftEndpointChainName('ns1', 'svc1', 'tcp', 'p80', '10.180.0.2', 80);
const EP3 = nftEndpointChainName('ns1', 'svc1', 'tcp', 'p80', '10.180.0.3', 80);

/** A kube-proxy table as an `nft -f` transaction: `chain: rule` lines become `add rule`, `+set name { … }` elements. */
function table(lines: string[], family: 'ip' | 'ip6' = 'ip'): string {
  const out = [`add table ${family} kube-proxy { comment "rules for kube-proxy" ; }`];
  for (const l of lines) {
    if (l.startsWith('+')) {
      const sp = l.indexOf(' ');
      out.push(`add element ${family} kube-proxy ${l.slice(1, sp)} ${l.slice(sp + 1)}`);
    } else if (l.startsWith('add ')) {
      out.push(l.replace('add set ', `add set ${family} kube-proxy `).replace('add map ', `add map ${family} kube-proxy `));
    } else {
      const colon = l.indexOf(': ');
      out.push(`add rule ${family} kube-proxy ${l.slice(0, colon)} ${l.slice(colon + 2)}`);
    }
  }
  return out.join('\n') + '\n';
}

const endpoint = (chain: string, ip: string): string[] => [`${chain}: ip saddr ${ip} jump mark-for-masquerade`, `${chain}: meta l4proto tcp dnat to ${ip}:80`];
const services1: Service[] = [
  svc('ns1', 'svc1', { clusterIP: '172.30.0.41', externalIPs: ['192.168.99.1'], ports: [{ name: 'p80', port: 80, nodePort: 3001 }] }),
];

describe('decodeNftables load-balancing shapes', () => {
  it('reads a single `goto endpoint-…` without numgen as one unconditional step', () => {
    const node = decodeNftText(table([`${SVC1}: goto ${EP1}`, ...endpoint(EP1, '10.180.0.1'), `+service-ips { 172.30.0.41 . tcp . 80 : goto ${SVC1} }`]), null);
    const path = servicePort(node, 'ns1/svc1:p80').clusterPath;
    expect(path?.steps.map((s) => [s.key, s.probability])).toEqual([[undefined, undefined]]);
    expect(path?.backends.map((b) => [b.ip, b.probability])).toEqual([['10.180.0.1', 1]]);
  });

  it.each([
    { name: 'a missing numgen key leaves a share undNATed', arms: `0 : goto ${EP1}, 1 : goto ${EP2}`, mod: 3, keys: [0, 1], shares: [1 / 3, 1 / 3] },
    { name: 'an out-of-range key never matches', arms: `0 : goto ${EP1}, 5 : goto ${EP2}`, mod: 2, keys: [0, 5], shares: [0.5, 0] },
    { name: 'two arms to one endpoint add up', arms: `0 : goto ${EP1}, 1 : goto ${EP1}, 2 : goto ${EP2}`, mod: 3, keys: [0, 1, 2], shares: [2 / 3, 1 / 3] },
  ])('numgen: $name', ({ arms, mod, keys, shares }) => {
    const node = decodeNftText(
      table([`${SVC1}: numgen random mod ${mod} vmap { ${arms} }`, ...endpoint(EP1, '10.180.0.1'), ...endpoint(EP2, '10.180.0.2')]),
      null,
    );
    const path = servicePort(node, 'ns1/svc1:p80').clusterPath;
    expect(path?.steps.map((s) => s.key)).toEqual(keys);
    expect(path?.steps.every((s) => s.probability === 1 / mod)).toBe(true);
    const got = path?.backends.map((b) => b.probability) ?? [];
    expect(got).toHaveLength(shares.length);
    got.forEach((p, i) => expect(p).toBeCloseTo(shares[i], 12));
  });

  it('ETP=Local: external- short-circuits pod and host traffic to service- and sends the rest to local-', () => {
    const node = decodeNftText(
      table([
        'add set affinity-X { type ipv4_addr ; flags dynamic,timeout ; timeout 600s ; }',
        `${EXT1}: ip saddr 10.0.0.0/8 goto ${SVC1} comment "short-circuit pod traffic"`,
        `${EXT1}: fib saddr type local jump mark-for-masquerade comment "masquerade local traffic"`,
        `${EXT1}: fib saddr type local goto ${SVC1} comment "short-circuit local traffic"`,
        `${EXT1}: goto ${LOCAL1}`,
        `${SVC1}: numgen random mod 2 vmap { 0 : goto ${EP1}, 1 : goto ${EP2} }`,
        `${LOCAL1}: ip saddr @affinity-X goto ${EP2}`,
        `${LOCAL1}: numgen random mod 1 vmap { 0 : goto ${EP2} }`,
        ...endpoint(EP1, '10.180.0.1'),
        ...endpoint(EP2, '10.180.0.2'),
        `+service-ips { 192.168.99.1 . tcp . 80 : goto ${EXT1} }`,
        `+service-nodeports { tcp . 3001 : goto ${EXT1} }`,
      ]),
      buildNftNameTable(services1, 4),
    );
    const sp = servicePort(node, 'ns1/svc1:p80');
    expect(sp.idSource).toBe('hash');
    expect(sp.frontends.map(frontendLine)).toEqual([`external-ip 192.168.99.1:80/tcp -> ${EXT1} (external)`, `node-port *:3001/tcp -> ${EXT1} (external)`]);
    expect(sp.externalChain).toBe(EXT1);
    expect(sp.clusterPath?.chain).toBe(SVC1);
    expect(sp.localPath?.chain).toBe(LOCAL1);
    expect(backendsOf(sp.clusterPath)).toEqual(['10.180.0.1:80', '10.180.0.2:80']);
    expect(backendsOf(sp.localPath)).toEqual(['10.180.0.2:80']);
    expect(sp.localPath?.affinitySeconds).toBe(600);
    expect(sp.clusterPath?.affinitySeconds).toBeUndefined();
  });

  it('ITP=Local without local endpoints: the ClusterIP drop element is a no-local-endpoints marker', () => {
    const node = decodeNftText(table(['+cluster-ips { 172.30.0.41 }', '+no-endpoint-services { 172.30.0.41 . tcp . 80 comment "ns1/svc1:p80" : drop }']), null);
    expect(markerLines(servicePort(node, 'ns1/svc1:p80'))).toEqual(['drop no-local-endpoints cluster-ip 172.30.0.41:80/tcp']);
  });

  it('firewall-: source ranges without the allow-from-node LB IP, one drop marker per guarded LB address', () => {
    const node = decodeNftText(
      table([
        `${FW1}: ip saddr != { 203.0.113.0/25, 198.51.100.0/24, 5.6.7.8 } drop`,
        `+firewall-ips { 5.6.7.8 . tcp . 80 comment "ns1/svc1:p80" : goto ${FW1} }`,
        `+firewall-ips { 5.6.7.9 . tcp . 80 comment "ns1/svc1:p80" : goto ${FW1} }`,
      ]),
      null,
    );
    const sp = servicePort(node, 'ns1/svc1:p80');
    expect(sp.firewallChain).toBe(FW1);
    expect(sp.sourceRanges).toEqual(['203.0.113.0/25', '198.51.100.0/24']);
    expect(markerLines(sp)).toEqual(['drop firewall load-balancer 5.6.7.8:80/tcp', 'drop firewall load-balancer 5.6.7.9:80/tcp']);
  });

  it('a drop written into a service chain is kept as an "other" marker', () => {
    const node = decodeNftText(table([`${SVC1}: ip saddr 1.2.3.4 drop`, `${SVC1}: goto ${EP1}`, ...endpoint(EP1, '10.180.0.1')]), null);
    expect(markerLines(servicePort(node, 'ns1/svc1:p80'))).toEqual(['drop other']);
  });
});

describe('decodeNftables identity and chain-name verification', () => {
  const bad = 'service-AAAAAAAA-ns1/svc1/tcp/p80';
  const forged = 'service-ULMVA6XW-ns1/svc9/tcp/p80';

  it.each([
    { name: 'a hand-made hash, no name table', chain: bad, names: null, id: 'ns1/svc1:p80', expected: SVC1 },
    { name: 'a hand-made hash, with the name table', chain: bad, names: services1, id: 'ns1/svc1:p80', expected: SVC1 },
    { name: 'svc1’s hash with svc9’s name', chain: forged, names: services1, id: 'ns1/svc9:p80', expected: nftServiceChainName('service', 'ns1', 'svc9', 'tcp', 'p80') },
  ])('$name: identified by the readable name, reported as a name mismatch', ({ chain, names, id, expected }) => {
    const node = decodeNftText(table([`${chain}: goto ${EP1}`, ...endpoint(EP1, '10.180.0.1'), `+service-ips { 172.30.0.41 . tcp . 80 : goto ${chain} }`]), names && buildNftNameTable(names, 4));
    const sp = servicePort(node, id);
    expect(sp.idSource).toBe('comment');
    expect(node.nameMismatches.filter((m) => m.chain === chain).map((m) => [m.claimed, m.expected])).toEqual([[`${id} tcp`, [expected]]]);
  });

  it('an endpoint chain whose name is not its dnat target is a name mismatch citing the dnat rule', () => {
    const node = decodeNftText(table([`${SVC1}: goto ${EP1}`, ...endpoint(EP1, '10.180.0.9')]), null);
    expect(node.nameMismatches).toEqual([
      {
        chain: EP1,
        claimed: 'ns1/svc1:p80 tcp -> 10.180.0.9:80',
        expected: [nftEndpointChainName('ns1', 'svc1', 'tcp', 'p80', '10.180.0.9', 80)],
        evidence: expect.objectContaining({ raw: `add rule ip kube-proxy ${EP1} meta l4proto tcp dnat to 10.180.0.9:80` }),
      },
    ]);
  });

  it('with verifyEndpointNames false the endpoint names are not recomputed', async () => {
    const { decodeNftables } = await import('../../../../../core/common/decode/nftables/decodeNftables');
    const { parseNftDump } = await import('../../../../../core/common/parse/nftDump');
    const rs = parseNftDump(table([`${SVC1}: goto ${EP1}`, ...endpoint(EP1, '10.180.0.9')]));
    expect(decodeNftables(rs, { node: 'n', file: 'f', family: 4, names: null, verifyEndpointNames: false }).nameMismatches).toEqual([]);
  });

  it('maps names kube-proxy truncated (hashAndTruncate) through the hash; without the name table they stay unmapped', () => {
    const ns = 'n'.repeat(63);
    const name = 's'.repeat(180);
    const long = [svc(ns, name, { clusterIP: '172.30.0.50', ports: [{ name: 'http', port: 80 }] })];
    const chain = nftServiceChainName('service', ns, name, 'tcp', 'http');
    const ep = nftEndpointChainName(ns, name, 'tcp', 'http', '10.180.0.1', 80);
    expect(chain.endsWith('...')).toBe(true);
    const text = table([`${chain}: goto ${ep}`, ...endpoint(ep, '10.180.0.1'), `+service-ips { 172.30.0.50 . tcp . 80 : goto ${chain} }`]);
    const withNames = decodeNftText(text, buildNftNameTable(long, 4));
    expect(withNames.servicePorts.map((s) => [s.id?.name.length, s.idSource])).toEqual([[180, 'hash']]);
    expect(withNames.nameMismatches).toEqual([]);
    const without = decodeNftText(text, null);
    expect(without.servicePorts[0].id).toBeNull();
    expect(without.facts.unmappedChains.map((u) => u.chain)).toEqual([chain, ep]);
  });

  it('an unshaped chain is a Service port of its own, identified by the Service list or else unmapped', () => {
    const text = table([`service-foo/bar: goto ${EP1}`, ...endpoint(EP1, '10.180.0.1'), '+cluster-ips { 172.30.0.41 }', '+service-ips { 172.30.0.41 . tcp . 80 : goto service-foo/bar }']);
    expect(servicePort(decodeNftText(text, buildNftNameTable(services1, 4)), 'ns1/svc1:p80').chains).toEqual(['service-foo/bar', EP1]);
    // Without the Service list the endpoint chain's name still says whose it is.
    expect(servicePort(decodeNftText(text, null), 'ns1/svc1:p80').idSource).toBe('comment');
    const opaque = table(['service-foo/bar: goto endpoint-foo/bar', 'endpoint-foo/bar: meta l4proto tcp dnat to 10.1.1.1:80', '+service-ips { 172.30.0.41 . tcp . 80 : goto service-foo/bar }']);
    const node = decodeNftText(opaque, null);
    expect(node.servicePorts.map((s) => [s.label, s.idSource])).toEqual([['service-foo/bar', 'none']]);
    expect(node.facts.unmappedChains.map((u) => u.chain)).toEqual(['service-foo/bar', 'endpoint-foo/bar']);
  });

  it.each([
    { name: 'by the Service list', names: services1, label: 'ns1/svc1:p80' },
    { name: 'as an address of its own without it', names: null, label: 'tcp 192.168.99.1:80' },
  ])('a no-endpoints element without comment for an address outside cluster-ips is placed $name', ({ names, label }) => {
    const text = table(['+cluster-ips { 172.30.0.41 }', '+no-endpoint-services { 192.168.99.1 . tcp . 80 : goto reject-chain }']);
    const node = decodeNftText(text, names && buildNftNameTable(names, 4));
    expect(node.servicePorts.map((s) => s.label)).toEqual([label]);
    expect(markerLines(node.servicePorts[0])).toEqual(['reject no-endpoints external-ip 192.168.99.1:80/tcp']);
  });
});

describe('decodeNftables leftovers and absent tables', () => {
  it('ignores flushed stale chains (empty, unreferenced) but keeps an empty chain a map still points at', () => {
    const text = table([
      `add chain ip kube-proxy ${EP3}`,
      'add chain ip kube-proxy service-GONEGONE-ns9/gone/tcp/p80',
      `add chain ip kube-proxy ${SVC1}`,
      `+service-ips { 172.30.0.41 . tcp . 80 : goto ${SVC1} }`,
    ]);
    const node = decodeNftText(text, null);
    expect(node.servicePorts.map((s) => [s.label, s.chains])).toEqual([['ns1/svc1:p80', [SVC1]]]);
    expect(node.facts.unmappedChains).toEqual([]);
  });

  it('puts an endpoint chain nothing reaches into the group of the Service its name spells', () => {
    const node = decodeNftText(table([`${SVC1}: goto ${EP1}`, ...endpoint(EP1, '10.180.0.1'), ...endpoint(EP2, '10.180.0.2')]), null);
    const sp = servicePort(node, 'ns1/svc1:p80');
    expect(sp.chains).toEqual([SVC1, EP1, EP2]);
    expect(backendsOf(sp.clusterPath)).toEqual(['10.180.0.1:80']);
    const orphan = decodeNftText(table(endpoint(EP2, '10.180.0.2')), null);
    expect(orphan.servicePorts.map((s) => [s.label, s.frontends.length, s.chains])).toEqual([['ns1/svc1:p80', 0, [EP2]]]);
  });

  it.each([
    { name: 'an empty input', text: '' },
    { name: 'only iptables-nft tables', text: 'table ip nat {\n\tchain KUBE-SERVICES {\n\t}\n}\n' },
    { name: 'only the other family', text: table([`${SVC1}: goto ${EP1}`], 'ip6') },
  ])('returns an empty nftables model for $name', ({ text }) => {
    expect(decodeNftText(text, null, 4)).toEqual({
      node: 'node-a',
      mode: 'nftables',
      family: 4,
      servicePorts: [],
      nameMismatches: [],
      facts: { unmappedChains: [], endpointCommentsPresent: true, file: 'nodes/node-a/nft.txt' },
    });
  });
});
