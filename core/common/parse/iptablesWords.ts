import type { RuleTokens } from './iptablesTokenize';

// What each word of a rule is (option, value, `!`, generic parameter, -m, -j, -g, -c), and the
// segment boundaries derived from that. Kinds are read from the text in place, without slicing.

// Word kinds.
export const VALUE = 0;
export const OPTION = 1;
export const BANG = 2;
export const SOURCE = 3;
export const DEST = 4;
export const PROTO = 5;
export const IN_IF = 6;
export const OUT_IF = 7;
export const MATCH = 8;
export const JUMP = 9;
export const GOTO = 10;
export const COUNTERS = 11;
/** `--comment` / `--log-prefix`: an option whose one value is free text, even `-j` or `!`. */
export const FREE = 12;

const DASH = 45;

export function wordKind(tk: RuleTokens, i: number): number {
  if (tk.quoted[i] !== 0) return VALUE;
  const s = tk.starts[i];
  return kindAt(tk.text, s, tk.ends[i] - s);
}

/** Kind of the unquoted word text[s, s + len) (len >= 1). */
export function kindAt(text: string, s: number, len: number): number {
  const c0 = text.charCodeAt(s);
  if (c0 !== DASH) return len === 1 && c0 === 33 ? BANG : VALUE;
  if (len < 2) return VALUE;
  const c1 = text.charCodeAt(s + 1);
  if (len === 2) {
    switch (c1) {
      case 115: return SOURCE; // -s
      case 100: return DEST; // -d
      case 112: return PROTO; // -p
      case 105: return IN_IF; // -i
      case 111: return OUT_IF; // -o
      case 109: return MATCH; // -m
      case 106: return JUMP; // -j
      case 103: return GOTO; // -g
      case 99: return COUNTERS; // -c
    }
    return OPTION;
  }
  if (c1 !== DASH) return OPTION;
  // Long forms, checked in place (no slice) and only when the length fits.
  switch (len) {
    case 6:
      if (text.startsWith('--jump', s)) return JUMP;
      if (text.startsWith('--goto', s)) return GOTO;
      break;
    case 7:
      if (text.startsWith('--match', s)) return MATCH;
      break;
    case 8:
      if (text.startsWith('--source', s)) return SOURCE;
      break;
    case 9:
      if (text.startsWith('--comment', s)) return FREE;
      break;
    case 10:
      if (text.startsWith('--protocol', s)) return PROTO;
      break;
    case 12:
      if (text.startsWith('--log-prefix', s)) return FREE;
      break;
    case 13:
      if (text.startsWith('--destination', s)) return DEST;
      break;
    case 14:
      if (text.startsWith('--in-interface', s)) return IN_IF;
      if (text.startsWith('--set-counters', s)) return COUNTERS;
      break;
    case 15:
      if (text.startsWith('--out-interface', s)) return OUT_IF;
      break;
  }
  return OPTION;
}

/**
 * End (exclusive) of the run of options and values starting at `i`. `!` counts only before an
 * option, and a free-text option always takes the next word with it.
 */
export function segmentEnd(kinds: number[], n: number, i: number): number {
  while (i < n) {
    const k = kinds[i];
    if (k === VALUE || k === OPTION) i++;
    else if (k === FREE) i = i + 2 <= n ? i + 2 : n;
    else if (k === BANG && i + 1 < n && (kinds[i + 1] === OPTION || kinds[i + 1] === FREE)) i++;
    else break;
  }
  return i;
}

/** Index of the first `-m` word, or -1. */
export function matchListStart(kinds: number[], n: number, from: number): number {
  for (let j = from; j < n; j++) if (kinds[j] === MATCH) return j;
  return -1;
}

/**
 * End of the back-to-back `-m` segments starting at `start`, or -1 when the rule has options
 * outside them (kube-proxy order, implicit match): only then is the list safe to share whole.
 */
export function matchListEnd(kinds: number[], n: number, from: number, start: number): number {
  let j = start;
  while (j + 1 < n && kinds[j] === MATCH && kinds[j + 1] === VALUE) j = segmentEnd(kinds, n, j + 2);
  const end = j;
  for (let t = from; t < start; ) {
    t = skipNonMatch(kinds, n, t);
    if (t < 0) return -1;
  }
  for (let t = end; t < n; ) {
    t = skipNonMatch(kinds, n, t);
    if (t < 0) return -1;
  }
  return end;
}

/** Steps over one generic parameter, counters or target segment at t (< n); -1 for anything else. */
function skipNonMatch(kinds: number[], n: number, t: number): number {
  let k = kinds[t];
  if (k === BANG) {
    if (t + 1 >= n) return -1;
    k = kinds[++t];
  }
  if (k >= SOURCE && k <= OUT_IF) return t + 2;
  if (k === COUNTERS) return t + 3;
  if (k === JUMP || k === GOTO) return segmentEnd(kinds, n, t + 2);
  return -1;
}

export function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Parses `[pkts:bytes]`; undefined when the text is not exactly that shape. */
export function parseCounters(text: string): { packets: number; bytes: number } | undefined {
  const n = text.length;
  if (n < 5 || text.charCodeAt(0) !== 91 || text.charCodeAt(n - 1) !== 93) return undefined;
  const colon = text.indexOf(':');
  if (colon < 2 || colon > n - 3) return undefined;
  const p = text.slice(1, colon);
  const b = text.slice(colon + 1, n - 1);
  if (!isDigits(p) || !isDigits(b)) return undefined;
  return { packets: Number(p), bytes: Number(b) };
}
