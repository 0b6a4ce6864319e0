import { describe, expect, it } from 'vitest';
import { checkIpvsAffinity } from '../../../../../core/common/checks/catalog/ipvsAffinity';
import { WEB, world } from '../_builders';
import { IPVS_HEADER, dumps, levelOf } from './_catalog';

type Case = { name: string; want?: number; flags: string[]; expect: RegExp | null };

const cases: Case[] = [
  { name: 'no affinity and no persistence is fine', flags: ['', ''], expect: null },
  { name: 'ClientIP with persistence of timeoutSeconds on every virtual server is fine', want: 10800, flags: [' persistent 10800', ' persistent 10800'], expect: null },
  { name: 'persistence left after sessionAffinity went back to None is reported', flags: [' persistent 10800', ''], expect: /still has IPVS persistence \(10800s\)/ },
  { name: 'ClientIP without persistence is reported', want: 10800, flags: ['', ''], expect: /no IPVS persistence although the Service asks for ClientIP/ },
  { name: 'persistence with another timeout is reported', want: 600, flags: [' persistent 10800', ' persistent 600'], expect: /keeps IPVS persistence for 10800s, the Service says 600s/ },
];

describe('checkIpvsAffinity', () => {
  it.each(cases)('$name', (c) => {
    const w = world([{ ...WEB, nodePort: 30080 }]);
    if (c.want !== undefined) w.expected[0].affinitySeconds = c.want;
    const text = [IPVS_HEADER, `TCP  10.96.0.10:80 rr${c.flags[0]}`, '  -> 10.244.1.5:8080 Masq 1 0 0', `TCP  192.168.0.11:30080 rr${c.flags[1]}`, '  -> 10.244.1.5:8080 Masq 1 0 0'].join('\n');
    const findings = checkIpvsAffinity(levelOf(w, { ipvs: dumps.ipvs(text) }, { mode: 'ipvs' }));
    if (!c.expect) {
      expect(findings).toEqual([]);
      return;
    }
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ check: 'affinity-residue', severity: 'medium', node: 'n1', service: 'shop/web', port: 'http' });
    expect(findings[0].title).toMatch(c.expect);
    expect(findings[0].evidence.some((e) => e.file === 'nodes/n1/ipvsadm.txt')).toBe(true);
  });

  it('does nothing without cluster.json or on other modes', () => {
    const text = [IPVS_HEADER, 'TCP  10.96.0.10:80 rr persistent 10800'].join('\n');
    expect(checkIpvsAffinity(levelOf(world([WEB]), { ipvs: dumps.ipvs(text) }, { mode: 'ipvs', withCluster: false }))).toEqual([]);
    expect(checkIpvsAffinity(levelOf(world([WEB]), { ipvs: dumps.ipvs(text) }, { mode: 'iptables' }))).toEqual([]);
  });
});
