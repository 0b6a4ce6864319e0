import { describe, expect, it } from 'vitest';
import type { ClusterState, Service, ServicePortId } from '../../../../../core/common/model';
import type { IpvsServicePolicies } from '../../../../../core/common/decode/ipvs/decodeIpvs';
import { clusterBuilder } from '../../../../helpers/scenario/clusterBuilder';
import { backendsOf, decodeTexts, summary } from './decodeIpvsHelpers';

// decodeIpvs with a Service list: every virtual server joined to its Service port by
// (protocol, address, port), paths split by traffic policy, and what an ipset / ip-addr capture
// adds when the API is silent. Captures are written here in `ipvsadm -Ln` layout.

// ns/web: LoadBalancer, ETP=Local, ClusterIP 10.96.0.100, externalIP 192.0.2.10, LB 203.0.113.5,
// NodePort 30080, pods 10.244.0.2 (n1) and 10.244.1.2 (n2). ns/db: ITP=Local, 10.96.0.101:5432,
// pod 10.244.1.3 (n2). Node IPs 172.18.0.2 (n1), 172.18.0.3 (n2).
const STATE: ClusterState = clusterBuilder()
  .node('n1')
  .node('n2')
  .service('ns/web', { type: 'LoadBalancer', externalIPs: ['192.0.2.10'], loadBalancerIPs: ['203.0.113.5'], externalTrafficPolicy: 'Local', ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30080 }] })
  .pods('ns/web', 2)
  .service('ns/db', { internalTrafficPolicy: 'Local', ports: [{ port: 5432 }] })
  .pods('ns/db', 1, { nodes: ['n2'] })
  .build();

const POLICIES: Record<string, IpvsServicePolicies> = { web: { internalLocal: false, externalLocal: true }, db: { internalLocal: true, externalLocal: false } };
const policies = (id: ServicePortId) => POLICIES[id.name];

const HEAD = 'IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n';
const rs = (hp: string, weight = 1) => `  -> ${hp.padEnd(28)} Masq    ${String(weight).padEnd(6)} 0          0         `;
const vs = (line: string, ...servers: string[]) => [line, ...servers].join('\n');
const listing = (...blocks: string[]) => `${HEAD}${blocks.join('\n')}\n`;

/** What kube-proxy on n2 programs: web's Local VSs get the n2 pod, db's ClusterIP VS the n2 pod. */
const N2 = listing(
  vs('TCP  10.96.0.100:80 rr', rs('10.244.0.2:8080'), rs('10.244.1.2:8080')),
  vs('TCP  10.96.0.101:5432 rr', rs('10.244.1.3:5432')),
  vs('TCP  127.0.0.1:30080 rr', rs('10.244.1.2:8080')),
  vs('TCP  172.18.0.3:30080 rr', rs('10.244.1.2:8080')),
  vs('TCP  192.0.2.10:80 rr', rs('10.244.1.2:8080')),
  vs('TCP  203.0.113.5:80 rr', rs('10.244.1.2:8080')),
);

const N2_IPSET = `Name: KUBE-EXTERNAL-IP-LOCAL
Type: hash:ip,port
Members:
192.0.2.10,tcp:80

Name: KUBE-LOAD-BALANCER
Type: hash:ip,port
Members:
203.0.113.5,tcp:80

Name: KUBE-LOAD-BALANCER-LOCAL
Type: hash:ip,port
Members:
203.0.113.5,tcp:80

Name: KUBE-NODE-PORT-LOCAL-TCP
Type: bitmap:port
Header: range 0-65535
Members:
30080
`;

