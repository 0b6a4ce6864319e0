import { describe, expect, it } from 'vitest';
import { ruleSyntax } from '../../../../core/common/views/ruleSyntax';

describe('ruleSyntax', () => {
  it.each([
    { file: 'iptables-save.txt', want: 'iptables' },
    { file: 'ip6tables-legacy-save.txt', want: 'iptables' },
    { file: 'nft.json', want: 'nft-json' },
    { file: 'nft.txt', want: 'nft' },
    { file: 'ipvsadm.txt', want: 'ipvsadm' },
    { file: 'ipset.txt', want: 'ipset' },
    { file: 'conntrack.txt', want: 'conntrack' },
    { file: 'ip-addr.txt', want: 'text' },
    { file: 'proxy-mode.txt', want: 'text' },
  ])('colours $file as $want', ({ file, want }) => {
    expect(ruleSyntax(file)).toBe(want);
  });
});
