import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chainTarget, filterChains, indexChains } from '../../../renderer/src/rules/chains';
import { findMatches, highlightTokens, stepMatch } from '../../../renderer/src/rules/search';
import { tokenizeLine } from '../../../renderer/src/rules/tokenize';

// Search and chain navigation of the rules viewer.

describe('findMatches / stepMatch', () => {
  const lines = ['-A KUBE-SERVICES', ':KUBE-SVC-A - [0:0]', 'COMMIT', '-A kube-svc-a lower', '*nat'];

  it('finds lines case-insensitively', () => {
    expect(findMatches(lines, 'KUBE-svc')).toEqual([1, 3]);
    expect(findMatches(lines, '')).toEqual([]);
  });

  it.each([
    { from: -1, dir: 1 as const, want: 0 },
    { from: 1, dir: 1 as const, want: 1 },
    { from: 3, dir: 1 as const, want: 0 },
    { from: 4, dir: -1 as const, want: 1 },
    { from: 3, dir: -1 as const, want: 0 },
    { from: 1, dir: -1 as const, want: 1 },
  ])('steps from line $from in direction $dir to match $want (wrapping)', ({ from, dir, want }) => {
    expect(stepMatch([1, 3], from, dir)).toBe(want);
  });

  it('has no step without matches', () => {
    expect(stepMatch([], 0, 1)).toBe(-1);
  });
});

describe('highlightTokens', () => {
  it('splits tokens at matches and keeps the text', () => {
    const tokens = tokenizeLine('iptables', '-A KUBE-SVC-X -j KUBE-SEP-Y');
    const segs = highlightTokens(tokens, 'svc-x -j');
    expect(segs.map((s) => s.text).join('')).toBe('-A KUBE-SVC-X -j KUBE-SEP-Y');
    expect(segs.filter((s) => s.hit).map((s) => s.text).join('')).toBe('SVC-X -j');
  });

  it('keeps the text for any line and query', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.string({ maxLength: 4 }), (line, q) => {
        const segs = highlightTokens(tokenizeLine('iptables', line), q);
        expect(segs.map((s) => s.text).join('')).toBe(line);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('chain navigation', () => {
  const chains = [
    { chain: 'KUBE-SERVICES', line: 20, service: null },
    { chain: 'KUBE-SERVICES', line: 3, service: null },
    { chain: 'KUBE-SVC-A', line: 21, service: 'shop/web:http/tcp' },
  ];
  const index = indexChains(chains);

  it.each([
    { name: 'KUBE-SERVICES', from: 10, want: 3 },
    { name: 'KUBE-SERVICES', from: 40, want: 20 },
    { name: 'KUBE-SERVICES', from: 1, want: 3 },
    { name: 'KUBE-SVC-A', from: 100, want: 21 },
    { name: 'KUBE-NOPE', from: 100, want: null },
  ])('goes from line $from to $name at $want', ({ name, from, want }) => {
    expect(chainTarget(index, name, from)).toBe(want);
  });

  it('filters by chain name or Service', () => {
    expect(filterChains(chains, 'shop/').map((c) => c.chain)).toEqual(['KUBE-SVC-A']);
    expect(filterChains(chains, ' services ')).toHaveLength(2);
    expect(filterChains(chains, '')).toHaveLength(3);
  });
});
