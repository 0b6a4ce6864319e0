import type { RuleSyntax } from './ruleSyntax';

// A node file as the rule viewer shows it: one entry per line, numbered like Evidence.line.
// Text dumps split on '\n' (a final newline does not make an extra empty line). `nft -j`
// prints the whole ruleset on one line, and the nft JSON parser numbers evidence by the index of
// the object in the `nftables` array + 1 (core/common/parse/nftJson.ts), so nft.json is shown
// one object per line, each as JSON.stringify prints it (which is also the evidence's `raw`).

export function ruleLines(text: string, syntax: RuleSyntax): string[] {
  if (syntax === 'nft-json') {
    const items = nftJsonItems(text);
    if (items !== null) return nftJsonLines(items);
  }
  return splitLines(text);
}

/** One line per nft JSON object, as the parser's evidence `raw` prints it. */
export function nftJsonLines(items: readonly unknown[]): string[] {
  return items.map((item) => JSON.stringify(item) ?? 'null');
}

/** The `nftables` array of an nft JSON document, or null when the text is not one. */
export function nftJsonItems(text: string): unknown[] | null {
  try {
    const doc: unknown = JSON.parse(text);
    if (typeof doc === 'object' && doc !== null && Array.isArray((doc as { nftables?: unknown }).nftables)) {
      return (doc as { nftables: unknown[] }).nftables;
    }
  } catch {
    // Not JSON: shown as plain lines.
  }
  return null;
}

export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Line count without materialising the lines (same numbering as splitLines). */
export function countLines(text: string): number {
  if (text === '') return 0;
  let n = 0;
  let i = text.indexOf('\n');
  while (i !== -1) {
    n++;
    i = text.indexOf('\n', i + 1);
  }
  return text.endsWith('\n') ? n : n + 1;
}
