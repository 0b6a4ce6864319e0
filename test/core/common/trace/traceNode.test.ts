import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderTraceText } from '../../../../core/common/trace/renderTraceText';
import { traceNode } from '../../../../core/common/trace/traceNode';
import { traceOptionsFromCluster } from '../../../../core/common/trace/traceOptionsFromCluster';
import type { TraceQuery } from '../../../../core/common/trace/traceTypes';

// traceNode's contract: validates the query, picks the planes from the node's files, never
// throws, and the text rendering shows rules and end states without passing control
// characters from the dumps to the terminal.

const NAT = `*nat
:PREROUTING ACCEPT [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SVC-X - [0:0]
-A PREROUTING -j KUBE-SERVICES
-A KUBE-SERVICES -d 10.96.0.10/32 -p udp -m udp --dport 53 -j KUBE-SVC-X
-A KUBE-SVC-X -j DNAT --to-destination 10.244.0.3:53
COMMIT
`;
const node = (files: Record<string, string>) => ({ name: 'n1', files });
const DNS: TraceQuery = { dst: '10.96.0.10', port: 53, protocol: 'udp' };

describe('traceNode', () => {
  it.each([
    { name: 'a destination that is not an address', q: { ...DNS, dst: 'kube-dns' }, error: /destination "kube-dns" is not an IP address/ },
    { name: 'a CIDR as destination', q: { ...DNS, dst: '10.96.0.0/12' }, error: /not an IP address/ },
    { name: 'port 0', q: { ...DNS, port: 0 }, error: /port 0 is not a port number/ },
    { name: 'a port above 65535', q: { ...DNS, port: 70000 }, error: /port 70000/ },
    { name: 'an unknown protocol', q: { ...DNS, protocol: 'icmp' as 'tcp' }, error: /protocol "icmp"/ },
    { name: 'a source of the other family', q: { ...DNS, src: 'fd00::1' }, error: /not of the same IP family/ },
  ])('answers $name with an error, not an exception', ({ q, error }) => {
    const r = traceNode(node({ 'iptables-save.txt': NAT }), q);
    expect(r.error).toMatch(error);
    expect(r.planes).toEqual([]);
  });

  it('says which files it looked for when the node has no data-plane dump', () => {
    const r = traceNode(node({ 'node.json': '{}' }), DNS);
    expect(r.error).toMatch(/no data-plane dump for IPv4 \(looked for iptables-save\.txt, .*nft\.json, nft\.txt, ipvsadm\.txt\)/);
  });

  it('looks for ip6tables-save.txt for an IPv6 destination', () => {
    expect(traceNode(node({ 'iptables-save.txt': NAT }), { ...DNS, dst: 'fd00::10' }).error).toMatch(/no data-plane dump for IPv6/);
  });

  it('traces an iptables dump that has no kube-proxy chains, with a note', () => {
    const r = traceNode(node({ 'iptables-save.txt': '*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n' }), DNS);
    expect(r.planes[0].notes.join()).toContain('no KUBE-SERVICES chain');
    expect(r.planes[0].outcomes.map((o) => o.kind)).toEqual(['accept-no-dnat']);
  });

  it('traces every data plane it finds and says kube-proxy runs one of them', () => {
    const nft = `table ip kube-proxy {
\tchain nat-prerouting {
\t\ttype nat hook prerouting priority dstnat; policy accept;
\t\tip daddr 10.96.0.10 udp dport 53 dnat to 10.244.9.9:53
\t}
}
`;
    const r = traceNode(node({ 'iptables-save.txt': NAT, 'nft.txt': nft }), DNS);
    expect(r.planes.map((p) => [p.plane, p.outcomes.map((o) => `${o.ip}:${o.port}`)])).toEqual([
      ['nftables', ['10.244.9.9:53']],
      ['iptables', ['10.244.0.3:53']],
    ]);
    expect(r.notes.join()).toContain('2 data planes');
  });

  it('traces both iptables backends when both hold kube-proxy chains', () => {
    const r = traceNode(node({ 'iptables-save.txt': NAT, 'iptables-legacy-save.txt': NAT.replace('10.244.0.3', '10.244.0.4') }), DNS);
    expect(r.planes.map((p) => p.file)).toEqual(['nodes/n1/iptables-save.txt', 'nodes/n1/iptables-legacy-save.txt']);
    expect(r.notes.join()).toContain('kube-proxy chains in both iptables-save.txt and iptables-legacy-save.txt');
  });

  it('splits 100 endpoints into 100 paths of 1/100 each (kube-proxy probabilities 1/(n-i))', () => {
    const n = 100;
    const rules = Array.from({ length: n }, (_, i) => {
      const stat = i < n - 1 ? ` -m statistic --mode random --probability ${(1 / (n - i)).toFixed(10)}` : '';
      return `-A KUBE-SVC-X${stat} -j DNAT --to-destination 10.244.${i >> 8}.${i & 255}:53`;
    });
    const dump = NAT.replace('-A KUBE-SVC-X -j DNAT --to-destination 10.244.0.3:53', rules.join('\n'));
    const r = traceNode(node({ 'iptables-save.txt': dump }), DNS);
    const ps = r.planes[0].outcomes.map((o) => o.probability);
    expect(ps).toHaveLength(n);
    for (const p of ps) expect(p).toBeCloseTo(1 / n, 9);
    expect(r.planes[0].steps.filter((s) => s.kind === 'end')).toHaveLength(n);
  });

  it('reports the mode kube-proxy says it runs in', () => {
    const r = traceNode(node({ 'iptables-save.txt': NAT, 'proxy-mode.txt': 'iptables\n' }), DNS);
    expect(r.notes).toContain('kube-proxy reports proxy mode "iptables"');
  });

  it('takes the node addresses from ip-addr.txt', () => {
    const dump = NAT.replace('-A KUBE-SVC-X', '-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j DROP\n-A KUBE-SVC-X');
    const addr = '2: eth0    inet 192.168.0.2/24 brd 192.168.0.255 scope global eth0\\       valid_lft forever preferred_lft forever\n';
    const r = traceNode(node({ 'iptables-save.txt': dump, 'ip-addr.txt': addr }), { ...DNS, dst: '192.168.0.2' });
    expect(r.planes[0].outcomes.map((o) => [o.kind, o.when])).toEqual([['drop', []]]);
  });

  it('never throws on arbitrary dump text and queries', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), fc.constantFrom('iptables-save.txt', 'nft.txt', 'nft.json', 'ipvsadm.txt'), fc.integer({ min: -5, max: 70000 }), (text, file, port) => {
        const r = traceNode(node({ [file]: NAT + text }), { ...DNS, port });
        expect(typeof r.node).toBe('string');
      }),
      { numRuns: 200 },
    );
  });
});

