import type { Token, TokenKind } from './token';

// Find-in-file for the rules viewer. Plain, case-insensitive substring search (no regex: a dump
// can be 240k lines and a query is typed by a person, not a pattern).

/** 0-based indices of the lines containing `query` (case-insensitive), in order. */
export function findMatches(lines: readonly string[], query: string): number[] {
  const q = query.toLowerCase();
  if (q === '') return [];
  const out: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    // Most lines are ASCII and contain no upper case letter of the query: try the raw line first.
    if (line.includes(q) || line.toLowerCase().includes(q)) out.push(i);
  }
  return out;
}

/**
 * Position in `matches` of the next (dir 1) or previous (dir -1) match after line `from`
 * (0-based), wrapping around; -1 when there is none.
 */
export function stepMatch(matches: readonly number[], from: number, dir: 1 | -1): number {
  if (matches.length === 0) return -1;
  // Binary search for the first match > from (dir 1) or the last match < from (dir -1).
  let lo = 0;
  let hi = matches.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (dir === 1 ? matches[mid] <= from : matches[mid] < from) lo = mid + 1;
    else hi = mid;
  }
  if (dir === 1) return lo < matches.length ? lo : 0;
  return lo - 1 >= 0 ? lo - 1 : matches.length - 1;
}

export interface Segment {
  text: string;
  kind: TokenKind;
  /** Part of a search match. */
  hit: boolean;
}

/** Splits tokens at the matches of `query` (case-insensitive) so the view can mark them. */
export function highlightTokens(tokens: readonly Token[], query: string): Segment[] {
  const line = tokens.map((t) => t.text).join('');
  const q = query.toLowerCase();
  const ranges: [number, number][] = [];
  if (q !== '') {
    const lower = line.toLowerCase();
    // toLowerCase can change lengths for a few code points; only mark when it did not.
    if (lower.length === line.length) {
      for (let i = lower.indexOf(q); i >= 0; i = lower.indexOf(q, i + q.length)) ranges.push([i, i + q.length]);
    }
  }
  if (ranges.length === 0) return tokens.map((t) => ({ text: t.text, kind: t.kind, hit: false }));
  const out: Segment[] = [];
  let pos = 0;
  let r = 0;
  for (const t of tokens) {
    const end = pos + t.text.length;
    let at = pos;
    while (at < end) {
      while (r < ranges.length && ranges[r][1] <= at) r++;
      const range = ranges[r];
      if (!range || range[0] >= end) {
        out.push({ text: line.slice(at, end), kind: t.kind, hit: false });
        at = end;
      } else if (range[0] > at) {
        out.push({ text: line.slice(at, range[0]), kind: t.kind, hit: false });
        at = range[0];
      } else {
        const stop = Math.min(range[1], end);
        out.push({ text: line.slice(at, stop), kind: t.kind, hit: true });
        at = stop;
      }
    }
    pos = end;
  }
  return out;
}
