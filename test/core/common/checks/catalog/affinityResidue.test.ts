import { describe, expect, it } from 'vitest';
import { checkAffinityResidue } from '../../../../../core/common/checks/catalog/affinityResidue';
import type { ProxyMode } from '../../../../../core/common/model';
import { WEB, ctxOf, ev, spOf, world } from '../_builders';

type Case = { name: string; want?: number; have?: number; mode?: ProxyMode; expect: RegExp | null };

const cases: Case[] = [
  { name: 'no affinity on either side is fine', expect: null },
  { name: 'ClientIP programmed with the Service timeout is fine', want: 10800, have: 10800, expect: null },
  { name: 'affinity rules left after sessionAffinity went back to None are reported', have: 10800, expect: /still has ClientIP session affinity \(10800s\)/ },
  { name: 'ClientIP without affinity rules is reported', want: 10800, expect: /no session affinity although the Service asks for ClientIP/ },
  { name: 'a timeout that differs from timeoutSeconds is reported', want: 600, have: 10800, expect: /keeps session affinity for 10800s, the Service says 600s/ },
  { name: 'IPVS nodes are left to the per-virtual-server check', have: 10800, mode: 'ipvs', expect: null },
];

describe('checkAffinityResidue', () => {
  it.each(cases)('$name', (c) => {
    const w = world([WEB]);
    w.programmed.mode = c.mode ?? 'iptables';
    if (c.want !== undefined) {
      w.expected[0].affinitySeconds = c.want;
      w.services[0].spec.sessionAffinity = 'ClientIP';
    }
    const path = spOf(w, 'web').clusterPath!;
    if (c.have !== undefined) {
      path.affinitySeconds = c.have;
      path.evidence.push(ev(`-A ${path.chain} -m recent --name KUBE-SEP-X --rcheck --seconds ${c.have} --reap -j KUBE-SEP-X`));
    }
    const findings = checkAffinityResidue(ctxOf(w));
    if (!c.expect) {
      expect(findings).toEqual([]);
      return;
    }
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ check: 'affinity-residue', severity: 'medium', node: 'n1', service: 'shop/web', port: 'http' });
    expect(findings[0].title).toMatch(c.expect);
    if (c.have !== undefined) expect(findings[0].evidence.some((e) => e.raw.includes('--rcheck'))).toBe(true);
  });
});
