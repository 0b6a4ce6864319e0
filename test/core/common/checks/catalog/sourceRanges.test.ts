import { describe, expect, it } from 'vitest';
import { checkSourceRanges } from '../../../../../core/common/checks/catalog/sourceRanges';
import type { ProxyMode } from '../../../../../core/common/model';
import { ctxOf, ev, spOf, world } from '../_builders';
import type { SvcSpec } from '../_builders';

const LB: SvcSpec = { ns: 'shop', name: 'web-lb', clusterIP: '10.96.0.30', lbIPs: [{ ip: '203.0.113.7' }], endpoints: [{ ip: '10.244.1.5', node: 'n1' }] };

type Case = {
  name: string;
  spec?: SvcSpec;
  want: string[];
  /** Ranges in the firewall chain; undefined = no firewall chain. */
  have?: string[];
  mode?: ProxyMode;
  expect: { severity: string; node: string | null; title: RegExp }[];
};

const cases: Case[] = [
  { name: 'no ranges and no firewall chain is fine', want: [], expect: [] },
  { name: 'the same ranges on both sides are fine (compared as networks)', want: ['10.1.2.3/8', '192.0.2.0/24'], have: ['192.0.2.0/24', '10.0.0.0/8'], expect: [] },
  { name: 'ranges the node does not enforce are reported', want: ['10.0.0.0/8'], expect: [{ severity: 'medium', node: 'n1', title: /does not enforce loadBalancerSourceRanges/ }] },
  { name: 'a firewall left after the ranges were removed is reported', want: [], have: ['10.0.0.0/8'], expect: [{ severity: 'medium', node: 'n1', title: /still filters by old loadBalancerSourceRanges/ }] },
  { name: 'a missing and an extra range are reported', want: ['10.0.0.0/8', '192.0.2.0/24'], have: ['10.0.0.0/8', '198.51.100.0/24'], expect: [{ severity: 'medium', node: 'n1', title: /different source ranges/ }] },
  {
    name: 'ranges on a Service with a NodePort add a cluster-wide note that the NodePort bypasses them',
    spec: { ...LB, nodePort: 30080 },
    want: ['10.0.0.0/8'],
    have: ['10.0.0.0/8'],
    expect: [{ severity: 'info', node: null, title: /NodePort 30080 bypasses loadBalancerSourceRanges/ }],
  },
  { name: 'IPVS nodes are checked from their ipsets instead', want: ['10.0.0.0/8'], mode: 'ipvs', expect: [] },
];

describe('checkSourceRanges', () => {
  it.each(cases)('$name', (c) => {
    const spec = c.spec ?? LB;
    const w = world([spec]);
    w.programmed.mode = c.mode ?? 'iptables';
    w.expected[0].sourceRanges = c.want;
    w.services[0].spec.loadBalancerSourceRanges = c.want;
    if (c.have) {
      const sp = spOf(w, spec.name);
      sp.firewallChain = 'KUBE-FW-WEBLB';
      sp.sourceRanges = c.have;
      sp.frontends[1] = { ...sp.frontends[1], path: 'firewall', target: 'KUBE-FW-WEBLB', evidence: ev('-A KUBE-SERVICES -d 203.0.113.7/32 -p tcp --dport 80 -j KUBE-FW-WEBLB') };
    }
    const findings = checkSourceRanges(ctxOf(w));
    expect(findings.map((f) => f.severity)).toEqual(c.expect.map((e) => e.severity));
    findings.forEach((f, i) => {
      expect(f).toMatchObject({ check: 'source-ranges', node: c.expect[i].node, service: `shop/${spec.name}`, port: 'http' });
      expect(f.title).toMatch(c.expect[i].title);
    });
  });

  it('names the missing and the extra range', () => {
    const w = world([LB]);
    w.expected[0].sourceRanges = ['10.0.0.0/8', '192.0.2.0/24'];
    const sp = spOf(w, 'web-lb');
    sp.firewallChain = 'KUBE-FW-WEBLB';
    sp.sourceRanges = ['10.0.0.0/8', '198.51.100.0/24'];
    const f = checkSourceRanges(ctxOf(w))[0];
    expect(f.message).toContain('192.0.2.0/24 is missing');
    expect(f.message).toContain('198.51.100.0/24 is still allowed');
  });

  it('does not expect a firewall for a Service without endpoints (kube-proxy builds none)', () => {
    const w = world([{ ...LB, endpoints: [] }]);
    w.expected[0].sourceRanges = ['10.0.0.0/8'];
    expect(checkSourceRanges(ctxOf(w))).toEqual([]);
  });
});
