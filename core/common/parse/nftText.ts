import type { NftChain, NftRuleset, NftSet, NftTable } from '../model/nft';
import { finishNftBuild, malformedNft, newNftBuild, nftChain, nftSet, nftTable } from './nftBuild';
import type { NftBuild } from './nftBuild';
import { chainStatement, nftWords, setStatement } from './nftTextBlocks';
import type { NftStatement } from './nftTextBlocks';
import { execNftCommand, NFT_COMMANDS, tableRef } from './nftTextCommands';
import { handleComment, newNftParseCache, newNftTokens, tokenizeNftLine } from './nftTokenize';
import type { NftTokens } from './nftTokenize';
import { unquote } from './nftValues';

// Parser for nftables text in both syntaxes (dump-formats.md §2.1):
//  - `nft list ruleset` / `nft [-a] list table ...` output: nested `table { chain { ... } }` blocks,
//    `elements = { ... }` wrapped over lines, `# handle N` suffixes, symbolic priorities,
//    `# Warning: table ip nat is managed by iptables-nft` lines, iptables-nft tables seen through nft;
//  - kube-proxy's `nft -f` transaction (knftables Fake.Dump() prints the same): `add table|chain|
//    set|map|rule|element ...`, `flush ...`, `delete ...`, with `{ key value ; }` inline specs.
// One pass over the text: each line is tokenised once; a statement ends at `;`, at a block's `}` or
// at the end of a line with no open inline `{`. Lenient: anything not understood is collected in
// `malformed` and the parse goes on.

type Block =
  | { kind: 'table'; table: NftTable; line: number; raw: string }
  | { kind: 'chain'; table: NftTable; chain: NftChain; line: number; raw: string }
  | { kind: 'set'; table: NftTable; set: NftSet; line: number; raw: string }
  | { kind: 'other'; line: number; raw: string };

/** Object blocks that may follow `add`/`create` or sit inside a table block. */
const TABLE_OBJECTS: ReadonlySet<string> = new Set(['chain', 'set', 'map', 'flowtable', 'counter', 'quota', 'ct', 'limit', 'secmark', 'synproxy']);
/** A continuation line starting with one of these means the open `{` was never closed. */
const FRESH_START: ReadonlySet<string> = new Set(['table', 'chain', ...NFT_COMMANDS]);
const WARNING = /^\s*Warning: table (\S+) (\S+) is managed by/;

interface State {
  src: string;
  b: NftBuild;
  stack: Block[];
  line: NftTokens;
  /** Pending statement: its tokens, inline `{` depth, first line and raw start offset. */
  pend: NftTokens;
  depth: number;
  firstLine: number;
  rawStart: number;
  /** Current line: number, start and end offsets (end without `\r`), `# handle N`. */
  lineNo: number;
  lineStart: number;
  lineEnd: number;
  handle: number | undefined;
  /** Table holding chains found outside any table block (excerpts). */
  orphan: NftTable | undefined;
  stmt: NftStatement;
}

export function parseNftText(text: string): NftRuleset {
  const src = typeof text === 'string' ? text : '';
  const b = newNftBuild();
  const cache = newNftParseCache();
  const line = newNftTokens(true, cache);
  const pend = newNftTokens(false, cache);
  // The two buffers swap roles (parseLine): they share the intern table and scan cursors.
  pend.intern = line.intern;
  pend.cursors = line.cursors;
  const st: State = {
    src, b, stack: [], line, pend, depth: 0, firstLine: 0, rawStart: 0,
    lineNo: 0, lineStart: 0, lineEnd: 0, handle: undefined, orphan: undefined,
    stmt: { b, src, p: newNftTokens(), line: 0, raw: '', handle: undefined },
  };
  let pos = 0;
  const len = src.length;
  while (pos < len) {
    let nl = src.indexOf('\n', pos);
    if (nl < 0) nl = len;
    let end = nl;
    if (end > pos && src.charCodeAt(end - 1) === 13) end--;
    st.lineNo++;
    st.lineStart = pos;
    st.lineEnd = end;
    try {
      parseLine(st);
    } catch (e) {
      // Never throw on input; an exception here is a parser bug, reported against the line.
      malformedNft(b, st.lineNo, src.slice(pos, end), `internal parser error: ${String(e)}`);
      resetPending(st);
    }
    pos = nl + 1;
  }
  try {
    finishText(st);
  } catch (e) {
    malformedNft(b, st.lineNo, '', `internal parser error: ${String(e)}`);
  }
  return finishNftBuild(b, st.lineNo, false);
}

