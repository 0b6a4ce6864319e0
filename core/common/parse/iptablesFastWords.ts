import type { IptOption } from '../model/iptables';
import { EMPTY, NEEDS_VALUE } from './iptablesRuleArgs';
import type { SaveState } from './iptablesSaveState';
import { internWord } from './iptablesIntern';
import { BANG, FREE, kindAt, OPTION, VALUE } from './iptablesWords';

// Words of one line for the fast path (iptablesFastAppend.ts), in typed scratch arrays reused
// across lines: split in one pass with the same rules as tokenizeRuleInto, and the options of a
// segment built exactly as iptablesRuleArgs' buildOptions builds them.

const MAX_WORDS = 64;
const SPACE = 32;
export const starts = new Int32Array(MAX_WORDS);
export const ends = new Int32Array(MAX_WORDS);
export const kinds = new Int8Array(MAX_WORDS);
/** 1 for a `"..."` word (value = inside of the quotes), 0 for a bare word. */
export const quoted = new Uint8Array(MAX_WORDS);
export const segStarts = new Int32Array(MAX_WORDS);
export const segEnds = new Int32Array(MAX_WORDS);
const scratchOpts: (IptOption | undefined)[] = [];

export function indexOrLen(text: string, ch: string, from: number): number {
  const i = text.indexOf(ch, from);
  return i < 0 ? text.length : i;
}

/**
 * Splits text[p, end) into the scratch arrays the way tokenizeRuleInto would; returns the word
 * count, or -1 when the line needs the general tokenizer (empty word, quote inside a word,
 * backslash or unterminated quote in a quoted word, too many words).
 */
export function split(st: SaveState, text: string, p: number, end: number): number {
  let n = 0;
  let q = st.nextQuote;
  while (p < end) {
    if (n === MAX_WORDS) return -1;
    if (q < p) q = st.nextQuote = indexOrLen(text, '"', p);
    if (q === p) {
      const close = indexOrLen(text, '"', p + 1);
      if (close >= end) return -1;
      if (st.nextBackslash <= p) st.nextBackslash = indexOrLen(text, '\\', p + 1);
      if (st.nextBackslash < close) return -1;
      const after = close + 1;
      if (after < end && text.charCodeAt(after) !== SPACE) return -1;
      starts[n] = p;
      ends[n] = after;
      kinds[n] = VALUE;
      quoted[n++] = 1;
      q = st.nextQuote = indexOrLen(text, '"', after);
      p = after + 1;
      continue;
    }
    let e = text.indexOf(' ', p);
    if (e < 0 || e > end) e = end;
    if (e === p || q < e) return -1;
    starts[n] = p;
    ends[n] = e;
    kinds[n] = kindAt(text, p, e - p);
    quoted[n++] = 0;
    p = e + 1;
  }
  return n;
}

/** out[0, n) as an array of exactly n elements (literals: cheaper than slice() for the usual 1-3). */
export function exact<T>(out: (T | undefined)[], n: number): T[] {
  switch (n) {
    case 0: return EMPTY;
    case 1: return [out[0] as T];
    case 2: return [out[0] as T, out[1] as T];
    case 3: return [out[0] as T, out[1] as T, out[2] as T];
  }
  return out.slice(0, n) as T[];
}

export function valueAt(text: string, i: number): string {
  return quoted[i] === 0 ? text.slice(starts[i], ends[i]) : text.slice(starts[i] + 1, ends[i] - 1);
}

/** Like iptablesWords' segmentEnd, over the scratch kinds. */
export function segmentEnd(n: number, i: number): number {
  while (i < n) {
    const k = kinds[i];
    if (k === VALUE || k === OPTION) i++;
    else if (k === FREE) i = i + 2 <= n ? i + 2 : n;
    else if (k === BANG && i + 1 < n && (kinds[i + 1] === OPTION || kinds[i + 1] === FREE)) i++;
    else break;
  }
  return i;
}

/**
 * The options of words [a, e) as the general path's buildOptions gives them, or null for the
 * cases the fast path leaves to it (a stray value, an option that needs a value and has none).
 */
export function options(text: string, a: number, e: number): IptOption[] | null {
  const out = scratchOpts;
  let n = 0;
  let negate = false;
  let i = a;
  let ok = true;
  while (i < e) {
    const k = kinds[i];
    if (k === BANG) {
      negate = true;
      i++;
      continue;
    }
    if (k === VALUE) {
      ok = false;
      break;
    }
    const name = internWord(text, starts[i], ends[i]);
    let j = i + 1;
    let values: string[];
    if (k === FREE) {
      values = j < e ? [valueAt(text, j++)] : EMPTY;
    } else {
      while (j < e && kinds[j] === VALUE) j++;
      if (j === i + 1) values = EMPTY;
      else if (j === i + 2) values = [valueAt(text, i + 1)];
      else {
        values = [];
        for (let v = i + 1; v < j; v++) values.push(valueAt(text, v));
      }
    }
    if (values.length === 0 && NEEDS_VALUE.has(name)) {
      ok = false;
      break;
    }
    out[n++] = { name, negated: negate, values };
    negate = false;
    i = j;
  }
  const result = ok ? exact(out, n) : null;
  for (let j = 0; j < n; j++) out[j] = undefined;
  return result;
}
