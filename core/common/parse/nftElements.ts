import type { NftCounters, NftElement, NftVerdict } from '../model/nft';
import type { NftTokens } from './nftTokenize';
import { isPlainVerdict, nftTime, unquote } from './nftValues';

// Element lists of sets, maps and inline maps, in both text syntaxes:
//   elements = { 10.43.0.10 . tcp . 53 : goto service-..., 10.43.0.1 . tcp . 443 : goto ... }
//   add element ip kube-proxy no-endpoint-services { 172.30.0.46 . tcp . 80 comment "ns6/svc6:p80" : goto reject-chain }
//   numgen random mod 2 vmap { 0 : goto endpoint-A , 1 : goto endpoint-B }
// Element options (comment, timeout, expires, counter) sit between the key and the colon
// (knftables Element.Comment; nft prints them the same way).

/** Index of the `}` closing the `{` at `open`, or -1 when it is not closed before `to`. */
export function matchingBrace(tok: readonly string[], open: number, to: number): number {
  let depth = 0;
  for (let i = open; i < to; i++) {
    const t = tok[i];
    if (t === '{') depth++;
    else if (t === '}' && --depth === 0) return i;
  }
  return -1;
}

/** Parses the entries between a `{` and its `}` (exclusive bounds). */
export function parseNftElements(src: string, t: NftTokens, from: number, to: number): NftElement[] {
  // Most groups hold one element (`add element ... { x }`, `vmap { 0 : goto ... }`): exact sizes.
  let out: NftElement[] | undefined;
  let single: NftElement | undefined;
  let entryStart = from;
  let depth = 0;
  for (let i = from; i <= to; i++) {
    const tk = i < to ? t.tok[i] : ',';
    if (tk === '{') depth++;
    else if (tk === '}') depth--;
    else if (tk === ',' && depth <= 0) {
      if (i > entryStart) {
        const el = parseEntry(src, t, entryStart, i);
        if (el) {
          if (out) out.push(el);
          else if (single) out = [single, el];
          else single = el;
        }
      }
      entryStart = i + 1;
    }
  }
  return out ?? (single ? [single] : []);
}

/**
 * The verdict at tok[i] (`goto X` takes two words, `drop` one: see verdictWords), or undefined.
 * Verdict objects are shared within a parse (t.cache).
 */
export function verdictAt(t: NftTokens, i: number, to: number): NftVerdict | undefined {
  if (i >= to) return undefined;
  const w = t.tok[i];
  if ((w === 'jump' || w === 'goto') && i + 1 < to) {
    const target = unquote(t.tok[i + 1]);
    // `goto` targets are mostly unique (one per Service port or endpoint): not worth caching.
    if (w === 'goto') return { kind: w, target };
    let v = t.cache.jumps.get(target);
    if (!v) {
      v = Object.freeze({ kind: w, target });
      t.cache.jumps.set(target, v);
    }
    return v;
  }
  if (isPlainVerdict(w)) {
    let v = t.cache.verdicts.get(w);
    if (!v) {
      v = Object.freeze({ kind: w });
      t.cache.verdicts.set(w, v);
    }
    return v;
  }
  return undefined;
}

/** Words a verdict takes up. */
export function verdictWords(v: NftVerdict): number {
  return v.target !== undefined ? 2 : 1;
}

const scratchKey: string[] = [];

function parseEntry(src: string, t: NftTokens, from: number, to: number): NftElement | undefined {
  const tok = t.tok;
  const key = scratchKey;
  key.length = 0;
  let part = '';
  let i = from;
  // Every field present from the start: one object shape for all elements.
  const el: NftElement = {
    key, verdict: undefined, value: undefined, comment: undefined, timeout: undefined, expires: undefined, counters: undefined,
    line: t.line[from], raw: src.slice(t.start[from], t.start[to - 1] + tok[to - 1].length),
  };
  // Key: parts separated by lone `.` tokens, up to an option word or the `:`.
  for (; i < to; i++) {
    const w = tok[i];
    if (w === ':' || (part !== '' && (w === 'comment' || w === 'timeout' || w === 'expires' || w === 'counter'))) break;
    if (w === '.') {
      key.push(part);
      part = '';
    } else {
      part = part === '' ? unquote(w) : `${part} ${w}`;
    }
  }
  if (part !== '' || key.length > 0) key.push(part);
  el.key = key.length === 1 ? [key[0]] : key.slice();
  for (; i < to && tok[i] !== ':'; i++) {
    const w = tok[i];
    if (w === 'comment' && i + 1 < to) el.comment = unquote(tok[++i]);
    else if ((w === 'timeout' || w === 'expires') && i + 1 < to) {
      const secs = nftTime(tok[++i]);
      if (secs !== undefined) el[w] = secs;
    } else if (w === 'counter' && tok[i + 1] === 'packets' && tok[i + 3] === 'bytes' && i + 4 < to) {
      const counters: NftCounters = { packets: Number(tok[i + 2]), bytes: Number(tok[i + 4]) };
      el.counters = counters;
      i += 4;
    }
  }
  if (i < to && tok[i] === ':') {
    i++;
    const v = verdictAt(t, i, to);
    if (v && i + verdictWords(v) === to) el.verdict = v;
    else if (i < to) el.value = joinValue(tok, i, to);
  }
  if (el.key.length === 0 && el.verdict === undefined && el.value === undefined) return undefined;
  return el;
}

function joinValue(tok: readonly string[], from: number, to: number): string {
  let s = unquote(tok[from]);
  for (let i = from + 1; i < to; i++) s += ' ' + tok[i];
  return s;
}
