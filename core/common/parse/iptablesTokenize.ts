// Tokeniser for one iptables-save / iptables-restore line.
//
// Follows iptables-restore's own splitting (iptables xshared.c add_param_to_argv): words are
// separated by spaces/tabs, a `"..."` run is part of one word, and inside quotes a backslash
// escapes the next character (iptables-save escapes `"`, `\` and `'` in comments, see
// libxtables xtables_save_string). kube-proxy's test parser (pkg/util/iptables/testing/parse.go)
// also treats a quoted string as one word and strips the quotes. Negation (`!`) is a word of its
// own; the rule parser attaches it to the next option.
//
// Hot path: a 10k-Service dump has ~237k lines / 18.5 MB. A JavaScript char loop over that alone
// costs ~50 ms and slicing every word ~2M short-lived strings, so word boundaries are found with
// native indexOf and only offsets are recorded; the parser slices the few words it keeps
// (`wordAt`). Lines with tabs, escapes or quotes inside a word take a char-by-char path.

/** Words of one line, as offsets into `text`. Reused across lines: only `count` entries are valid. */
export interface RuleTokens {
  count: number;
  /** [starts[i], ends[i]) is word i as written, quotes included (used as a cache key). */
  starts: number[];
  ends: number[];
  /**
   * 0: a bare word; 1: a `"..."` word without escapes (value = inside of the quotes);
   * 2: built on the char-by-char path (value in `decoded`). Non-zero means the word contained
   * quotes: it is then always a value, never an option or `!`.
   */
  quoted: number[];
  /** The unescaped value of words with quoted[i] === 2. */
  decoded: string[];
  /** Set when the line ends inside a quoted string (typically a line cut at terminal width). */
  error: string | undefined;
  /** The text the offsets refer to, and scan cursors into it (next `"`, tab, backslash). */
  text: string;
  nextQuote: number;
  nextTab: number;
  nextBackslash: number;
  lastStart: number;
}

/** A line split into plain strings (convenience form, for tests and non-hot callers). */
export interface TokenizedLine {
  tokens: string[];
  quoted: boolean[];
  error: string | undefined;
}

const SPACE = 32;
const TAB = 9;
const QUOTE = 34;
const BACKSLASH = 92;

export function newRuleTokens(): RuleTokens {
  return {
    count: 0, starts: [], ends: [], quoted: [], decoded: [], error: undefined,
    text: '', nextQuote: -1, nextTab: -1, nextBackslash: -1, lastStart: 0,
  };
}

/** The value of word i (quotes removed, escapes resolved). */
export function wordAt(tk: RuleTokens, i: number): string {
  const q = tk.quoted[i];
  if (q === 0) return tk.text.slice(tk.starts[i], tk.ends[i]);
  if (q === 1) return tk.text.slice(tk.starts[i] + 1, tk.ends[i] - 1);
  return tk.decoded[i];
}

/** Splits `line` into words. */
export function tokenizeRule(line: string): TokenizedLine {
  const tk = tokenizeRuleInto(line, 0, line.length, newRuleTokens());
  const tokens: string[] = [];
  for (let i = 0; i < tk.count; i++) tokens.push(wordAt(tk, i));
  return { tokens, quoted: tk.quoted.slice(0, tk.count).map((q) => q !== 0), error: tk.error };
}

function push(out: RuleTokens, start: number, end: number, quoted: number): void {
  const k = out.count++;
  out.starts[k] = start;
  out.ends[k] = end;
  out.quoted[k] = quoted;
}

function pushDecoded(out: RuleTokens, start: number, end: number, decoded: string): void {
  out.decoded[out.count] = decoded;
  push(out, start, end, 2);
}

function nextIndex(text: string, ch: string, from: number): number {
  const i = text.indexOf(ch, from);
  return i < 0 ? text.length : i;
}

/**
 * Tokenises `text[start, end)` into `out` (reset first). Meant to be called on increasing line
 * ranges of one text: the cursors in `out` keep the search for quotes, tabs and backslashes
 * linear over the whole text.
 */
export function tokenizeRuleInto(text: string, start: number, end: number, out: RuleTokens): RuleTokens {
  out.count = 0;
  out.error = undefined;
  if (out.text !== text || start < out.lastStart) {
    out.text = text;
    out.nextQuote = out.nextTab = out.nextBackslash = -1;
  }
  out.lastStart = start;
  if (out.nextTab < start) out.nextTab = nextIndex(text, '\t', start);
  if (out.nextTab < end) return slowTokenize(text, start, end, out);
  let q = out.nextQuote;
  if (q < start) q = out.nextQuote = nextIndex(text, '"', start);
  let p = start;
  while (p < end) {
    if (text.charCodeAt(p) === SPACE) {
      p++;
      continue;
    }
    if (p === q) {
      // `"..."` as a whole word without escapes; anything else takes the slow path.
      const close = nextIndex(text, '"', p + 1);
      if (out.nextBackslash <= p) out.nextBackslash = nextIndex(text, '\\', p + 1);
      if (close >= end || out.nextBackslash < close || (close + 1 < end && text.charCodeAt(close + 1) !== SPACE)) {
        return slowTokenize(text, p, end, out);
      }
      push(out, p, close + 1, 1);
      p = close + 1;
      q = out.nextQuote = nextIndex(text, '"', p);
      continue;
    }
    let sp = text.indexOf(' ', p);
    if (sp < 0 || sp > end) sp = end;
    if (q < sp) return slowTokenize(text, p, end, out);
    push(out, p, sp, 0);
    p = sp + 1;
  }
  return out;
}

/** Char-by-char tokeniser for `text[start, end)`, appending to `out`. */
function slowTokenize(text: string, start: number, end: number, out: RuleTokens): RuleTokens {
  let i = start;
  while (i < end) {
    let c = text.charCodeAt(i);
    if (c === SPACE || c === TAB) {
      i++;
      continue;
    }
    const tokStart = i;
    while (i < end) {
      c = text.charCodeAt(i);
      if (c === SPACE || c === TAB || c === QUOTE) break;
      i++;
    }
    if (i >= end || c !== QUOTE) {
      push(out, tokStart, i, 0);
      continue;
    }
    let word = text.slice(tokStart, i);
    while (i < end) {
      c = text.charCodeAt(i);
      if (c === SPACE || c === TAB) break;
      if (c !== QUOTE) {
        const s = i;
        while (i < end) {
          c = text.charCodeAt(i);
          if (c === SPACE || c === TAB || c === QUOTE) break;
          i++;
        }
        word += text.slice(s, i);
        continue;
      }
      i++; // opening quote
      let seg = i;
      let closed = false;
      while (i < end) {
        c = text.charCodeAt(i);
        if (c === BACKSLASH && i + 1 < end) {
          word += text.slice(seg, i) + text[i + 1];
          i += 2;
          seg = i;
        } else if (c === QUOTE) {
          word += text.slice(seg, i);
          i++;
          closed = true;
          break;
        } else {
          i++;
        }
      }
      if (!closed) {
        pushDecoded(out, tokStart, end, word + text.slice(seg, end));
        out.error = 'unterminated quoted string (line cut short?)';
        return out;
      }
    }
    pushDecoded(out, tokStart, i, word);
  }
  return out;
}
