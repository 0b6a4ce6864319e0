import type { NftRuleset } from '../model/nft';
import { parseNftJson } from './nftJson';
import { parseNftText } from './nftText';

// One entry point for an nft capture of unknown form: `nft -j list ruleset` output is a JSON
// object, everything else (`nft list ruleset`, `nft -a list table ...`, a kube-proxy `nft -f`
// transaction) is text. A listing never starts with `{`, so the first non-blank character decides.

export function parseNftDump(text: string): NftRuleset {
  const src = typeof text === 'string' ? text : '';
  let i = 0;
  while (i < src.length && (src.charCodeAt(i) <= 32 || src.charCodeAt(i) === 0xfeff)) i++;
  return src.charCodeAt(i) === 123 ? parseNftJson(src) : parseNftText(src);
}
