import type { Token } from './token';
import { mergeTokens, scanPieces, wordKind } from './token';

// The simpler dumps: `ipvsadm -Ln` (virtual services and `-> real server` lines), `ipset list`
// / `ipset save`, and `conntrack -L` (`key=value` fields, `[ASSURED]` flags).

const IPVS_PROTOCOLS = new Set(['TCP', 'UDP', 'SCTP', 'FWM']);
const IPVS_FORWARD = new Set(['Masq', 'Route', 'Tunnel', 'Local', 'FullNat']);

export function tokenizeIpvsadm(line: string): Token[] {
  const out: Token[] = [];
  let words = 0;
  for (const p of scanPieces(line)) {
    if (p.type !== 'word') {
      out.push({ text: p.text, kind: p.type === 'string' ? 'string' : 'plain' });
      continue;
    }
    const w = p.text;
    const first = words++ === 0;
    if (first && IPVS_PROTOCOLS.has(w)) out.push({ text: w, kind: 'chain' });
    else if (w === '->') out.push({ text: w, kind: 'flag' });
    else if (IPVS_FORWARD.has(w)) out.push({ text: w, kind: 'verdict' });
    else if (first && /^(IP|Prot)$/.test(w)) out.push({ text: w, kind: 'comment' });
    else out.push({ text: w, kind: wordKind(w) });
  }
  if (out.length > 0 && out.some((t) => t.kind === 'comment')) return [{ text: line, kind: 'comment' }];
  return mergeTokens(out);
}

const IPSET_HEADER = /^(Name|Type|Revision|Header|Size in memory|References|Number of entries|Members):/;

export function tokenizeIpset(line: string): Token[] {
  const header = IPSET_HEADER.exec(line);
  if (header) {
    const rest = line.slice(header[0].length);
    const kind = header[1] === 'Name' ? 'chain' : 'plain';
    return mergeTokens([{ text: header[0], kind: 'keyword' }, ...restTokens(rest, kind)]);
  }
  const out: Token[] = [];
  let words = 0;
  let name = false;
  for (const p of scanPieces(line)) {
    if (p.type !== 'word') {
      out.push({ text: p.text, kind: p.type === 'string' ? 'string' : 'plain' });
      continue;
    }
    const w = p.text;
    const index = words++;
    if (index === 0 && /^(create|add|del|flush|destroy|swap|rename)$/.test(w)) {
      out.push({ text: w, kind: 'keyword' });
      name = true;
    } else if (name) {
      out.push({ text: w, kind: 'chain' });
      name = false;
    } else if (w.startsWith('hash:') || w.startsWith('bitmap:') || w.startsWith('list:')) {
      out.push({ text: w, kind: 'keyword' });
    } else {
      out.push(...memberTokens(w));
    }
  }
  return mergeTokens(out);
}

function restTokens(rest: string, kind: 'chain' | 'plain'): Token[] {
  return scanPieces(rest).map((p) => ({ text: p.text, kind: p.type === 'word' && kind === 'chain' ? 'chain' : p.type === 'word' ? wordKind(p.text) : 'plain' }));
}

/** `10.244.1.3,tcp:80,10.244.1.3`: addresses and ports between commas. */
function memberTokens(w: string): Token[] {
  if (!w.includes(',')) return [{ text: w, kind: wordKind(w) }];
  const out: Token[] = [];
  const parts = w.split(',');
  parts.forEach((part, i) => {
    if (i > 0) out.push({ text: ',', kind: 'plain' });
    out.push({ text: part, kind: part.includes(':') && /^[a-z]+:\d+$/.test(part) ? 'number' : wordKind(part) });
  });
  return out;
}

const CT_STATES = /^[A-Z_]+$/;

export function tokenizeConntrack(line: string): Token[] {
  if (line.startsWith('#') || line.startsWith('$') || line.startsWith('conntrack v')) return [{ text: line, kind: 'comment' }];
  const out: Token[] = [];
  let words = 0;
  for (const p of scanPieces(line)) {
    if (p.type !== 'word') {
      out.push({ text: p.text, kind: p.type === 'string' ? 'string' : 'plain' });
      continue;
    }
    const w = p.text;
    const index = words++;
    const eq = w.indexOf('=');
    if (eq > 0) {
      out.push({ text: w.slice(0, eq + 1), kind: 'keyword' }, { text: w.slice(eq + 1), kind: wordKind(w.slice(eq + 1)) });
    } else if (w.startsWith('[') && w.endsWith(']')) {
      out.push({ text: w, kind: 'flag' });
    } else if (index === 0 || (index === 2 && /^[a-z]+$/.test(w))) {
      out.push({ text: w, kind: 'chain' });
    } else if (CT_STATES.test(w)) {
      out.push({ text: w, kind: 'verdict' });
    } else {
      out.push({ text: w, kind: wordKind(w) });
    }
  }
  return mergeTokens(out);
}
