// Character-level helpers of the conntrack parser (core/common/parse/conntrack.ts): finding
// blanks / `=` / `]`, reading numbers from char codes and matching keys without slicing them.

// Key codes (plain numbers: keys are matched on the hot path without slicing them).
// Codes up to K_ZONE_DIR belong to the current tuple; the others are entry-level and close it.
export const K_SRC = 0, K_DST = 1, K_SPORT = 2, K_DPORT = 3, K_TYPE = 4, K_CODE = 5, K_ID = 6, K_SRCKEY = 7, K_DSTKEY = 8;
export const K_PACKETS = 9, K_BYTES = 10, K_ZONE_DIR = 11, K_MARK = 12, K_SECMARK = 13, K_SECCTX = 14, K_ZONE = 15;
export const K_DELTA = 16, K_HELPER = 17, K_USE = 18, K_LABELS = 19, K_OTHER = 20;
export const KEYS = ['src', 'dst', 'sport', 'dport', 'type', 'code', 'id', 'srckey', 'dstkey', 'packets', 'bytes', '', 'mark',
  'secmark', 'secctx', 'zone', 'delta-time', 'helper', 'use', 'labels'];

/** Keys whose value is read as a number (the others are kept as text). */
export const NUMERIC = [false, false, true, true, true, true, true, false, false, true, true, true, true, true, false, true, true, false, true, false, false];

/**
 * Where the next `ch` is: `at` is the first one at or after `from` (t.length if none). Blanks,
 * `=` and `]` are found with the native indexOf instead of a charCode loop (the first parse runs
 * in the interpreter for thousands of lines, where a loop per character is what costs); the
 * cache keeps it linear when a char is missing for a long stretch (queries only move forward).
 */
export interface Finder {
  ch: string;
  from: number;
  at: number;
}

/** The text being scanned, with its finders (parseConntrack keeps one per parse). */
export interface Lexer {
  t: string;
  /** Protocol and state words seen in this parse, so 100k entries share a few strings. */
  words: (string | undefined)[];
  sp: Finder;
  eq: Finder;
  br: Finder;
  tab: Finder;
  /** The current line has a tab (then words end at either blank, found char by char). */
  tabs: boolean;
}

export function newFinder(ch: string): Finder {
  return { ch, from: 0, at: -1 };
}

/** Index of the first `f.ch` at or after i (t.length if none). */
export function next(t: string, f: Finder, i: number): number {
  if (i < f.from || i > f.at) {
    const k = t.indexOf(f.ch, i);
    f.at = k < 0 ? t.length : k;
    f.from = i;
  }
  return f.at;
}

/** Index of the first non-blank char at or after i. */
export function skip(t: string, i: number, end: number): number {
  while (i < end) {
    const c = t.charCodeAt(i);
    if (c !== 32 && c !== 9) break;
    i++;
  }
  return i;
}

/** End of the word starting at i (the next blank, or `end`). */
export function wordEnd(ctx: Lexer, i: number, end: number): number {
  const t = ctx.t;
  if (ctx.tabs) {
    while (i < end) {
      const c = t.charCodeAt(i);
      if (c === 32 || c === 9) break;
      i++;
    }
    return i;
  }
  const k = next(t, ctx.sp, i);
  return k < end ? k : end;
}

/** Digits in t[a, b) as a number, or -1 when empty / not all digits. */
export function num(t: string, a: number, b: number): number {
  if (a >= b || b - a > 15) return -1;
  let v = 0;
  for (let i = a; i < b; i++) {
    const c = t.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** t[a, b) as a string shared with earlier equal words of this parse (protocol names, states). */
export function word(ctx: Lexer, a: number, b: number): string {
  const t = ctx.t;
  const n = b - a;
  const h = (n * 31 + t.charCodeAt(a) * 7 + t.charCodeAt(b - 1)) & (ctx.words.length - 1);
  const w = ctx.words[h];
  if (w !== undefined && w.length === n && t.startsWith(w, a)) return w;
  const s = t.slice(a, b);
  if (ctx.words.length > 0) ctx.words[h] = s;
  return s;
}

/** t[a, b) is the text of `s` (then `s` itself is kept instead of a new slice). */
export function sameText(t: string, a: number, b: number, s: string): boolean {
  return b - a === s.length && t.startsWith(s, a);
}

/** `1700000000.123456` (conntrack -E -o timestamp). */
export function isTimestamp(w: string): boolean {
  let dots = 0;
  for (let i = 0; i < w.length; i++) {
    const c = w.charCodeAt(i);
    if (c === 46) dots++;
    else if (c < 48 || c > 57) return false;
  }
  return w.length > 0 && dots <= 1;
}

/** A lower-case word without `=` (a protocol name). */
export function isLowerWord(ctx: Lexer, a: number, b: number): boolean {
  if (a >= b) return false;
  const c = ctx.t.charCodeAt(a);
  return c >= 97 && c <= 122 && next(ctx.t, ctx.eq, a) >= b;
}

/** `ort=` at i (after `sp` / `dp`). */
export function isPort(t: string, i: number): boolean {
  return t.charCodeAt(i) === 111 && t.charCodeAt(i + 1) === 114 && t.charCodeAt(i + 2) === 116 && t.charCodeAt(i + 3) === 61;
}

/** t[a, b) is exactly `k`. */
export function isKey(t: string, a: number, b: number, k: string): boolean {
  return b - a === k.length && t.startsWith(k, a);
}

/** Matches t[a, b) against the known keys without slicing it. `zone-orig`/`zone-reply` -> K_ZONE_DIR. */
export function keyOf(t: string, a: number, b: number): number {
  const c = t.charCodeAt(a);
  switch (b - a) {
    case 2: return t.startsWith('id', a) ? K_ID : K_OTHER;
    case 3: return c === 115 ? (t.startsWith('src', a) ? K_SRC : K_OTHER) : c === 100 ? (t.startsWith('dst', a) ? K_DST : K_OTHER) : t.startsWith('use', a) ? K_USE : K_OTHER;
    case 4: return c === 109 ? (t.startsWith('mark', a) ? K_MARK : K_OTHER) : t.startsWith('type', a) ? K_TYPE : t.startsWith('code', a) ? K_CODE : t.startsWith('zone', a) ? K_ZONE : K_OTHER;
    case 5: return c === 115 ? (t.startsWith('sport', a) ? K_SPORT : K_OTHER) : c === 100 ? (t.startsWith('dport', a) ? K_DPORT : K_OTHER) : t.startsWith('bytes', a) ? K_BYTES : K_OTHER;
    case 6: return t.startsWith('srckey', a) ? K_SRCKEY : t.startsWith('dstkey', a) ? K_DSTKEY : t.startsWith('secctx', a) ? K_SECCTX : t.startsWith('helper', a) ? K_HELPER : t.startsWith('labels', a) ? K_LABELS : K_OTHER;
    case 7: return t.startsWith('packets', a) ? K_PACKETS : t.startsWith('secmark', a) ? K_SECMARK : K_OTHER;
    case 9: return t.startsWith('zone-orig', a) ? K_ZONE_DIR : K_OTHER;
    case 10: return t.startsWith('delta-time', a) ? K_DELTA : t.startsWith('zone-reply', a) ? K_ZONE_DIR : K_OTHER;
    default: return K_OTHER;
  }
}
