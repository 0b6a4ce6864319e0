import { visibleText } from './visibleText';

// Escaping for untrusted text in GitHub-flavoured Markdown. Raw HTML would pass through many
// renderers, so `<`, `>` and `&` are escaped along with the inline syntax characters.

const INLINE_SPECIAL = /[\\`*_[\]<>|~&#!]/g;

/** Plain text on one line (table cells, headings, list items). */
export function mdText(text: string): string {
  return visibleText(text).replace(INLINE_SPECIAL, (c) => '\\' + c);
}

/** Sentences that may span lines; each line also loses any block syntax it starts with. */
export function mdParagraph(text: string): string {
  return visibleText(text, true)
    .split('\n')
    .map((line) => line.replace(INLINE_SPECIAL, (c) => '\\' + c).replace(/^(\s*)([-+=])/, '$1\\$2').replace(/^(\s*)(\d+)([.)])/, '$1$2\\$3'))
    .join('\n');
}

function longestRun(text: string, ch: string): number {
  let max = 0;
  let run = 0;
  for (const c of text) {
    run = c === ch ? run + 1 : 0;
    if (run > max) max = run;
  }
  return max;
}

/** An inline code span that holds any text, backticks included. `inTable` also escapes pipes. */
export function mdCode(text: string, inTable = false): string {
  let body = visibleText(text);
  const fence = '`'.repeat(longestRun(body, '`') + 1);
  if (body.startsWith('`') || body.endsWith('`') || (body.startsWith(' ') && body.endsWith(' ') && body.trim() !== '')) body = ` ${body} `;
  if (inTable) body = body.replace(/\|/g, '\\|');
  return fence + body + fence;
}

/** A fenced code block whose fence is longer than any backtick run inside. */
export function mdCodeBlock(lines: string[], info = 'text'): string {
  const body = lines.map((l) => visibleText(l)).join('\n');
  const fence = '`'.repeat(Math.max(3, longestRun(body, '`') + 1));
  return `${fence}${info}\n${body}\n${fence}`;
}

/** One table row; cells are already escaped with mdText / mdCode(…, true). */
export function mdRow(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}
