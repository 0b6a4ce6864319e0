import type { ConntrackDetail, ConntrackDump, ConntrackEntry, ConntrackEventType } from '../model/conntrack';
import { isShellEcho } from './ipAddr';
import type { Lexer } from './conntrackLex';
import { isKey, isLowerWord, isPort, isTimestamp, K_DPORT, K_DST, K_ID, K_MARK, K_OTHER, K_SPORT, K_SRC, K_USE, K_ZONE, K_ZONE_DIR, keyOf, newFinder, next, NUMERIC, num, sameText, skip, word, wordEnd } from './conntrackLex';
import type { Sink } from './conntrackSink';
import { newSink, sinkFlag, sinkToken } from './conntrackSink';

// Parser for conntrack-tools text output: `conntrack -L` (default and `-o extended,id,ktimestamp`)
// and `conntrack -E` events. Line layout from libnetfilter_conntrack src/conntrack/
// snprintf_default.c (__snprintf_conntrack_default):
//   [EVENT] [l3 l3num] l4 l4num [timeout] [STATE] src= dst= <l4 keys> [zone-orig=] [packets= bytes=]
//   [UNREPLIED] src= dst= <l4 keys> [zone-reply=] [packets= bytes=] [OFFLOAD|ASSURED] [mark=]
//   [secmark=] [secctx=] [zone=] [delta-time=] [[start=..] [stop=..]] [helper=] [use=] [id=] [labels=]
// Grammar notes: /work/shared/reference/dump-formats.md §5.
//
// Hot path: a busy node lists 100k+ flows (~17 MB) and `conntrack -L` prints them in ~0.4 s;
// parsing must take at most half that, from a cold start. Per line: one indexOf('\n'), then a
// scan that finds blanks / `=` / `]` with indexOf (conntrackLex.ts), recognises the keys of
// every line in place from char codes, reads numbers from char codes, slices no token it does
// not keep, and builds ONE flat object plus the address strings the checks read (a reply
// address equal to an original one reuses that string). No regex except on non-entry lines.
// Allocation was the cost of the former eager model (a `fields` array, two tuple objects,
// every value sliced: ~1 KB and ~40% GC per entry, now ~310 bytes); what the checks do not read
// is re-read from `raw` on demand by conntrackDetail(), running this same scanner with a Sink
// (conntrackSink.ts) that collects everything.

const TOOLS = ['conntrack'];
const XML_PROBLEM = '`conntrack -o xml` output is not supported: capture with `conntrack -L` (optionally `-o extended`)';
const SUMMARY = /^conntrack v(\S+) \(conntrack-tools\): (.*)$/;
const SUMMARY_COUNT = /^(\d+) flow entries have been (\w+)/;

/** Size of the per-parse cache of short repeated words (protocol names, TCP states). */
const WORDS = 64;

interface Ctx extends Lexer {
  dump: ConntrackDump;
  /** What scanHead() and scanTokens() read from the current line. */
  r: Scan;
}

/**
 * One line as read, reused for every line. The tuples are offsets into the text (-1 = not
 * seen): addresses are sliced only once the line is known to be an entry.
 */
interface Scan {
  event: ConntrackEventType | undefined;
  /** Layer 4 name t[protoA, protoB) and number. */
  protoA: number;
  protoB: number;
  protoNum: number;
  timeout: number;
  state: string | undefined;
  oSrcA: number; oSrcB: number; oDstA: number; oDstB: number; oSport: number; oDport: number;
  rSrcA: number; rSrcB: number; rDstA: number; rDstB: number; rSport: number; rDport: number;
  unreplied: boolean;
  assured: boolean;
  mark: number;
  zone: number;
}

function emptyDump(): ConntrackDump {
  return { entries: [], summaries: [], extended: false, events: false, unsupportedLines: 0, skipped: 0, lineCount: 0, malformed: [] };
}

