import { describe, expect, it } from 'vitest';
import { compareFindings, countBySeverity, mergeFindings, sortFindings } from '../../../../core/common/analyze/sortFindings';
import type { Finding } from '../../../../core/common/model';

function f(over: Partial<Finding>): Finding {
  return {
    check: 'stale-backend',
    severity: 'critical',
    node: 'n1',
    service: 'shop/web',
    port: 'http',
    protocol: 'tcp',
    endpoint: null,
    pod: null,
    title: 't',
    message: 'm',
    nextSteps: [],
    evidence: [{ node: 'n1', file: 'nodes/n1/iptables-save.txt', line: 1, raw: 'a' }],
    ...over,
  };
}

describe('sortFindings', () => {
  it.each([
    { name: 'worst severity first', key: 'severity', input: [f({ severity: 'info' }), f({ severity: 'critical', node: 'n9' }), f({ severity: 'medium' })], expect: ['critical', 'medium', 'info'] },
    { name: 'cluster-wide before nodes, then by node name', key: 'node', input: [f({ node: 'n2' }), f({ node: null }), f({ node: 'n1' })], expect: [null, 'n1', 'n2'] },
    { name: 'then by service', key: 'service', input: [f({ service: 'b/x' }), f({ service: 'a/x' })], expect: ['a/x', 'b/x'] },
  ] as { name: string; key: keyof Finding; input: Finding[]; expect: (string | null)[] }[])('orders $name', ({ key, input, expect: want }) => {
    expect(sortFindings(input).map((x) => x[key])).toEqual(want);
  });

  it('merges the same fact reported by several nodes, keeping all evidence once', () => {
    const a = f({ node: null, check: 'no-endpoints', evidence: [{ node: 'n1', file: 'nodes/n1/iptables-save.txt', line: 9, raw: 'REJECT' }] });
    const b = f({ node: null, check: 'no-endpoints', evidence: [{ node: 'n2', file: 'nodes/n2/iptables-save.txt', line: 9, raw: 'REJECT' }, a.evidence[0]] });
    const merged = mergeFindings([a, b]);
    expect(merged).toHaveLength(1);
    expect(merged[0].evidence.map((e) => e.node)).toEqual(['n1', 'n2']);
    expect(a.evidence).toHaveLength(1); // inputs are not mutated
  });

  it('keeps findings that differ in any identity field apart', () => {
    expect(mergeFindings([f({}), f({ endpoint: '1.2.3.4:80' }), f({ node: 'n2' }), f({ check: 'missing-backend' })])).toHaveLength(4);
  });

  it('is a total order (stable regardless of input order)', () => {
    const list = [f({ node: 'n2' }), f({ severity: 'low' }), f({ endpoint: '1.1.1.1:1' }), f({ check: 'orphan-rules' }), f({ title: 'z' })];
    expect(sortFindings([...list].reverse())).toEqual(sortFindings(list));
    expect(compareFindings(list[0], list[0])).toBe(0);
  });

  it('counts by severity', () => {
    expect(countBySeverity([f({}), f({ severity: 'info' }), f({})])).toEqual({ critical: 2, high: 0, medium: 0, low: 0, info: 1 });
  });
});
