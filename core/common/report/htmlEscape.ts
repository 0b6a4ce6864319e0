import { replaceInvisible } from './visibleText';

// Escaping for untrusted text in the HTML report. Everything from the snapshot goes through
// here: the five HTML-significant characters become entities (so no tag or attribute can be
// formed, in text or in a quoted attribute), and invisible/bidi/control characters become a
// visible, styled `U+XXXX` marker.

const HTML_SPECIAL = /[&<>"']/g;
const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string, multiline = false): string {
  const escaped = text.replace(HTML_SPECIAL, (c) => ENTITY[c]);
  return replaceInvisible(escaped, (label) => `<span class="cc">${label}</span>`, multiline);
}
