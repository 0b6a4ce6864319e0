import type { NftVerdict } from '../model/nft';

// Tokeniser for one line of nft text (`nft list` output or `nft -f` input). Words are split on
// whitespace; `{`, `}`, `;` and `,` are tokens of their own; `"..."` strings are one token with
// their quotes; `#` outside a string begins a comment running to the end of the line (as in nft's
// scanner). A lone `.` (concatenation) and a lone `:` (map key/value) come out as words, so
// `10.0.0.1:80` and `fd00::1` stay whole.
//
// Hot path: a 10k-Service listing has ~200k lines and ~2M words. Word ends are found with native
// indexOf cursors (one per delimiter, each advanced only when passed) instead of a JavaScript
// loop over every character, and short words come from an intern table instead of a fresh slice.

/** Tokens with their absolute offsets in the source and their 1-based line numbers. */
export interface NftTokens {
  tok: string[];
  start: number[];
  line: number[];
  count: number;
  /** Set by tokenizeNftLine when a `"` string was not closed before the end of the line. */
  openQuote: boolean;
  /**
   * Intern table for short words (keywords, protocols, small numbers). Open addressing, fixed
   * size, no eviction: once full, words are just sliced.
   */
  intern: (string | undefined)[];
  /** Scan cursors: offset of the next delimiter of each kind in `src` (src.length when none). */
  src: string;
  cursors: number[];
  /** Per-parse caches shared by the line and statement buffers of one parse. */
  cache: NftParseCache;
}

/**
 * Values many rules share, made once per parse: `jump mark-for-masquerade` appears in every
 * endpoint chain, `ip daddr` in most rules.
 */
export interface NftParseCache {
  /** `accept`, `drop`, ... by word; `jump X` by target. */
  verdicts: Map<string, NftVerdict>;
  jumps: Map<string, NftVerdict>;
  /** Two-word expressions (`ip daddr`) by first and second word. */
  pairs: Map<string, Map<string, string>>;
}

export function newNftParseCache(): NftParseCache {
  return { verdicts: new Map(), jumps: new Map(), pairs: new Map() };
}

/** `a b` for two words, the same string object for the same pair within one parse. */
export function wordPair(cache: NftParseCache, a: string, b: string): string {
  let inner = cache.pairs.get(a);
  if (!inner) {
    inner = new Map();
    cache.pairs.set(a, inner);
  }
  let s = inner.get(b);
  if (s === undefined) {
    s = `${a} ${b}`;
    if (inner.size < 256) inner.set(b, s);
  }
  return s;
}

const INTERN_SIZE = 4096;
const INTERN_MASK = INTERN_SIZE - 1;
const INTERN_MAX_LEN = 32;
/** Word delimiters with a cursor each: space, tab, CR, { } ; , " # */
const DELIMS = [' ', '\t', '\r', '{', '}', ';', ',', '"', '#'];

export function newNftTokens(withIntern = false, cache: NftParseCache = newNftParseCache()): NftTokens {
  return {
    tok: [], start: [], line: [], count: 0, openQuote: false, intern: withIntern ? new Array<string | undefined>(INTERN_SIZE) : [],
    src: '', cursors: DELIMS.map(() => -1), cache,
  };
}

/** src[k, j) as a string, from the intern table when it is a short word. */
function word(src: string, k: number, j: number, table: (string | undefined)[]): string {
  const len = j - k;
  if (table.length === 0 || len > INTERN_MAX_LEN) return src.slice(k, j);
  // Words that start with a letter (keywords, well-known chain names), or of at most 5
  // characters (ports, numgen indexes): addresses would fill the table with words seen once.
  const c0 = src.charCodeAt(k);
  if (len > 5 && !((c0 >= 97 && c0 <= 122) || (c0 >= 65 && c0 <= 90))) return src.slice(k, j);
  let slot = (Math.imul(len, 0x9e3779b1) ^ Math.imul(c0, 31) ^ Math.imul(src.charCodeAt(j - 1), 977) ^ Math.imul(src.charCodeAt(k + (len >> 1)), 7919)) & INTERN_MASK;
  for (let probe = 0; probe < 8; probe++) {
    const cand = table[slot];
    if (cand === undefined) {
      const w = src.slice(k, j);
      table[slot] = w;
      return w;
    }
    if (cand.length === len && src.startsWith(cand, k)) return cand;
    slot = (slot + 1) & INTERN_MASK;
  }
  return src.slice(k, j);
}

