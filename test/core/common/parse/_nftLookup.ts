import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NftChain, NftRuleset, NftSet, NftTable } from '../../../../core/common/model/nft';
import { parseNftText } from '../../../../core/common/parse/nftText';

// Lookups shared by the nft parser tests: they throw with the missing name, so a test fails on
// the thing that is absent rather than on `undefined`.

export const corpus = join(__dirname, '../../../fixtures/corpus/nftables');

/** Parses a file of test/fixtures/corpus/nftables as text. */
export const load = (file: string): NftRuleset => parseNftText(readFileSync(join(corpus, file), 'utf8'));

export function table(rs: NftRuleset, family: string, name: string): NftTable {
  const t = rs.tables.find((x) => x.family === family && x.name === name);
  if (!t) throw new Error(`no table ${family} ${name}`);
  return t;
}
export function chain(t: NftTable, name: string): NftChain {
  const c = t.chains.get(name);
  if (!c) throw new Error(`no chain ${name}`);
  return c;
}
export function set(t: NftTable, name: string): NftSet {
  const s = t.maps.get(name) ?? t.sets.get(name);
  if (!s) throw new Error(`no set ${name}`);
  return s;
}
/** kube-proxy's table: the ip6 one when it has chains, else the ip one. */
export const kp = (rs: NftRuleset): NftTable => table(rs, rs.tables.some((t) => t.family === 'ip6' && t.chains.size > 0) ? 'ip6' : 'ip', 'kube-proxy');