function parseLine(st: State): void {
  // Fast path: most lines are one whole statement (a rule, an element line of a wrapped list is
  // not: it continues a pending one). Tokenise straight into the statement buffer and only fall
  // back to the token-by-token walk when the line has block structure (`{` header, `}`, `;`).
  const fast = st.pend.count === 0;
  const lt = fast ? st.pend : st.line;
  lt.count = 0;
  const hash = tokenizeNftLine(st.src, st.lineStart, st.lineEnd, st.lineNo, lt);
  st.handle = undefined;
  if (hash >= 0) {
    st.handle = handleComment(st.src, hash, st.lineEnd);
    if (st.handle === undefined && lt.count === 0) noteCommentLine(st, st.src.slice(hash + 1, st.lineEnd));
  }
  if (lt.count === 0) return;
  if (lt.openQuote) malformedNft(st.b, st.lineNo, currentLine(st), 'unterminated string');
  if (fast) {
    const depth = plainDepth(st, lt);
    if (depth >= 0) {
      st.firstLine = st.lineNo;
      st.rawStart = st.lineStart;
      st.depth = depth;
      if (depth === 0) flush(st);
      return;
    }
    // Swap buffers: the line's tokens go through the general walk below.
    st.pend = st.line;
    st.line = lt;
    st.pend.count = 0;
  } else if (FRESH_START.has(lt.tok[0])) {
    // The previous statement opened an inline `{` that never closed: report it, start afresh.
    malformedNft(st.b, st.firstLine, firstLineOfPending(st), "unterminated '{'");
    resetPending(st);
  }
  const line = st.line;
  for (let k = 0; k < line.count; k++) {
    const t = line.tok[k];
    if (st.depth === 0) {
      if (t === ';') {
        flush(st);
        continue;
      }
      if (t === '}') {
        flush(st);
        closeBlock(st);
        continue;
      }
      if (t === '{' && isHeader(st, st.pend.tok, st.pend.count)) {
        openBlock(st);
        resetPending(st);
        continue;
      }
    }
    if (t === '{') st.depth++;
    else if (t === '}') st.depth--;
    pushToken(st, k);
  }
  if (st.depth === 0) flush(st);
}

/**
 * Inline `{` depth at the end of a line that is one plain statement, or -1 when the line has
 * block structure: a `;` or `}` outside inline braces, or a `{` that opens a block.
 */
function plainDepth(st: State, lt: NftTokens): number {
  let depth = 0;
  for (let k = 0; k < lt.count; k++) {
    const t = lt.tok[k];
    if (t === '{') {
      if (depth === 0 && isHeader(st, lt.tok, k)) return -1;
      depth++;
    } else if (t === '}') {
      if (depth === 0) return -1;
      depth--;
    } else if (t === ';' && depth === 0) return -1;
  }
  return depth;
}

function currentLine(st: State): string {
  return st.src.slice(st.lineStart, st.lineEnd);
}

function firstLineOfPending(st: State): string {
  const nl = st.src.indexOf('\n', st.rawStart);
  const end = nl < 0 ? st.src.length : nl;
  return st.src.slice(st.rawStart, end > st.rawStart && st.src.charCodeAt(end - 1) === 13 ? end - 1 : end);
}

function noteCommentLine(st: State, comment: string): void {
  const w = WARNING.exec(comment);
  if (!w) return;
  const entry = { line: st.lineNo, raw: currentLine(st) };
  st.b.warnings.set(`${w[1]} ${w[2]}`, entry);
  const t = st.b.tables.get(`${w[1]} ${w[2]}`);
  if (t) t.warning = entry;
}

function pushToken(st: State, k: number): void {
  const p = st.pend;
  if (p.count === 0) {
    st.firstLine = st.lineNo;
    st.rawStart = st.lineStart;
  }
  const n = p.count++;
  p.tok[n] = st.line.tok[k];
  p.start[n] = st.line.start[k];
  p.line[n] = st.lineNo;
}

function resetPending(st: State): void {
  // The arrays are reused: rules and elements copy what they keep, and parse within `count`.
  st.pend.count = 0;
  st.depth = 0;
}

function top(st: State): Block | undefined {
  return st.stack.length > 0 ? st.stack[st.stack.length - 1] : undefined;
}

/** Whether tokens [0, n) before a `{` are an object header (table, chain, set, map, ...). */
function isHeader(st: State, tok: readonly string[], n: number): boolean {
  if (n === 0) return false;
  const w = tok[0];
  const ctx = top(st);
  // A table header inside a block, or a chain/set header inside a chain or set: the block before
  // it was never closed (an excerpt cut in the middle). openBlock reports it and recovers.
  if (ctx && (w === 'table' || (ctx.kind !== 'table' && ctx.kind !== 'other' && (w === 'chain' || w === 'set' || w === 'map')))) return true;
  if (!ctx) {
    if (w === 'table' || w === 'chain' || w === 'set' || w === 'map') return true;
    return (w === 'add' || w === 'create') && n > 1 && (tok[1] === 'table' || TABLE_OBJECTS.has(tok[1]));
  }
  return ctx.kind === 'table' && TABLE_OBJECTS.has(w);
}

