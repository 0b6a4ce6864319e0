import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeText } from './decodeHelpers';

// Random nat rule sets over a small pool of chain names, with jumps in any direction (loops,
// self-jumps, dangling references, DNATs anywhere): the decoder must terminate, never throw, and
// put every present per-service chain in exactly one Service port (or the unmapped list).

const POOL = [
  'KUBE-SERVICES',
  'KUBE-NODEPORTS',
  'KUBE-SVC-AAAAAAAAAAAAAAAA',
  'KUBE-SVL-AAAAAAAAAAAAAAAA',
  'KUBE-EXT-AAAAAAAAAAAAAAAA',
  'KUBE-FW-AAAAAAAAAAAAAAAA',
  'KUBE-SVC-BBBBBBBBBBBBBBBB',
  'KUBE-XLB-BBBBBBBBBBBBBBBB',
  'KUBE-SVC-custom',
  'KUBE-SEP-CCCCCCCCCCCCCCCC',
  'KUBE-SEP-DDDDDDDDDDDDDDDD',
  'KUBE-SEP-other',
];
const TARGETS = [...POOL, 'KUBE-MARK-MASQ', 'KUBE-MARK-DROP', 'DNAT --to-destination 10.0.0.9:80', 'RETURN', 'KUBE-SEP-GONEGONEGONEGONE'];

interface RandomRule {
  chain: string;
  dest?: string;
  dport?: number;
  comment?: string;
  probability?: string;
  target?: string;
}

const ruleArb: fc.Arbitrary<RandomRule> = fc.record({
  chain: fc.constantFrom(...POOL),
  dest: fc.option(fc.constantFrom('10.0.0.1', '10.0.0.2/32', '127.0.0.0/8'), { nil: undefined }),
  dport: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
  comment: fc.option(fc.constantFrom('"ns/a:p cluster IP"', 'ns/b:q', '"ns/a:p -> 10.0.0.9:80"', '"ns/c has no endpoints"'), { nil: undefined }),
  probability: fc.option(fc.constantFrom('0.5000000000', '0.33332999982', '1.0'), { nil: undefined }),
  target: fc.option(fc.constantFrom(...TARGETS), { nil: undefined }),
});

function render(rules: RandomRule[]): string {
  const lines = ['*nat'];
  for (const r of rules) {
    let line = `-A ${r.chain}`;
    if (r.dest !== undefined) line += ` -d ${r.dest}`;
    if (r.dport !== undefined) line += ` -p tcp -m tcp --dport ${r.dport}`;
    if (r.comment !== undefined) line += ` -m comment --comment ${r.comment}`;
    if (r.probability !== undefined) line += ` -m statistic --mode random --probability ${r.probability}`;
    if (r.target !== undefined) line += ` -j ${r.target}`;
    lines.push(line);
  }
  lines.push('COMMIT');
  return lines.join('\n');
}

describe('decodeIptables on random rule graphs', () => {
  it('terminates, never throws, and owns every present per-service chain exactly once', () => {
    fc.assert(
      fc.property(fc.array(ruleArb, { maxLength: 40 }), (rules) => {
        const text = render(rules);
        const node = decodeText(text, null);
        const present = new Set(rules.map((r) => r.chain).filter((c) => /^KUBE-(SVC|SVL|EXT|FW|XLB|SEP)-/.test(c)));
        const owned = node.servicePorts.flatMap((s) => s.chains);
        expect(new Set(owned).size).toBe(owned.length);
        const unmapped = new Set(node.facts.unmappedChains.map((u) => u.chain));
        for (const chain of present) expect(owned.includes(chain) || unmapped.has(chain)).toBe(true);
        for (const sp of node.servicePorts) {
          for (const path of [sp.clusterPath, sp.localPath]) {
            if (path === undefined) continue;
            const sum = path.backends.reduce((a, b) => a + (b.probability ?? 0), 0);
            expect(sum).toBeLessThanOrEqual(1 + 1e-9);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
