import type { RuleFileInfo } from '../../../core/common/contract';
import type { Token } from './token';
import { tokenizeIptables } from './tokenizeIptables';
import { tokenizeNft } from './tokenizeNft';
import { tokenizeConntrack, tokenizeIpset, tokenizeIpvsadm } from './tokenizeOther';

export type RuleSyntax = RuleFileInfo['syntax'];

/** Tokens of one line of a dump of the given syntax (lossless: joined, they are the line). */
export function tokenizeLine(syntax: RuleSyntax, line: string): Token[] {
  if (line === '') return [];
  switch (syntax) {
    case 'iptables':
      return tokenizeIptables(line);
    case 'nft':
      return tokenizeNft(line);
    case 'ipvsadm':
      return tokenizeIpvsadm(line);
    case 'ipset':
      return tokenizeIpset(line);
    case 'conntrack':
      return tokenizeConntrack(line);
    default:
      return [{ text: line, kind: 'plain' }];
  }
}