function newCtx(dump: ConntrackDump, t: string, words: number): Ctx {
  return {
    dump, t, words: new Array<string | undefined>(words).fill(undefined), sp: newFinder(' '), eq: newFinder('='), br: newFinder(']'), tab: newFinder('\t'), tabs: false,
    r: { event: undefined, protoA: 0, protoB: 0, protoNum: 0, timeout: -1, state: undefined, oSrcA: -1, oSrcB: -1, oDstA: -1, oDstB: -1, oSport: -1, oDport: -1, rSrcA: -1, rSrcB: -1, rDstA: -1, rDstB: -1, rSport: -1, rDport: -1, unreplied: false, assured: false, mark: -1, zone: -1 } };
}

export function parseConntrack(text: string): ConntrackDump {
  const dump = emptyDump();
  const input = typeof text === 'string' ? text : '';
  const ctx = newCtx(dump, input, WORDS);
  const entries = dump.entries;
  const len = input.length;
  let lineNo = 0;
  let pos = 0;
  while (pos < len) {
    let nl = input.indexOf('\n', pos);
    if (nl < 0) nl = len;
    lineNo++;
    const end = nl > pos && input.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
    try {
      const e = scanLine(ctx, pos, end, lineNo, null);
      if (e !== undefined) entries.push(e);
    } catch (err) {
      // Never throw on input; an exception here is a parser bug, reported against the line.
      dump.malformed.push({ line: lineNo, raw: input.slice(pos, end), reason: `internal parser error: ${String(err)}` });
    }
    pos = nl + 1;
  }
  dump.lineCount = lineNo;
  return dump;
}

/**
 * Everything `entry.raw` holds (full tuples with ICMP/GRE/zone/counter keys, `-o extended` l3,
 * `-E` timestamp, offload flags, secctx, ktimestamps, helper, use, `-o id`, labels, every token
 * and flag in order), re-read from the line. The entry's own fields are kept as they are.
 */
export function conntrackDetail(entry: ConntrackEntry): ConntrackDetail {
  const s = newSink();
  const raw = typeof entry.raw === 'string' ? entry.raw : '';
  try {
    scanLine(newCtx(emptyDump(), raw, 0), 0, raw.length, entry.line, s);
  } catch {
    // Same leniency as parseConntrack: a line that cannot be re-read only lacks its details.
  }
  const e = entry;
  return {
    ...e, eventTime: s.eventTime, l3: s.l3, l3Num: s.l3Num,
    original: s.original ?? { src: e.origSrc, dst: e.origDst, sport: e.origSport, dport: e.origDport },
    reply: s.reply ?? (e.replySrc === undefined ? undefined : { src: e.replySrc, dst: e.replyDst ?? '', sport: e.replySport, dport: e.replyDport }),
    offload: s.offload, hwOffload: s.hwOffload, secmark: s.secmark, secctx: s.secctx, deltaTime: s.deltaTime, start: s.start,
    stop: s.stop, helper: s.helper, use: s.use, id: s.id, labels: s.labels, fields: s.fields, flags: s.flags,
  };
}

/** Every `key=value` token of the entry in order, flattened as `[key0, value0, key1, value1, ...]`. */
export function conntrackFields(entry: ConntrackEntry): string[] {
  return conntrackDetail(entry).fields;
}

/**
 * Reads one line: returns its entry, or records it in ctx.dump (skipped, summary, unsupported,
 * malformed) and returns undefined. With a Sink it also collects what the entry does not keep.
 * Three functions, not one: the first parse runs unoptimised until TurboFan has compiled the hot
 * code, and small functions compile sooner; only this one allocates entries, so only it is
 * recompiled when V8 decides to allocate them in old space (allocation-site pretenuring).
 */
