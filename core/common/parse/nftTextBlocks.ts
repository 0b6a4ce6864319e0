import type { NftChain, NftFamily, NftSet } from '../model/nft';
import { addNftElements, malformedNft } from './nftBuild';
import type { NftBuild } from './nftBuild';
import { matchingBrace, parseNftElements } from './nftElements';
import { parseNftRule } from './nftRule';
import { joinNftTokens } from './nftTokenize';
import type { NftTokens } from './nftTokenize';
import { nftPriority, nftTime, unquote } from './nftValues';

// Statements inside `chain { ... }` and `set|map { ... }` blocks, in both text syntaxes: the
// listing's `type nat hook prerouting priority dstnat; policy accept;` and rules, the
// transaction's inline `{ type ipv4_addr ; flags dynamic,timeout ; timeout 10800s ; }`.

/** One statement: its tokens (`p.tok[0, p.count)`), first line, raw line(s) and `# handle`. */
export interface NftStatement {
  b: NftBuild;
  src: string;
  p: NftTokens;
  line: number;
  raw: string;
  handle: number | undefined;
}

/** Words of tokens [from, to) without list commas (`flags dynamic,timeout`). */
export function nftWords(p: NftTokens, from: number, to: number): string[] {
  const out: string[] = [];
  for (let i = from; i < to; i++) if (p.tok[i] !== ',') out.push(unquote(p.tok[i]));
  return out;
}

export function chainStatement(x: NftStatement, family: NftFamily, c: NftChain): void {
  const { p, raw } = x;
  const w = p.tok[0];
  const n = p.count;
  if (w === 'type' && n >= 2) {
    // type filter hook prerouting [device eth0] priority dstnat - 10
    c.type = p.tok[1];
    for (let i = 2; i < n; i++) {
      const k = p.tok[i];
      if (k === 'hook' && i + 1 < n) c.hook = p.tok[++i];
      else if (k === 'device' && i + 1 < n) c.device = unquote(p.tok[++i]);
      else if (k === 'priority' && i + 1 < n) {
        c.priorityText = joinNftTokens(p.tok, i + 1, n);
        const prio = nftPriority(c.priorityText, family);
        if (prio !== undefined) c.priority = prio;
        else malformedNft(x.b, x.line, raw, `unknown chain priority '${c.priorityText}'`);
        break;
      }
    }
    return;
  }
  if (w === 'policy' && n === 2) {
    c.policy = unquote(p.tok[1]);
    return;
  }
  if (w === 'comment' && n === 2) {
    c.comment = unquote(p.tok[1]);
    return;
  }
  if (w === 'devices' || w === 'device') return;
  c.rules.push(parseNftRule(x.src, p, 0, n, c.name, x.line, raw, x.handle));
}

export function setStatement(x: NftStatement, s: NftSet): void {
  const { p, raw } = x;
  const w = p.tok[0];
  const n = p.count;
  switch (w) {
    case 'type':
    case 'typeof':
      s.type = joinNftTokens(p.tok, 1, n);
      if (w === 'typeof') s.typeof = true;
      return;
    case 'flags':
      s.flags = nftWords(p, 1, n);
      return;
    case 'timeout': {
      const secs = n === 2 ? nftTime(p.tok[1]) : undefined;
      if (secs !== undefined) s.timeout = secs;
      else malformedNft(x.b, x.line, raw, 'bad set timeout');
      return;
    }
    case 'size':
      if (n === 2 && /^\d+$/.test(p.tok[1])) s.size = Number(p.tok[1]);
      return;
    case 'comment':
      if (n === 2) s.comment = unquote(p.tok[1]);
      return;
    case 'elements': {
      const open = n > 1 && p.tok[1] === '=' ? 2 : 1;
      const close = open < n && p.tok[open] === '{' ? matchingBrace(p.tok, open, n) : -1;
      if (close < 0) {
        malformedNft(x.b, x.line, raw, 'bad elements list');
        return;
      }
      addNftElements(x.b, s, parseNftElements(x.src, p, open + 1, close));
      return;
    }
    case 'policy':
    case 'auto-merge':
    case 'counter':
    case 'gc-interval':
    case 'quota':
      return;
    default:
      malformedNft(x.b, x.line, raw, 'unexpected statement in set block');
  }
}

