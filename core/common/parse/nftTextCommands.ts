import type { NftFamily, NftRule, NftTable } from '../model/nft';
import {
  addNftElements, deleteNftElements, findNftSet, findNftTable, flushNftSet, flushNftTable, malformedNft, nftChain, nftSet, nftTable,
} from './nftBuild';
import type { NftBuild } from './nftBuild';
import { matchingBrace, parseNftElements } from './nftElements';
import { parseNftRule } from './nftRule';
import type { NftTokens } from './nftTokenize';
import { isNftFamily, unquote } from './nftValues';

// The command half of `nft -f` input, as kube-proxy writes it through knftables
// (kubernetes-sigs/knftables transaction.go / objects.go): `add|create|insert|replace|delete|
// destroy|flush` + `table|chain|set|map|rule|element`. Inline `{ ... }` specs of tables, chains and
// sets are blocks and are handled by the caller (nftText.ts); this file handles one-line commands.

export const NFT_COMMANDS: readonly string[] = ['add', 'create', 'insert', 'replace', 'delete', 'destroy', 'flush', 'reset', 'list', 'rename'];

/**
 * `[family] table` at tok[i]: the family is optional (default `ip`) and is taken as given only when
 * more than `parts` words follow, so a table named like a family still parses.
 */
export function tableRef(tok: readonly string[], i: number, n: number, parts: number): { family: NftFamily; name: string; next: number } | undefined {
  const f = tok[i];
  if (n - i > parts && isNftFamily(f)) return { family: f, name: unquote(tok[i + 1]), next: i + 2 };
  if (n - i >= 1) return { family: 'ip', name: unquote(tok[i]), next: i + 1 };
  return undefined;
}

export function execNftCommand(b: NftBuild, src: string, p: NftTokens, line: number, raw: string): void {
  const tok = p.tok;
  const n = p.count;
  const verb = tok[0];
  const obj = n > 1 ? tok[1] : '';
  // Read-only or cosmetic commands leave the data plane as it is.
  if (verb === 'reset' || verb === 'list' || verb === 'rename') return;
  const adding = verb === 'add' || verb === 'create' || verb === 'insert' || verb === 'replace';
  const removing = verb === 'delete' || verb === 'destroy';
  if (obj === 'ruleset') {
    if (verb === 'flush') b.tables.clear();
    else malformedNft(b, line, raw, `unsupported command '${verb} ruleset'`);
    return;
  }
  if (obj === 'table') {
    const ref = tableRef(tok, 2, n, 1);
    if (!ref) return malformedNft(b, line, raw, 'missing table name');
    if (adding) nftTable(b, ref.family, ref.name, line, raw);
    else if (removing) b.tables.delete(`${ref.family} ${ref.name}`);
    else {
      const t = findNftTable(b, ref.family, ref.name);
      if (t) flushNftTable(b, t);
    }
    return;
  }
  const ref = tableRef(tok, 2, n, 2);
  if (!ref || ref.next >= n) {
    if (obj === 'chain' || obj === 'set' || obj === 'map' || obj === 'rule' || obj === 'element') malformedNft(b, line, raw, `incomplete '${verb} ${obj}' command`);
    else malformedNft(b, line, raw, 'unrecognised command');
    return;
  }
  const t = adding ? nftTable(b, ref.family, ref.name, 0, '') : findNftTable(b, ref.family, ref.name);
  const name = unquote(tok[ref.next]);
  switch (obj) {
    case 'chain':
      if (adding) nftChain(t as NftTable, name, line, raw);
      else if (t && removing) t.chains.delete(name);
      else if (t) {
        const c = t.chains.get(name);
        if (c) c.rules = [];
      }
      return;
    case 'set':
    case 'map':
      if (adding) nftSet(t as NftTable, name, obj, line, raw);
      else if (t && removing) (obj === 'map' ? t.maps : t.sets).delete(name);
      else if (t) {
        const s = findNftSet(t, name);
        if (s) flushNftSet(b, s);
      }
      return;
    case 'rule':
      if (adding) addRule(b, src, p, t as NftTable, name, ref.next + 1, line, raw);
      else if (t && removing) {
        const c = t.chains.get(name);
        const h = ref.next + 2 < n && tok[ref.next + 1] === 'handle' ? Number(tok[ref.next + 2]) : NaN;
        if (c && !Number.isNaN(h)) c.rules = c.rules.filter((r) => r.handle !== h);
        else if (Number.isNaN(h)) malformedNft(b, line, raw, 'delete rule without handle');
      }
      return;
    case 'element':
      elementCommand(b, src, p, t, name, ref.next + 1, adding, removing, line, raw);
      return;
    default:
      // Named counters, quotas, flowtables, ct objects: not part of kube-proxy's data plane.
      if (!adding && !removing && verb !== 'flush') malformedNft(b, line, raw, 'unrecognised command');
  }
}

function addRule(b: NftBuild, src: string, p: NftTokens, t: NftTable, chainName: string, from: number, line: number, raw: string): void {
  const tok = p.tok;
  const n = p.count;
  const verb = tok[0];
  let k = from;
  let handle: number | undefined;
  let index: number | undefined;
  while (k + 1 < n && (tok[k] === 'position' || tok[k] === 'handle' || tok[k] === 'index')) {
    if (tok[k] === 'index') index = Number(tok[k + 1]);
    else handle = Number(tok[k + 1]);
    k += 2;
  }
  const c = nftChain(t, chainName, 0, '');
  const rule: NftRule = parseNftRule(src, p, k, n, chainName, line, raw, undefined);
  const rules = c.rules;
  if (verb === 'replace') {
    const at = handle === undefined ? -1 : rules.findIndex((r) => r.handle === handle);
    if (at < 0) return malformedNft(b, line, raw, 'replace rule: no rule with that handle');
    rule.handle = handle;
    rules[at] = rule;
    return;
  }
  const before = verb === 'insert';
  let at: number;
  if (handle !== undefined) {
    const h = rules.findIndex((r) => r.handle === handle);
    at = h < 0 ? (before ? 0 : rules.length) : before ? h : h + 1;
  } else if (index !== undefined && Number.isInteger(index) && index >= 0) {
    at = Math.min(rules.length, before ? index : index + 1);
  } else at = before ? 0 : rules.length;
  if (at === rules.length) rules.push(rule);
  else rules.splice(at, 0, rule);
}

function elementCommand(
  b: NftBuild, src: string, p: NftTokens, t: NftTable | undefined, setName: string, open: number, adding: boolean, removing: boolean, line: number, raw: string,
): void {
  const tok = p.tok;
  const n = p.count;
  const close = open < n && tok[open] === '{' ? matchingBrace(tok, open, n) : -1;
  if (close < 0) return malformedNft(b, line, raw, 'element command without { ... }');
  const els = parseNftElements(src, p, open + 1, close);
  if (adding && t) {
    const kind = els.some((e) => e.verdict !== undefined || e.value !== undefined) ? 'map' : 'set';
    addNftElements(b, findNftSet(t, setName) ?? nftSet(t, setName, kind, 0, ''), els);
  } else if (removing && t) {
    const s = findNftSet(t, setName);
    if (s) deleteNftElements(b, s, els.map((e) => e.key));
  }
}