function scanLine(ctx: Ctx, start: number, end: number, line: number, sink: Sink | null): ConntrackEntry | undefined {
  const p = scanHead(ctx, start, end, line, sink);
  if (p < 0) return undefined;
  const t = ctx.t;
  const r = ctx.r;
  scanTokens(ctx, p, end, r.protoNum === 1 || r.protoNum === 58, sink);
  const oSrcA = r.oSrcA, oSrcB = r.oSrcB, oDstA = r.oDstA, oDstB = r.oDstB, rSrcA = r.rSrcA, rSrcB = r.rSrcB, rDstA = r.rDstA, rDstB = r.rDstB;
  if (oSrcA < 0 || oDstB <= oDstA) {
    ctx.dump.malformed.push({ line, raw: t.slice(start, end), reason: 'conntrack entry without an original src=/dst= tuple' });
    return undefined;
  }
  if (r.event !== undefined) ctx.dump.events = true;
  const origSrc = t.slice(oSrcA, oSrcB);
  const origDst = t.slice(oDstA, oDstB);
  let replySrc: string | undefined;
  let replyDst: string | undefined;
  if (rSrcA >= 0) {
    // The reply swaps the original addresses unless NATed (DNAT keeps the client as reply dst):
    // reuse those strings instead of slicing equal ones.
    replySrc = sameText(t, rSrcA, rSrcB, origDst) ? origDst : t.slice(rSrcA, rSrcB);
    replyDst = rDstA < 0 ? '' : sameText(t, rDstA, rDstB, origSrc) ? origSrc : t.slice(rDstA, rDstB);
  }
  return {
    line, raw: t.slice(start, end), event: r.event, protocol: word(ctx, r.protoA, r.protoB), protoNum: r.protoNum,
    timeout: r.timeout < 0 ? undefined : r.timeout, state: r.state,
    origSrc, origDst, origSport: r.oSport < 0 ? undefined : r.oSport, origDport: r.oDport < 0 ? undefined : r.oDport,
    replySrc, replyDst, replySport: r.rSport < 0 ? undefined : r.rSport, replyDport: r.rDport < 0 ? undefined : r.rDport,
    unreplied: r.unreplied, assured: r.assured, mark: r.mark < 0 ? undefined : r.mark, zone: r.zone < 0 ? undefined : r.zone,
  };
}

/**
 * Reads `[EVENT] [l3 l3num] l4 l4num [timeout] [STATE]` into ctx.r; returns where the tokens
 * start, or -1 when the line is not an entry (then already recorded in ctx.dump).
 */
function scanHead(ctx: Ctx, start: number, end: number, line: number, sink: Sink | null): number {
  const t = ctx.t;
  const dump = ctx.dump;
  let i = skip(t, start, end);
  if (i === end) {
    dump.skipped++;
    return -1;
  }
  ctx.tabs = next(t, ctx.tab, i) < end;
  let event: ConntrackEventType | undefined;
  // `-E` prefixes: `[1700000000.123456]\t` (-o timestamp) then `    [NEW] ` (%9s).
  while (i < end && t.charCodeAt(i) === 91 /* [ */) {
    const close = next(t, ctx.br, i);
    if (close >= end) break;
    const w = t.slice(i + 1, close);
    if (w === 'NEW' || w === 'UPDATE' || w === 'DESTROY') event = w;
    else if (isTimestamp(w)) {
      if (sink !== null) sink.eventTime = w;
    } else break;
    i = skip(t, close + 1, end);
  }
  // Protocol columns: `[l3 l3num] l4 l4num`.
  let a = i;
  let b = wordEnd(ctx, a, end);
  let c = skip(t, b, end);
  let d = wordEnd(ctx, c, end);
  const n1 = num(t, c, d);
  if (!isLowerWord(ctx, a, b) || n1 < 0) {
    notEntry(dump, t, start, end, line);
    return -1;
  }
  let p = skip(t, d, end);
  let q = wordEnd(ctx, p, end);
  if (isLowerWord(ctx, p, q)) {
    const r = skip(t, q, end);
    const s = wordEnd(ctx, r, end);
    if (num(t, r, s) >= 0) {
      dump.extended = true;
      if (sink !== null) {
        sink.l3 = t.slice(a, b);
        sink.l3Num = n1;
      }
      a = p; b = q; c = r; d = s;
      p = skip(t, d, end);
      q = wordEnd(ctx, p, end);
    }
  }
  const timeout = num(t, p, q);
  if (timeout >= 0) {
    p = skip(t, q, end);
    q = wordEnd(ctx, p, end);
  }
  let state: string | undefined;
  if (p < q && t.charCodeAt(p) !== 91 && next(t, ctx.eq, p) >= q) {
    state = word(ctx, p, q);
    p = skip(t, q, end);
  }
  const r = ctx.r;
  r.event = event; r.protoA = a; r.protoB = b; r.protoNum = num(t, c, d); r.timeout = timeout; r.state = state;
  return p;
}

