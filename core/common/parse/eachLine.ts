import type { Malformed } from '../model';

/**
 * Calls `parse` for every line of `text` (1-based numbers; the CR of a CRLF is dropped) and
 * returns the number of lines. Parsers never throw on input, so an exception from `parse` is a
 * parser bug: it is reported as malformed against its line and the next line is parsed.
 */
export function eachLine(text: unknown, malformed: Malformed[], parse: (raw: string, line: number) => void): number {
  const input = typeof text === 'string' ? text : '';
  let line = 0;
  let pos = 0;
  while (pos < input.length) {
    let nl = input.indexOf('\n', pos);
    if (nl < 0) nl = input.length;
    line++;
    const raw = input.slice(pos, nl > pos && input.charCodeAt(nl - 1) === 13 ? nl - 1 : nl);
    pos = nl + 1;
    try {
      parse(raw, line);
    } catch (e) {
      malformed.push({ line, raw, reason: `internal parser error: ${String(e)}` });
    }
  }
  return line;
}
