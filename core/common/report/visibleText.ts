// Text from a snapshot is untrusted: a Service name or a rule comment can carry terminal escape
// sequences (kubectl had CVE-2021-25743 for exactly this), bidi overrides that make a report
// read differently from what it says (Trojan Source, CVE-2021-42574), or zero-width characters.
// Every renderer shows such characters as a visible `<U+XXXX>` marker instead.

// C0 (minus tab/newline, handled below), DEL + C1, Arabic letter mark, zero-width and direction
// marks, line/paragraph separators, bidi embeddings/overrides/isolates, word joiner and
// invisible operators, BOM, interlinear annotation controls.
const INVISIBLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb]/g;
const INVISIBLE_OR_BREAK = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb]/g;

export function codePointLabel(ch: string): string {
  return 'U+' + (ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
}

/**
 * Replaces invisible and control characters with `mark(label)` (default `<U+202E>`).
 * `multiline` keeps `\n` and `\t` (messages); single-line fields (names, rules) mark them too.
 */
export function replaceInvisible(text: string, mark: (label: string) => string, multiline = false): string {
  const re = multiline ? INVISIBLE : INVISIBLE_OR_BREAK;
  re.lastIndex = 0;
  if (!re.test(text)) return text;
  re.lastIndex = 0;
  return text.replace(re, (ch) => mark(codePointLabel(ch)));
}

export function visibleText(text: string, multiline = false): string {
  return replaceInvisible(text, (label) => `<${label}>`, multiline);
}