/** Reads the `key=value` tokens and `[FLAGS]` of t[p, end) into ctx.r (and the sink, if any). */
function scanTokens(ctx: Ctx, p: number, end: number, icmp: boolean, sink: Sink | null): void {
  const t = ctx.t;
  let q = p;
  // Tuples as offsets into t (sliced once, at the end); -1 = not seen. cur: 0 none, 1 original, 2 reply.
  let oSrcA = -1, oSrcB = -1, oDstA = -1, oDstB = -1, oSport = -1, oDport = -1, oIcmpId = false;
  let rSrcA = -1, rSrcB = -1, rDstA = -1, rDstB = -1, rSport = -1, rDport = -1, rIcmpId = false;
  let cur = 0;
  let unreplied = false, assured = false;
  let mark = -1, zone = -1;
  while (p < end) {
    if (t.charCodeAt(p) === 91) {
      // Bracketed flag; `[start=Thu Jan  1 00:00:00 2024]` contains spaces.
      let close = next(t, ctx.br, p);
      if (close > end) close = end;
      // [UNREPLIED] sits between the tuples; the other flags follow the reply tuple.
      cur = 0;
      if (isKey(t, p + 1, close, 'UNREPLIED')) unreplied = true;
      else if (isKey(t, p + 1, close, 'ASSURED')) assured = true;
      if (sink !== null) sinkFlag(sink, t.slice(p + 1, close));
      p = skip(t, close + 1, end);
      continue;
    }
    // Key. The ones of every line are recognised in place (no search for `=`).
    const c0 = t.charCodeAt(p);
    let key = K_OTHER;
    let eq = -1;
    const c1 = t.charCodeAt(p + 1);
    if (c0 === 115 /* s */) {
      if (c1 === 114 && t.charCodeAt(p + 2) === 99 && t.charCodeAt(p + 3) === 61) { key = K_SRC; eq = p + 3; }
      else if (c1 === 112 && isPort(t, p + 2)) { key = K_SPORT; eq = p + 5; }
    } else if (c0 === 100 /* d */) {
      if (c1 === 115 && t.charCodeAt(p + 2) === 116 && t.charCodeAt(p + 3) === 61) { key = K_DST; eq = p + 3; }
      else if (c1 === 112 && isPort(t, p + 2)) { key = K_DPORT; eq = p + 5; }
    } else if (c0 === 109 /* m */) {
      if (c1 === 97 && t.charCodeAt(p + 2) === 114 && t.charCodeAt(p + 3) === 107 && t.charCodeAt(p + 4) === 61) { key = K_MARK; eq = p + 4; }
    } else if (c0 === 117 /* u */ && c1 === 115 && t.charCodeAt(p + 2) === 101 && t.charCodeAt(p + 3) === 61) { key = K_USE; eq = p + 3; }
    // (t[end] is never one of the matched chars, so a match never reads past the line.)
    q = -1;
    if (eq < 0) {
      q = wordEnd(ctx, p, end);
      eq = next(t, ctx.eq, p);
      if (eq >= q) {
        // A bare word the format does not have: kept verbatim with an empty value.
        if (sink !== null) sink.fields.push(t.slice(p, q), '');
        p = skip(t, q, end);
        continue;
      }
      key = keyOf(t, p, eq);
    }
    // Value: numbers are read digit by digit, which also finds their end; v = -1 when not a number.
    let v = -1;
    if (NUMERIC[key]) {
      v = 0;
      let k = eq + 1;
      while (k < end) {
        const g = t.charCodeAt(k) - 48;
        if (g < 0 || g > 9) break;
        v = v * 10 + g;
        k++;
      }
      if (k < end && t.charCodeAt(k) !== 32 && t.charCodeAt(k) !== 9) v = -1;
      else if (k === eq + 1 || k - eq > 16) v = -1;
      if (q < 0) q = v < 0 ? wordEnd(ctx, k, end) : k;
    } else if (q < 0) q = wordEnd(ctx, eq + 1, end);
    if (key === K_SRC) {
      cur = 0;
      if (oSrcA < 0) {
        cur = 1;
        oSrcA = eq + 1; oSrcB = q;
      } else if (rSrcA < 0) {
        cur = 2;
        rSrcA = eq + 1; rSrcB = q;
      }
    } else if (key === K_ID && !(cur !== 0 && icmp && !(cur === 1 ? oIcmpId : rIcmpId))) {
      // `id=` after `use=` is the conntrack id (-o id); inside an ICMP tuple it is the ICMP id.
      cur = 0;
    } else if (key <= K_ZONE_DIR) {
      if (cur === 1) {
        if (key === K_DST) { oDstA = eq + 1; oDstB = q; }
        else if (v >= 0) {
          if (key === K_SPORT) oSport = v;
          else if (key === K_DPORT) oDport = v;
          else if (key === K_ID) oIcmpId = true;
        }
      } else if (cur === 2) {
        if (key === K_DST) { rDstA = eq + 1; rDstB = q; }
        else if (v >= 0) {
          if (key === K_SPORT) rSport = v;
          else if (key === K_DPORT) rDport = v;
          else if (key === K_ID) rIcmpId = true;
        }
      }
    } else if (key !== K_OTHER) {
      cur = 0;
      if (v >= 0) {
        if (key === K_MARK) mark = v;
        else if (key === K_ZONE) zone = v;
      }
    }
    if (sink !== null) sinkToken(sink, t, key, p, eq, q, v, cur);
    p = skip(t, q, end);
  }
  const r = ctx.r;
  r.oSrcA = oSrcA; r.oSrcB = oSrcB; r.oDstA = oDstA; r.oDstB = oDstB; r.oSport = oSport; r.oDport = oDport;
  r.rSrcA = rSrcA; r.rSrcB = rSrcB; r.rDstA = rDstA; r.rDstB = rDstB; r.rSport = rSport; r.rDport = rDport;
  r.unreplied = unreplied; r.assured = assured; r.mark = mark; r.zone = zone;
}

/** A line that is not an entry: the stderr summary, `-o xml`, a prompt/echo, or malformed. */
function notEntry(dump: ConntrackDump, t: string, start: number, end: number, line: number): undefined {
  const raw = t.slice(start, end);
  const trimmed = raw.trim();
  const m = SUMMARY.exec(trimmed);
  if (m) {
    const c = SUMMARY_COUNT.exec(m[2]);
    dump.summaries.push({ line, raw, version: m[1], count: c ? Number(c[1]) : null, action: c ? c[2] : null, message: m[2] });
    return undefined;
  }
  if (trimmed.charCodeAt(0) === 60 /* < */) {
    dump.unsupportedLines++;
    dump.problem = XML_PROBLEM;
    return undefined;
  }
  if (isShellEcho(raw, TOOLS)) {
    dump.skipped++;
    return undefined;
  }
  dump.malformed.push({ line, raw, reason: 'not a conntrack entry' });
  return undefined;
}