function push(out: NftTokens, tok: string, start: number, line: number): void {
  const n = out.count++;
  out.tok[n] = tok;
  out.start[n] = start;
  out.line[n] = line;
}

/** End of the word starting at k: the nearest delimiter, or `to`. */
function wordEnd(src: string, k: number, to: number, cur: number[]): number {
  let end = to;
  for (let d = 0; d < cur.length; d++) {
    let c = cur[d];
    if (c < k) {
      c = src.indexOf(DELIMS[d], k);
      if (c < 0) c = src.length;
      cur[d] = c;
    }
    if (c < end) end = c;
  }
  return end;
}

/**
 * Appends the tokens of src[from, to) to `out` (which the caller resets). Returns the offset of
 * the `#` starting a comment, or -1.
 */
export function tokenizeNftLine(src: string, from: number, to: number, lineNo: number, out: NftTokens): number {
  out.openQuote = false;
  if (out.src !== src) {
    out.src = src;
    out.cursors.fill(-1);
  }
  let k = from;
  while (k < to) {
    const c = src.charCodeAt(k);
    if (c === 32 || c === 9 || c === 13 || c === 11 || c === 12) {
      k++;
      continue;
    }
    if (c === 35) return k; // '#'
    if (c === 123 || c === 125 || c === 59 || c === 44) {
      // { } ; ,
      push(out, src[k], k, lineNo);
      k++;
      continue;
    }
    if (c === 34) {
      // '"': up to the closing quote; `\"` does not close.
      let j = k + 1;
      for (;;) {
        j = src.indexOf('"', j);
        if (j < 0 || j >= to) {
          j = to;
          break;
        }
        let bs = 0;
        while (src.charCodeAt(j - 1 - bs) === 92) bs++;
        if (bs % 2 === 0) break;
        j++;
      }
      if (j >= to) {
        out.openQuote = true;
        push(out, src.slice(k, to), k, lineNo);
        k = to;
      } else {
        push(out, src.slice(k, j + 1), k, lineNo);
        k = j + 1;
      }
      continue;
    }
    const j = wordEnd(src, k, to, out.cursors);
    push(out, word(src, k, j, out.intern), k, lineNo);
    k = j;
  }
  return -1;
}

/** `# handle 18` at src[hash, to) -> 18; undefined for any other comment. */
export function handleComment(src: string, hash: number, to: number): number | undefined {
  let k = hash + 1;
  while (k < to && src.charCodeAt(k) === 32) k++;
  if (!src.startsWith('handle', k)) return undefined;
  k += 6;
  const digits = k;
  while (k < to && src.charCodeAt(k) === 32) k++;
  if (k === digits) return undefined;
  let n = 0;
  const first = k;
  for (; k < to; k++) {
    const c = src.charCodeAt(k);
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
  }
  while (k < to && (src.charCodeAt(k) === 32 || src.charCodeAt(k) === 9)) k++;
  return k === to && k > first ? n : undefined;
}

/**
 * Text of tokens [from, to) in normalised form. When the source already has that form (single
 * spaces, no tabs, line breaks or ` ,`) this is a slice of the source, which costs no copying.
 */
export function tokenText(src: string, t: NftTokens, from: number, to: number): string {
  if (to <= from) return '';
  const tok = t.tok;
  const start = t.start;
  // Normalised form: one space between tokens, none before a list comma. Check the gaps only.
  for (let i = from; i + 1 < to; i++) {
    const end = start[i] + tok[i].length;
    if (tok[i + 1] === ',') {
      if (start[i + 1] !== end) return joinNftTokens(tok, from, to);
    } else if (start[i + 1] !== end + 1 || src.charCodeAt(end) !== 32) return joinNftTokens(tok, from, to);
  }
  return src.slice(start[from], start[to - 1] + tok[to - 1].length);
}

/** Normalised text of tokens [from, to): single spaces, `a, b` for list commas. */
export function joinNftTokens(tok: readonly string[], from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) {
    const t = tok[i];
    if (i === from) s = t;
    else if (t === ',') s += ',';
    else s += ' ' + t;
  }
  return s;
}
