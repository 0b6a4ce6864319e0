import { describe, expect, it } from 'vitest';
import { checkChainHashMismatch } from '../../../../core/common/checks/chainHashMismatch';
import { WEB, ctxOf, ev, world } from './_builders';

describe('checkChainHashMismatch', () => {
  it.each([
    { name: 'no mismatches, no findings', mismatches: [], expect: [] },
    {
      name: 'each mismatch is one medium finding naming the claimed Service',
      mismatches: [{ chain: 'KUBE-SVC-AAAAAAAAAAAAAAAA', claimed: 'shop/web:http', expected: ['KUBE-SVC-BBBBBBBBBBBBBBBB'], evidence: ev('-A KUBE-SVC-AAAAAAAAAAAAAAAA -m comment --comment "shop/web:http -> 10.0.0.1:80"') }],
      expect: [{ service: 'shop/web', port: 'http' }],
    },
    {
      name: 'a claim that is not a Service name keeps service null',
      mismatches: [{ chain: 'KUBE-SEP-AAAAAAAAAAAAAAAA', claimed: '??', expected: ['KUBE-SEP-B'], evidence: ev('x') }],
      expect: [{ service: null, port: null }],
    },
  ])('$name', (c) => {
    const w = world([WEB]);
    w.programmed.nameMismatches = c.mismatches;
    const findings = checkChainHashMismatch(ctxOf(w, false));
    expect(findings.map((f) => ({ service: f.service, port: f.port }))).toEqual(c.expect);
    for (const f of findings) {
      expect(f).toMatchObject({ check: 'chain-hash-mismatch', severity: 'medium', node: 'n1' });
      expect(f.message).toContain('kube-proxy would have named it');
      expect(f.evidence).toHaveLength(1);
    }
  });
});
