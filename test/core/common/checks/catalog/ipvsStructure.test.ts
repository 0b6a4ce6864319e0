import { describe, expect, it } from 'vitest';
import { checkIpvsStructure } from '../../../../../core/common/checks/catalog/ipvsStructure';
import type { ProxyMode } from '../../../../../core/common/model';
import { WEB, world } from '../_builders';
import { IPVS_HEADER, dumps, levelOf } from './_catalog';

const NODE_IP = '192.168.0.11';
const NP = { ...WEB, nodePort: 30080 };

function vs(addr: string): string {
  return `TCP  ${addr} rr\n  -> 10.244.1.5:8080              Masq    1      0          0`;
}

function addr(ifname: string, ip: string, idx = 5): string {
  return `${idx}: ${ifname}    inet ${ip}/32 scope global ${ifname}\\       valid_lft forever preferred_lft forever`;
}

function clusterIpSet(members: string[]): string {
  return ['Name: KUBE-CLUSTER-IP', 'Type: hash:ip,port', 'Revision: 5', 'Header: family inet hashsize 1024 maxelem 65536', 'Size in memory: 408', 'References: 2', `Number of entries: ${members.length}`, 'Members:', ...members].join('\n');
}

interface Input {
  servers: string[];
  bound: string[];
  set?: string[];
  mode?: ProxyMode;
}

const HEALTHY: Input = { servers: [vs('10.96.0.10:80'), vs(`${NODE_IP}:30080`), vs('10.0.0.11:30080')], bound: ['10.96.0.10'], set: ['10.96.0.10,tcp:80'] };

type Case = { name: string; input: Input; expect: RegExp[] };

const cases: Case[] = [
  { name: 'a consistent IPVS node is fine', input: HEALTHY, expect: [] },
  { name: 'a virtual server whose address is not on kube-ipvs0 is reported', input: { ...HEALTHY, bound: [] }, expect: [/1 IPVS virtual server on n1 has its address missing from kube-ipvs0/] },
  { name: 'an address on kube-ipvs0 with no virtual server is a leftover', input: { ...HEALTHY, bound: ['10.96.0.10', '10.96.0.99'] }, expect: [/1 address on kube-ipvs0 of n1 has no IPVS virtual server/] },
  { name: 'a ClusterIP missing from KUBE-CLUSTER-IP is reported', input: { ...HEALTHY, set: [] }, expect: [/1 ClusterIP on n1 is missing from ipset KUBE-CLUSTER-IP/] },
  {
    name: 'a NodePort with a virtual server on one node address but not another is reported',
    input: { ...HEALTHY, servers: [vs('10.96.0.10:80'), vs('10.0.0.11:30080')] },
    expect: [/NodePort 30080 has no IPVS virtual server on 192\.168\.0\.11:30080 of n1/],
  },
  { name: 'nothing is checked on a node that does not run IPVS', input: { ...HEALTHY, bound: [], set: [], mode: 'iptables' }, expect: [] },
];

describe('checkIpvsStructure', () => {
  it.each(cases)('$name', (c) => {
    const i = c.input;
    const ipAddr = [`1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever`, addr('eth0', NODE_IP, 2), addr('eth1', '10.0.0.11', 3), ...i.bound.map((ip) => addr('kube-ipvs0', ip))].join('\n');
    const ctx = levelOf(
      world([NP]),
      { ipvs: dumps.ipvs([IPVS_HEADER, ...i.servers].join('\n')), ipAddr: dumps.ipAddr(ipAddr), ...(i.set ? { ipset: dumps.ipset(clusterIpSet(i.set)) } : {}) },
      { mode: i.mode ?? 'ipvs', index: (index) => index.nodeAddresses.set('n1', [NODE_IP, '10.0.0.11']) },
    );
    const findings = checkIpvsStructure(ctx);
    expect(findings).toHaveLength(c.expect.length);
    findings.forEach((f, k) => {
      expect(f).toMatchObject({ check: 'ipvs-structure', severity: 'medium', node: 'n1' });
      expect(f.title).toMatch(c.expect[k]);
      expect(f.evidence.length).toBeGreaterThan(0);
      expect(f.evidence.every((e) => e.node === 'n1' && e.line > 0)).toBe(true);
    });
  });

  it('knows NodePort virtual servers by the node addresses even without cluster.json', () => {
    const ipAddr = [addr('eth0', NODE_IP, 2), addr('eth1', '10.0.0.11', 3), addr('kube-ipvs0', '10.96.0.10')].join('\n');
    const ctx = levelOf(world([NP]), { ipvs: dumps.ipvs([IPVS_HEADER, ...HEALTHY.servers].join('\n')), ipAddr: dumps.ipAddr(ipAddr) }, { mode: 'ipvs', withCluster: false });
    expect(checkIpvsStructure(ctx)).toEqual([]);
  });

  it('does not judge a KUBE-CLUSTER-IP capture that was cut short', () => {
    const cut = clusterIpSet([]).replace('Number of entries: 0', 'Number of entries: 143');
    const ctx = levelOf(world([NP]), { ipvs: dumps.ipvs([IPVS_HEADER, ...HEALTHY.servers].join('\n')), ipset: dumps.ipset(cut) }, { mode: 'ipvs' });
    expect(checkIpvsStructure(ctx)).toEqual([]);
  });
});
