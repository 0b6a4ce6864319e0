import { describe, expect, it } from 'vitest';
import { checkTerminatingFallback } from '../../../../core/common/checks/terminatingFallback';
import { WEB, ctxOf, world } from './_builders';
import type { SvcSpec } from './_builders';

const term = { ready: false, serving: true, terminating: true };

const cases: { name: string; spec: SvcSpec; expect: (string | null)[] }[] = [
  { name: 'ready endpoints give no finding', spec: WEB, expect: [] },
  { name: 'terminating endpoints next to ready ones give no finding', spec: { ...WEB, endpoints: [...WEB.endpoints, { ip: '10.244.4.4', ...term }] }, expect: [] },
  { name: 'only serving terminating endpoints is a cluster-wide info finding', spec: { ...WEB, endpoints: [{ ip: '10.244.4.4', node: 'n2', ...term }] }, expect: [null] },
  {
    name: 'a Local path on terminating local endpoints is reported for the node too',
    spec: { ...WEB, nodePort: 30080, etpLocal: true, endpoints: [{ ip: '10.244.4.4', node: 'n1', ...term }] },
    expect: [null, 'n1'],
  },
  { name: 'not-serving terminating endpoints are no fallback', spec: { ...WEB, endpoints: [{ ip: '10.244.4.4', ready: false, serving: false, terminating: true }] }, expect: [] },
];

describe('checkTerminatingFallback', () => {
  it.each(cases)('$name', (c) => {
    const findings = checkTerminatingFallback(ctxOf(world([c.spec])));
    expect(findings.map((f) => f.node)).toEqual(c.expect);
    for (const f of findings) {
      expect(f).toMatchObject({ check: 'terminating-fallback', severity: 'info', service: 'shop/web' });
      expect(f.message).toMatch(/terminating/);
      expect(f.evidence.length).toBeGreaterThan(0);
    }
  });
});