describe('decodeIpvs with a Service list', () => {
  it('joins ClusterIP, external IP, LB IP and NodePort virtual servers to their Service port and splits paths by policy', () => {
    const p = decodeTexts({ ipvsadm: N2 }, { node: 'n2', state: STATE, nodeIPs: ['172.18.0.3'], policies });
    expect(summary(p)).toEqual({
      'ns/web:http': {
        frontends: ['cluster-ip 10.96.0.100:80>cluster', 'external-ip 192.0.2.10:80>local', 'load-balancer 203.0.113.5:80>local', 'node-port *:30080>local'],
        cluster: ['10.244.0.2:8080', '10.244.1.2:8080'],
        local: ['10.244.1.2:8080'],
      },
      'ns/db': { frontends: ['cluster-ip 10.96.0.101:5432>local'], local: ['10.244.1.3:5432'] },
    });
    const web = p.servicePorts[0];
    expect(web.id).toEqual({ namespace: 'ns', name: 'web', portName: 'http', protocol: 'tcp' });
    expect(web.idSource).toBe('comment');
    expect(web.chains).toEqual(['TCP 10.96.0.100:80', 'TCP 192.0.2.10:80', 'TCP 203.0.113.5:80', 'TCP 127.0.0.1:30080', 'TCP 172.18.0.3:30080']);
    expect(web.localPath?.chain).toBe('TCP 192.0.2.10:80');
    expect(web.frontends[3].extraEvidence?.map((e) => e.raw)).toEqual(['TCP  172.18.0.3:30080 rr']);
    expect(p.facts.unmappedChains).toEqual([]);
  });

  it.each([
    { name: 'the API policies', ipset: undefined, withPolicies: true, local: true },
    { name: 'the *-LOCAL ipsets when the API says nothing', ipset: N2_IPSET, withPolicies: false, local: true },
    { name: 'nothing (Cluster) without API policies or ipsets', ipset: undefined, withPolicies: false, local: false },
  ])('takes ETP=Local from $name', ({ ipset, withPolicies, local }) => {
    const p = decodeTexts({ ipvsadm: N2, ...(ipset ? { ipset } : {}) }, { node: 'n2', state: STATE, nodeIPs: ['172.18.0.3'], ...(withPolicies ? { policies } : {}) });
    const web = p.servicePorts.find((sp) => sp.id?.name === 'web')!;
    expect(web.frontends.map((f) => f.path)).toEqual(['cluster', ...Array(3).fill(local ? 'local' : 'cluster')]);
  });

  it('keeps the union when virtual servers of one path disagree, and every VS set in the steps', () => {
    const text = listing(
      vs('TCP  10.96.0.100:80 rr', rs('10.244.0.2:8080'), rs('10.244.1.2:8080')),
      vs('TCP  172.18.0.3:30080 rr', rs('10.244.0.2:8080'), rs('10.244.0.9:8080')),
    );
    const web = decodeTexts({ ipvsadm: text }, { state: STATE, nodeIPs: ['172.18.0.3'] }).servicePorts[0];
    expect(backendsOf(web.clusterPath)).toEqual(['10.244.0.2:8080', '10.244.1.2:8080', '10.244.0.9:8080']);
    expect(web.clusterPath?.steps.map((s) => [s.target, s.key, s.probability])).toEqual([
      ['TCP 10.96.0.100:80 -> 10.244.0.2:8080', 0, 0.5],
      ['TCP 10.96.0.100:80 -> 10.244.1.2:8080', 1, 0.5],
      ['TCP 172.18.0.3:30080 -> 10.244.0.2:8080', 2, 0.5],
      ['TCP 172.18.0.3:30080 -> 10.244.0.9:8080', 3, 0.5],
    ]);
    expect(web.clusterPath?.backends[0].evidence.map((e) => e.line)).toEqual([4, 5, 7, 8]);
  });

  it('gives a backend the lowest weight any of its virtual servers has', () => {
    const text = listing(vs('TCP  10.96.0.100:80 rr', rs('10.244.0.2:8080', 0), rs('10.244.1.2:8080')), vs('TCP  172.18.0.3:30080 rr', rs('10.244.0.2:8080'), rs('10.244.1.2:8080')));
    const web = decodeTexts({ ipvsadm: text }, { state: STATE, nodeIPs: ['172.18.0.3'] }).servicePorts[0];
    expect(web.clusterPath?.backends.map((b) => [b.ip, b.weight, b.probability])).toEqual([
      ['10.244.0.2', 0, 0],
      ['10.244.1.2', 1, 0.5],
    ]);
  });

  it.each([
    { name: 'weights 3 and 1 (wrr)', weights: [3, 1], want: [0.75, 0.25] },
    { name: 'equal weights', weights: [1, 1, 1, 1], want: [0.25, 0.25, 0.25, 0.25] },
    { name: 'every weight 0', weights: [0, 0], want: [0, 0] },
  ])('gives each real server weight / sum as its probability: $name', ({ weights, want }) => {
    const text = listing(vs('TCP  10.96.0.100:80 wrr', ...weights.map((w, i) => rs(`10.244.0.${i + 2}:8080`, w))));
    const web = decodeTexts({ ipvsadm: text }, { state: STATE }).servicePorts[0];
    expect(web.clusterPath?.backends.map((b) => b.probability)).toEqual(want);
    expect(web.clusterPath?.backends.map((b) => b.weight)).toEqual(weights);
  });

  it.each([
    { name: 'a node address with a port no Service has', line: 'TCP  172.18.0.3:31999 rr', label: 'TCP *:31999 (NodePort)', kind: 'node-port' },
    { name: 'an address no Service has', line: 'TCP  10.96.0.250:80 rr', label: 'TCP 10.96.0.250:80', kind: 'cluster-ip' },
    { name: 'a Service address with another port', line: 'TCP  10.96.0.100:81 rr', label: 'TCP 10.96.0.100:81', kind: 'cluster-ip' },
    { name: 'the right address with the wrong protocol', line: 'UDP  10.96.0.100:80 rr', label: 'UDP 10.96.0.100:80', kind: 'cluster-ip' },
  ])('leaves a virtual server on $name unidentified and unmapped', ({ line, label, kind }) => {
    const p = decodeTexts({ ipvsadm: listing(vs(line, rs('10.244.0.7:80'))) }, { state: STATE, nodeIPs: ['172.18.0.3'] });
    expect(p.servicePorts.map((sp) => [sp.id, sp.label, sp.frontends[0].kind])).toEqual([[null, label, kind]]);
    expect(p.facts.unmappedChains.map((c) => [c.chain, c.evidence.line])).toEqual([[line.replace(/ {2}/, ' ').replace(/ rr$/, ''), 4]]);
  });

  it('finds a NodePort virtual server on an address only the ip-addr capture knows (docker0)', () => {
    const ipAddr = '5: docker0    inet 172.17.0.1/16 brd 172.17.255.255 scope global docker0\\       valid_lft forever preferred_lft forever\n';
    const text = listing(vs('TCP  172.17.0.1:30080 rr', rs('10.244.0.2:8080')));
    const p = decodeTexts({ ipvsadm: text, ipAddr }, { state: STATE, nodeIPs: ['172.18.0.3'] });
    expect(p.servicePorts.map((sp) => [sp.label, sp.frontends[0].kind])).toEqual([['ns/web:http', 'node-port']]);
  });

  it('reads frontend kinds from the ipsets and kube-ipvs0 without a Service list', () => {
    const ipAddr = [
      '2: eth0    inet 172.18.0.3/16 brd 172.18.255.255 scope global eth0\\       valid_lft forever preferred_lft forever',
      '3: kube-ipvs0    inet 10.96.0.100/32 scope global kube-ipvs0\\       valid_lft forever preferred_lft forever',
      '3: kube-ipvs0    inet 192.0.2.10/32 scope global kube-ipvs0\\       valid_lft forever preferred_lft forever',
      '3: kube-ipvs0    inet 203.0.113.5/32 scope global kube-ipvs0\\       valid_lft forever preferred_lft forever',
      '',
    ].join('\n');
    const p = decodeTexts({ ipvsadm: N2, ipset: N2_IPSET, ipAddr }, { node: 'n2' });
    expect(summary(p)).toEqual({
      'TCP 10.96.0.100:80': { frontends: ['cluster-ip 10.96.0.100:80>cluster'], cluster: ['10.244.0.2:8080', '10.244.1.2:8080'] },
      'TCP 10.96.0.101:5432': { frontends: ['cluster-ip 10.96.0.101:5432>cluster'], cluster: ['10.244.1.3:5432'] },
      'TCP *:30080 (NodePort)': { frontends: ['node-port *:30080>local'], local: ['10.244.1.2:8080'] },
      'TCP 192.0.2.10:80': { frontends: ['external-ip 192.0.2.10:80>local'], local: ['10.244.1.2:8080'] },
      'TCP 203.0.113.5:80': { frontends: ['load-balancer 203.0.113.5:80>local'], local: ['10.244.1.2:8080'] },
    });
  });

  it('reads loadBalancerSourceRanges from KUBE-LOAD-BALANCER-FW and KUBE-LOAD-BALANCER-SOURCE-CIDR', () => {
    const ipset = `Name: KUBE-LOAD-BALANCER-FW\nType: hash:ip,port\nMembers:\n203.0.113.5,tcp:80\n\nName: KUBE-LOAD-BALANCER-SOURCE-CIDR\nType: hash:ip,port,net\nMembers:\n203.0.113.5,tcp:80,10.0.0.0/8\n203.0.113.5,tcp:80,192.168.0.0/16\n203.0.113.5,tcp:443,172.16.0.0/12\n`;
    const p = decodeTexts({ ipvsadm: N2, ipset }, { node: 'n2', state: STATE, nodeIPs: ['172.18.0.3'], policies });
    const web = p.servicePorts.find((sp) => sp.id?.name === 'web')!;
    expect([web.firewallChain, web.sourceRanges]).toEqual(['KUBE-SOURCE-RANGES-FIREWALL', ['10.0.0.0/8', '192.168.0.0/16']]);
    expect(p.servicePorts.find((sp) => sp.id?.name === 'db')?.firewallChain).toBeUndefined();
  });

  it('reads one Service port once when a capture holds `-Ln` and `--stats` of the same virtual server', () => {
    const stats = 'Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes\n  -> RemoteAddress:Port\nTCP  10.96.0.100:80                       5       10       10      600      600\n  -> 10.244.0.2:8080                       5       10       10      600      600\n';
    const p = decodeTexts({ ipvsadm: `${stats}${listing(vs('TCP  10.96.0.100:80 rr', rs('10.244.0.2:8080'), rs('10.244.1.2:8080')))}` }, { state: STATE });
    expect(p.servicePorts).toHaveLength(1);
    expect(p.servicePorts[0].clusterPath?.backends.map((b) => [b.ip, b.weight])).toEqual([
      ['10.244.0.2', 1],
      ['10.244.1.2', 1],
    ]);
  });

  it('decodes only the virtual servers of the requested family, IPv6 ones joined by address', () => {
    const v6: Service = {
      kind: 'Service',
      metadata: { namespace: 'kube-system', name: 'dns6' },
      spec: { clusterIP: 'fd00:10:96::a', clusterIPs: ['fd00:10:96::a'], ipFamilies: ['IPv6'], ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] },
    };
    const text = listing(vs('TCP  10.96.0.100:80 rr', rs('10.244.0.2:8080')), vs('UDP  [fd00:10:96::a]:53 rr', rs('[fd00:10:244::2]:53'), rs('[fd00:10:244::3]:53')));
    const state = { ...STATE, services: [...STATE.services, v6] };
    const p6 = decodeTexts({ ipvsadm: text }, { state, family: 6 });
    expect(p6.family).toBe(6);
    expect(summary(p6)).toEqual({ 'kube-system/dns6:dns': { frontends: ['cluster-ip fd00:10:96::a:53>cluster'], cluster: ['[fd00:10:244::2]:53', '[fd00:10:244::3]:53'] } });
    expect(p6.servicePorts[0].chains).toEqual(['UDP [fd00:10:96::a]:53']);
    expect(Object.keys(summary(decodeTexts({ ipvsadm: text }, { state, family: 4 })))).toEqual(['ns/web:http']);
  });

  it('has no markers: IPVS writes no REJECT or DROP for a Service without endpoints', () => {
    const p = decodeTexts({ ipvsadm: listing('TCP  10.96.0.101:5432 rr') }, { state: STATE, policies });
    expect(p.servicePorts).toMatchObject([{ label: 'ns/db', markers: [], localPath: { backends: [], steps: [] } }]);
  });

  it('decodes 10 000 virtual servers into 10 000 Service ports', () => {
    const blocks: string[] = [];
    for (let i = 0; i < 10_000; i++) blocks.push(vs(`TCP  10.97.${i >> 8}.${i & 255}:80 rr`, rs(`10.244.${i >> 8}.${i & 255}:8080`), rs(`10.245.${i >> 8}.${i & 255}:8080`)));
    const p = decodeTexts({ ipvsadm: listing(...blocks) });
    expect(p.servicePorts).toHaveLength(10_000);
    expect(p.servicePorts[9_999].clusterPath?.backends).toHaveLength(2);
  });
});
