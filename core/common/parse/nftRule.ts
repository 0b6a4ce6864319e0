import type { NftMatch, NftRule, NftSetUpdate } from '../model/nft';
import { matchingBrace, parseNftElements, verdictAt, verdictWords } from './nftElements';
import {
  BINOPS, RELOPS, STATEMENT_WORDS, at, expressionEnd, leftText, literal, parseNumgen, selectorEnd,
} from './nftExpr';
import { joinNftTokens, tokenText } from './nftTokenize';
import type { NftTokens } from './nftTokenize';
import { nftNatTarget, unquote } from './nftValues';

// Statement parser for one nft rule in text form (listing or `add rule` transaction). It does not
// try to be a full nft grammar: it pulls out what the decoder needs (verdict, vmap, numgen, dnat,
// address/port matches, set references, `update @set`, comment, counters) and skips the rest,
// which stays visible in `text`. Rule shapes: kubernetes pkg/proxy/nftables/proxier.go
// (syncProxyRules / writeServiceToEndpointRules) and iptables-nft rules as nft prints them.

// Scratch lists, copied to exact-size arrays at the end of each rule: `[]` + push reserves 17
// slots, which for ~100k rules of 1-3 matches is most of the model's memory. Counted, not
// truncated: setting `length` is a runtime call.
interface Scratch<T> {
  a: T[];
  n: number;
}
const matches: Scratch<NftMatch> = { a: [], n: 0 };
const refs: Scratch<string> = { a: [], n: 0 };
const updates: Scratch<NftSetUpdate> = { a: [], n: 0 };
const values: Scratch<string> = { a: [], n: 0 };

const NONE: readonly never[] = Object.freeze([]);

function add<T>(s: Scratch<T>, x: T): void {
  s.a[s.n++] = x;
}

function take<T>(s: Scratch<T>): readonly T[] {
  const n = s.n;
  s.n = 0;
  return n === 0 ? NONE : s.a.slice(0, n);
}

/** Parses rule statements tok[from, to) into a rule. Never throws on odd token sequences. */
export function parseNftRule(src: string, t: NftTokens, from: number, to: number, chain: string, line: number, raw: string, handle: number | undefined): NftRule {
  // Every field present from the start: one object shape for all rules, no out-of-object properties.
  const rule: NftRule = {
    chain, line, raw, text: tokenText(src, t, from, to), handle, comment: undefined,
    matches: NONE, verdict: undefined, vmap: undefined, numgen: undefined, dnat: undefined, snat: undefined, masquerade: undefined,
    setUpdates: NONE, setRefs: NONE, counters: undefined,
  };
  matches.n = 0;
  refs.n = 0;
  updates.n = 0;
  try {
    parseStatements(src, t, from, to, rule);
  } finally {
    rule.matches = take(matches);
    rule.setRefs = take(refs);
    rule.setUpdates = take(updates);
  }
  return rule;
}

function parseStatements(src: string, t: NftTokens, from: number, to: number, rule: NftRule): void {
  const tok = t.tok;
  let i = from;
  while (i < to) {
    const w = tok[i];
    if (w === 'comment' && i + 1 < to) {
      rule.comment = unquote(tok[i + 1]);
      i += 2;
      continue;
    }
    if (w === 'counter') {
      i++;
      if (i + 3 < to && tok[i] === 'packets' && tok[i + 2] === 'bytes') {
        rule.counters = { packets: Number(tok[i + 1]), bytes: Number(tok[i + 3]) };
        i += 4;
      }
      continue;
    }
    const v = verdictAt(t, i, to);
    if (v) {
      rule.verdict = v;
      i += verdictWords(v);
      if (w === 'reject' && at(tok, i, to) === 'with') {
        // reject with icmp type port-unreachable | with icmpx port-unreachable | with tcp reset
        i += 2;
        if (at(tok, i, to) === 'type') i++;
        i = Math.min(i + 1, to);
      }
      continue;
    }
    if (w === 'dnat' || w === 'snat') {
      i = parseNat(src, t, i, to, rule);
      continue;
    }
    if (w === 'masquerade') {
      rule.masquerade = true;
      i++;
      continue;
    }
    if ((w === 'update' || w === 'add' || w === 'delete') && i + 1 < to && tok[i + 1].startsWith('@')) {
      const set = tok[i + 1].slice(1);
      add(refs, set);
      let key = '';
      let next = i + 2;
      if (at(tok, next, to) === '{') {
        const close = matchingBrace(tok, next, to);
        const end = close < 0 ? to : close;
        key = joinNftTokens(tok, next + 1, end);
        next = close < 0 ? to : close + 1;
      }
      add(updates, { op: w, set, key });
      i = next;
      continue;
    }
    if (w === '{') {
      // A group we do not understand: skip it whole so verdicts inside are not taken as the rule's.
      const close = matchingBrace(tok, i, to);
      i = close < 0 ? to : close + 1;
      continue;
    }
    if (w.startsWith('@')) {
      add(refs, w.slice(1));
      i++;
      continue;
    }
    const end = expressionEnd(tok, i, to);
    if (end < 0) {
      i++;
      continue;
    }
    i = parseAfterExpression(src, t, i, end, to, rule);
  }
}