function openBlock(st: State): void {
  const p = st.pend;
  const b = st.b;
  const n = p.count;
  const raw = currentLine(st);
  const line = st.lineNo;
  let w = p.tok[0];
  const keep = w === 'table' ? 0 : 1;
  if (st.stack.length > keep) {
    const open = st.stack[st.stack.length - 1];
    if (w === 'table' || open.kind === 'chain' || open.kind === 'set') {
      for (const blk of st.stack.splice(keep)) malformedNft(b, blk.line, blk.raw, `block not closed before '${w}' on line ${line}`);
    }
  }
  const ctx = top(st);
  let i = 1;
  let table: NftTable | undefined = ctx && ctx.kind === 'table' ? ctx.table : undefined;
  if (!ctx && (w === 'add' || w === 'create') && n > 1) {
    b.sawTransaction = true;
    w = p.tok[1];
    i = 2;
    if (w !== 'table') {
      const ref = tableRef(p.tok, i, n, 2);
      if (!ref) return pushOther(st, 'incomplete object header');
      table = nftTable(b, ref.family, ref.name, 0, '');
      i = ref.next;
    }
  }
  if (w === 'table') {
    if (!ctx && p.tok[0] === 'table') b.sawList = true;
    const ref = tableRef(p.tok, i, n, 1);
    if (!ref || ref.next !== n) return pushOther(st, 'bad table header');
    const t = nftTable(b, ref.family, ref.name, line, raw);
    if (st.handle !== undefined) t.handle = st.handle;
    st.stack.push({ kind: 'table', table: t, line, raw });
    return;
  }
  if (!table) {
    // `chain X {` outside any table: an excerpt of a listing. Keep its rules in a nameless table.
    b.sawList = true;
    malformedNft(b, line, raw, `${w} outside a table block`);
    st.orphan ??= nftTable(b, 'ip', '', 0, '');
    table = st.orphan;
  }
  if (w !== 'chain' && w !== 'set' && w !== 'map') {
    // flowtables, named counters, quotas, ct helpers ...: not part of kube-proxy's data plane.
    st.stack.push({ kind: 'other', line, raw });
    return;
  }
  if (i !== n - 1) return pushOther(st, `bad ${w} header`);
  const name = unquote(p.tok[i]);
  if (w === 'chain') {
    const c = nftChain(table, name, line, raw);
    if (st.handle !== undefined) c.handle = st.handle;
    st.stack.push({ kind: 'chain', table, chain: c, line, raw });
  } else {
    const s = nftSet(table, name, w, line, raw);
    if (st.handle !== undefined) s.handle = st.handle;
    st.stack.push({ kind: 'set', table, set: s, line, raw });
  }
}

function pushOther(st: State, reason: string): void {
  const raw = currentLine(st);
  malformedNft(st.b, st.lineNo, raw, reason);
  st.stack.push({ kind: 'other', line: st.lineNo, raw });
}

function closeBlock(st: State): void {
  const blk = st.stack.pop();
  if (!blk) malformedNft(st.b, st.lineNo, currentLine(st), "unmatched '}'");
  // A listed chain gets its rules in one go: trim the array push grew (17 slots for 2 rules).
  else if (blk.kind === 'chain' && blk.chain.rules.length > 0) blk.chain.rules = blk.chain.rules.slice();
}

function flush(st: State): void {
  const p = st.pend;
  if (p.count === 0) return;
  const raw = st.src.slice(st.rawStart, st.lineEnd);
  try {
    execStatement(st, p, raw);
  } finally {
    resetPending(st);
  }
}

/** The pending statement as block handlers see it (one object per parse, refilled). */
function statement(st: State, raw: string): NftStatement {
  const x = st.stmt;
  x.p = st.pend;
  x.line = st.firstLine;
  x.raw = raw;
  x.handle = st.handle;
  return x;
}

function execStatement(st: State, p: NftTokens, raw: string): void {
  const ctx = top(st);
  const w = p.tok[0];
  const n = p.count;
  const b = st.b;
  if (!ctx) {
    if (w === 'table') {
      // `nft list tables` prints `table ip nat` lines.
      const ref = tableRef(p.tok, 1, n, 1);
      if (ref && ref.next === n) {
        b.sawList = true;
        nftTable(b, ref.family, ref.name, st.firstLine, raw, true);
      } else malformedNft(b, st.firstLine, raw, 'bad table line');
      return;
    }
    if (NFT_COMMANDS.includes(w)) {
      b.sawTransaction = true;
      execNftCommand(b, st.src, p, st.firstLine, raw);
      return;
    }
    malformedNft(b, st.firstLine, raw, 'unrecognised statement');
    return;
  }
  switch (ctx.kind) {
    case 'table':
      if (w === 'comment' && n === 2) ctx.table.comment = unquote(p.tok[1]);
      else if (w === 'flags') ctx.table.flags = nftWords(p, 1, n);
      else malformedNft(b, st.firstLine, raw, 'unexpected statement in table block');
      return;
    case 'chain':
      chainStatement(statement(st, raw), ctx.table.family, ctx.chain);
      return;
    case 'set':
      setStatement(statement(st, raw), ctx.set);
      return;
    default:
      return;
  }
}

function finishText(st: State): void {
  if (st.pend.count > 0) {
    if (st.depth > 0) malformedNft(st.b, st.firstLine, firstLineOfPending(st), "unterminated '{'");
    else flush(st);
    resetPending(st);
  }
  for (const blk of st.stack) malformedNft(st.b, blk.line, blk.raw, "block not closed before the end of the input (truncated?)");
  st.stack = [];
}
