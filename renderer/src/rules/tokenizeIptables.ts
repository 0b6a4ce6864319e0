import type { Token, TokenKind } from './token';
import { mergeTokens, scanPieces, wordKind } from './token';

// iptables-save lines (grammar in /work/shared/reference/dump-formats.md): `# comments`,
// `*table`, `:CHAIN POLICY [packets:bytes]`, `COMMIT`, and rules `[-c counters] -A CHAIN args`
// (or `[p:b] -A ...` from `iptables-save -c`), with `-j TARGET` / `-g CHAIN`.

const VERDICTS = new Set([
  'ACCEPT', 'DROP', 'REJECT', 'RETURN', 'DNAT', 'SNAT', 'MASQUERADE', 'MARK', 'CONNMARK', 'LOG', 'NOTRACK', 'CT',
  'REDIRECT', 'TPROXY', 'QUEUE', 'NFQUEUE', 'CHECKSUM', 'TCPMSS', 'NFLOG', 'TRACE', 'SET',
]);
const POLICIES = new Set(['ACCEPT', 'DROP', 'QUEUE', 'RETURN', '-']);

export function tokenizeIptables(line: string): Token[] {
  const first = line.charCodeAt(0);
  if (first === 35 /* # */) return [{ text: line, kind: 'comment' }];
  if (first === 42 /* * */) return [{ text: line, kind: 'table' }];
  if (line === 'COMMIT' || line.startsWith('COMMIT ')) return [{ text: line, kind: 'keyword' }];
  if (first === 58 /* : */) return chainDeclaration(line);
  return rule(line);
}

function chainDeclaration(line: string): Token[] {
  const out: Token[] = [];
  const pieces = scanPieces(line);
  for (let i = 0; i < pieces.length; i++) {
    const p = pieces[i];
    let kind: TokenKind = p.type === 'word' ? wordKind(p.text) : p.type === 'string' ? 'string' : 'plain';
    if (i === 0 && p.type === 'word') {
      out.push({ text: ':', kind: 'keyword' }, { text: p.text.slice(1), kind: 'chain' });
      continue;
    }
    if (p.type === 'word' && POLICIES.has(p.text)) kind = 'verdict';
    else if (p.type === 'word' && p.text.startsWith('[')) kind = 'counter';
    out.push({ text: p.text, kind });
  }
  return mergeTokens(out);
}

function rule(line: string): Token[] {
  const out: Token[] = [];
  // What the previous word asks the next one to be.
  let next: 'chain' | 'target' | 'counter' | null = null;
  for (const p of scanPieces(line)) {
    if (p.type === 'space') {
      out.push({ text: p.text, kind: 'plain' });
      continue;
    }
    if (p.type === 'string') {
      out.push({ text: p.text, kind: 'string' });
      next = null;
      continue;
    }
    const w = p.text;
    if (next === 'chain') {
      out.push({ text: w, kind: 'chain' });
      next = null;
    } else if (next === 'target') {
      out.push({ text: w, kind: VERDICTS.has(w) ? 'verdict' : 'jump' });
      next = null;
    } else if (next === 'counter') {
      out.push({ text: w, kind: 'counter' });
      next = null;
    } else if (w.charCodeAt(0) === 91 /* [ */ && out.length === 0) {
      out.push({ text: w, kind: 'counter' });
    } else if (w === '-A' || w === '-I' || w === '-N' || w === '--append' || w === '--insert') {
      out.push({ text: w, kind: 'flag' });
      next = 'chain';
    } else if (w === '-j' || w === '-g' || w === '--jump' || w === '--goto') {
      out.push({ text: w, kind: 'flag' });
      next = 'target';
    } else if (w === '-c') {
      out.push({ text: w, kind: 'flag' });
      next = 'counter';
    } else if (w === '!' || (w.charCodeAt(0) === 45 /* - */ && w.length > 1 && !/^-\d/.test(w))) {
      out.push({ text: w, kind: 'flag' });
    } else {
      out.push({ text: w, kind: wordKind(w) });
    }
  }
  return mergeTokens(out);
}