/** Handles what follows the expression tok[start, end): vmap, map, `set` (mangle) or a relational match. */
function parseAfterExpression(src: string, t: NftTokens, start: number, end: number, to: number, rule: NftRule): number {
  const tok = t.tok;
  const left = leftText(t, start, end);
  let i = end;
  const next = at(tok, i, to);
  if (next === 'vmap' || next === 'map') {
    i++;
    let entriesFrom = -1;
    let entriesTo = -1;
    let map: string | undefined;
    if (i < to && tok[i].startsWith('@')) {
      map = tok[i].slice(1);
      add(refs, map);
      i++;
    } else if (at(tok, i, to) === '{') {
      const close = matchingBrace(tok, i, to);
      entriesFrom = i + 1;
      entriesTo = close < 0 ? to : close;
      i = close < 0 ? to : close + 1;
    }
    if (next === 'map') return i; // data maps (`dnat to ip daddr map @x`): references only
    const entries = entriesFrom >= 0 ? parseNftElements(src, t, entriesFrom, entriesTo) : undefined;
    rule.vmap = map !== undefined ? { key: left, map } : { key: left, entries: entries ?? [] };
    if (tok[start] === 'numgen') {
      const ng = parseNumgen(tok, start, end);
      ng.entries = (entries ?? []).map((e) => ({ index: Number(e.key[0]), verdict: e.verdict }));
      rule.numgen = ng;
    }
    return i;
  }
  if (next === 'set') {
    // `meta mark set meta mark | 0x4000`: skip the value expression.
    i++;
    if (i >= to) return to;
    const vEnd = expressionEnd(tok, i, to);
    if (vEnd >= 0) return vEnd;
    i++;
    while (i + 1 < to && BINOPS.has(tok[i])) i += 2;
    return Math.min(i, to);
  }
  let op: NftMatch['op'] = '==';
  if (next !== undefined && Object.hasOwn(RELOPS, next)) {
    op = RELOPS[next];
    i++;
  }
  if (i >= to) return i;
  const r = tok[i];
  // `ct status dnat` is a value; otherwise a statement word ends the expression (`ct state` alone).
  if (STATEMENT_WORDS.has(r) && !((r === 'dnat' || r === 'snat') && left.startsWith('ct '))) return i;
  const m: NftMatch = { left, op, right: r, set: undefined, values: [] };
  if (r.startsWith('@')) {
    m.set = r.slice(1);
    add(refs, m.set);
    i++;
  } else if (r === '{') {
    const close = matchingBrace(tok, i, to);
    const stop = close < 0 ? to : close;
    m.right = joinNftTokens(tok, i, close < 0 ? to : close + 1);
    values.n = 0;
    let cur = '';
    for (let k = i + 1; k < stop; k++) {
      if (tok[k] === ',') {
        if (cur !== '') add(values, cur);
        cur = '';
      } else cur = cur === '' ? unquote(tok[k]) : `${cur} ${tok[k]}`;
    }
    if (cur !== '') add(values, cur);
    m.values = take(values);
    i = close < 0 ? to : close + 1;
  } else {
    // One value, a concatenation `a . b`, or a comma list `established,related`.
    let cur = literal(unquote(r));
    let j = i + 1;
    values.n = 0;
    for (;;) {
      if (j + 1 < to && tok[j] === '.') {
        cur += ' . ' + unquote(tok[j + 1]);
        j += 2;
      } else if (j + 1 < to && tok[j] === ',') {
        add(values, cur);
        cur = unquote(tok[j + 1]);
        j += 2;
      } else break;
    }
    if (values.n === 0) m.values = [cur];
    else {
      add(values, cur);
      m.values = take(values);
    }
    m.right = j === i + 1 ? r : joinNftTokens(tok, i, j);
    i = j;
  }
  add(matches, m);
  return i;
}

/** `dnat [ip|ip6] to TARGET` and the proposed `dnat ip addr . port to numgen ... map { ... }`. */
function parseNat(src: string, t: NftTokens, i: number, to: number, rule: NftRule): number {
  const tok = t.tok;
  const kind = tok[i] as 'dnat' | 'snat';
  i++;
  let family: 'ip' | 'ip6' | undefined;
  const f = at(tok, i, to);
  if (f === 'ip' || f === 'ip6') {
    family = f;
    i++;
  }
  while (i < to && tok[i] !== 'to' && !STATEMENT_WORDS.has(tok[i])) i++;
  if (at(tok, i, to) !== 'to' || i + 1 >= to) {
    rule[kind] = { to: '', ...(family ? { family } : {}) };
    return i;
  }
  i++;
  const end = tok[i] === 'numgen' ? selectorEnd(tok, i, to) : -1;
  if (end > 0) {
    const ng = parseNumgen(tok, i, end);
    let j = end;
    if (at(tok, j, to) === 'map' && at(tok, j + 1, to) === '{') {
      const close = matchingBrace(tok, j + 1, to);
      ng.entries = parseNftElements(src, t, j + 2, close < 0 ? to : close).map((e) => ({ index: Number(e.key[0]), value: e.value }));
      j = close < 0 ? to : close + 1;
    }
    rule.numgen = ng;
    rule[kind] = { to: joinNftTokens(tok, i, j), ...(family ? { family } : {}) };
    return j;
  }
  rule[kind] = nftNatTarget(tok[i], family);
  return i + 1;
}