describe('traceOptionsFromCluster', () => {
  const clusterJson = JSON.stringify({
    apiVersion: 'v1',
    kind: 'List',
    items: [
      {
        kind: 'Node',
        metadata: { name: 'n1' },
        spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24', 'fd00:10:244:1::/64'] },
        status: { addresses: [{ type: 'InternalIP', address: '172.18.0.3' }, { type: 'Hostname', address: 'n1' }, { type: 'InternalIP', address: 'fd00::3' }] },
      },
    ],
  });

  it('reads the Node addresses of IP type and its pod CIDRs', () => {
    expect(traceOptionsFromCluster(clusterJson, 'n1')).toEqual({
      options: { nodeIPs: ['172.18.0.3', 'fd00::3'], podCIDRs: ['10.244.1.0/24', 'fd00:10:244:1::/64'] },
      notes: [],
    });
  });

  it.each([
    { name: 'no cluster.json', json: undefined, note: /no cluster\.json/ },
    { name: 'an unknown node', json: clusterJson.replace('"n1"', '"n9"'), note: /no Node object named n1/ },
    { name: 'broken JSON', json: '{', note: /cluster\.json not used/ },
  ])('gives no options and a note for $name', ({ json, note }) => {
    const r = traceOptionsFromCluster(json, 'n1');
    expect(r.options).toEqual({});
    expect(r.notes.join()).toMatch(note);
  });
});

describe('renderTraceText', () => {
  it('lists the rules met with line numbers, the branches and the end states', () => {
    const text = renderTraceText(traceNode(node({ 'iptables-save.txt': NAT }), { ...DNS, src: '10.244.1.1' }));
    expect(text).toContain('Trace of udp to 10.96.0.10:53 from 10.244.1.1, node n1 (IPv4)');
    expect(text).toContain('== iptables (nodes/n1/iptables-save.txt)');
    expect(text).toMatch(/\+ L6 +-A KUBE-SERVICES -d 10\.96\.0\.10\/32 -p udp -m udp --dport 53 -j KUBE-SVC-X/);
    expect(text).toMatch(/Outcomes\n +100% +DNAT -> 10\.244\.0\.3:53\n/);
  });

  it('shows control characters from a dump as visible markers', () => {
    const evil = NAT.replace('-j KUBE-SVC-X\n', '-m comment --comment "\u001b[2Jx\u202e" -j KUBE-SVC-X\n');
    const text = renderTraceText(traceNode(node({ 'iptables-save.txt': evil }), DNS));
    expect(text).not.toMatch(/[\u001b\u202e]/);
    expect(text).toContain('<U+001B>');
  });

  it('prints the error of a failed trace', () => {
    expect(renderTraceText(traceNode(node({}), DNS))).toMatch(/error: node n1 has no data-plane dump/);
  });
});
