import { describe, expect, it } from 'vitest';
import { checkIpvsSourceRanges } from '../../../../../core/common/checks/catalog/ipvsSourceRanges';
import { world } from '../_builders';
import type { SvcSpec } from '../_builders';
import { dumps, levelOf } from './_catalog';

const LB: SvcSpec = { ns: 'shop', name: 'web-lb', clusterIP: '10.96.0.30', lbIPs: [{ ip: '203.0.113.7' }], endpoints: [{ ip: '10.244.1.5', node: 'n1' }] };

function ipsetSave(fw: string[], cidrs: string[]): string {
  return [
    'create KUBE-LOAD-BALANCER-FW hash:ip,port family inet hashsize 1024 maxelem 65536',
    ...fw.map((m) => `add KUBE-LOAD-BALANCER-FW ${m}`),
    'create KUBE-LOAD-BALANCER-SOURCE-CIDR hash:ip,port,net family inet hashsize 1024 maxelem 65536',
    ...cidrs.map((m) => `add KUBE-LOAD-BALANCER-SOURCE-CIDR ${m}`),
  ].join('\n');
}

type Case = { name: string; want: string[]; fw: string[]; cidrs: string[]; expect: RegExp | null };

const cases: Case[] = [
  { name: 'no ranges and no firewall entries is fine', want: [], fw: [], cidrs: [], expect: null },
  { name: 'ranges present in the ipsets are fine', want: ['10.0.0.0/8'], fw: ['203.0.113.7,tcp:80'], cidrs: ['203.0.113.7,tcp:80,10.0.0.0/8'], expect: null },
  { name: 'ranges without a KUBE-LOAD-BALANCER-FW entry are not enforced', want: ['10.0.0.0/8'], fw: [], cidrs: [], expect: /does not enforce loadBalancerSourceRanges/ },
  { name: 'a missing range is reported', want: ['10.0.0.0/8', '192.0.2.0/24'], fw: ['203.0.113.7,tcp:80'], cidrs: ['203.0.113.7,tcp:80,10.0.0.0/8'], expect: /different source ranges/ },
  { name: 'firewall entries left after the ranges were removed are reported', want: [], fw: ['203.0.113.7,tcp:80'], cidrs: ['203.0.113.7,tcp:80,10.0.0.0/8'], expect: /still filters by old/ },
];

describe('checkIpvsSourceRanges', () => {
  it.each(cases)('$name', (c) => {
    const w = world([LB]);
    w.expected[0].sourceRanges = c.want;
    const findings = checkIpvsSourceRanges(levelOf(w, { ipset: dumps.ipset(ipsetSave(c.fw, c.cidrs)) }, { mode: 'ipvs' }));
    if (!c.expect) {
      expect(findings).toEqual([]);
      return;
    }
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ check: 'source-ranges', severity: 'medium', node: 'n1', service: 'shop/web-lb' });
    expect(findings[0].title).toMatch(c.expect);
    expect(findings[0].nextSteps.join('\n')).toContain('ipset list KUBE-LOAD-BALANCER-SOURCE-CIDR');
  });

  it('says nothing when ipset.txt lacks the load-balancer sets (partial capture)', () => {
    const w = world([LB]);
    w.expected[0].sourceRanges = ['10.0.0.0/8'];
    expect(checkIpvsSourceRanges(levelOf(w, { ipset: dumps.ipset('create KUBE-CLUSTER-IP hash:ip,port family inet') }, { mode: 'ipvs' }))).toEqual([]);
  });
});
