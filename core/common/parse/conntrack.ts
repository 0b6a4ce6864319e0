import type { ConntrackDump, ConntrackEntry, ConntrackEventType, ConntrackTuple } from '../model/conntrack';
import { isShellEcho } from './ipAddr';

// Parser for conntrack-tools text output: `conntrack -L` (default and `-o extended,id,ktimestamp`)
// and `conntrack -E` events. Line layout from libnetfilter_conntrack src/conntrack/
// snprintf_default.c (__snprintf_conntrack_default):
//   [EVENT] [l3 l3num] l4 l4num [timeout] [STATE] src= dst= <l4 keys> [zone-orig=] [packets= bytes=]
//   [UNREPLIED] src= dst= <l4 keys> [zone-reply=] [packets= bytes=] [OFFLOAD|ASSURED] [mark=]
//   [secmark=] [secctx=] [zone=] [delta-time=] [[start=..] [stop=..]] [helper=] [use=] [id=] [labels=]
// Grammar notes: /work/shared/reference/dump-formats.md §5.
//
// Hot path: a busy node lists 100k+ flows (~17 MB). One indexOf('\n') per line, then a charCode
// scan of the line; keys are matched against constants instead of being sliced, numbers are read
// from char codes, no regex per token (regexes only run on the rare non-entry lines).

const TOOLS = ['conntrack'];
const XML_PROBLEM = '`conntrack -o xml` output is not supported: capture with `conntrack -L` (optionally `-o extended`)';
const SUMMARY = /^conntrack v(\S+) \(conntrack-tools\): (.*)$/;
const SUMMARY_COUNT = /^(\d+) flow entries have been (\w+)/;

// Key codes (plain numbers: keys are matched on the hot path without slicing them).
// Codes up to K_ZONE_DIR belong to the current tuple; the others are entry-level and close it.
const K_SRC = 0, K_DST = 1, K_SPORT = 2, K_DPORT = 3, K_TYPE = 4, K_CODE = 5, K_ID = 6, K_SRCKEY = 7, K_DSTKEY = 8;
const K_PACKETS = 9, K_BYTES = 10, K_ZONE_DIR = 11, K_MARK = 12, K_SECMARK = 13, K_SECCTX = 14, K_ZONE = 15;
const K_DELTA = 16, K_HELPER = 17, K_USE = 18, K_LABELS = 19, K_OTHER = 20;
const KEYS = ['src', 'dst', 'sport', 'dport', 'type', 'code', 'id', 'srckey', 'dstkey', 'packets', 'bytes', '', 'mark',
  'secmark', 'secctx', 'zone', 'delta-time', 'helper', 'use', 'labels'];

interface Ctx {
  dump: ConntrackDump;
  t: string;
  /** Scratch arrays reused across lines; each entry gets an exact-size copy. */
  fields: string[];
  flags: string[];
}

/** Decimal strings of 0..65535, shared across entries (ports, marks, counters repeat a lot). */
const NUM_TEXT: string[] = [];

export function parseConntrack(text: string): ConntrackDump {
  const dump: ConntrackDump = { entries: [], summaries: [], extended: false, events: false, unsupportedLines: 0, skipped: 0, lineCount: 0, malformed: [] };
  const input = typeof text === 'string' ? text : '';
  const ctx: Ctx = { dump, t: input, fields: [], flags: [] };
  const len = input.length;
  let lineNo = 0;
  let pos = 0;
  while (pos < len) {
    let nl = input.indexOf('\n', pos);
    if (nl < 0) nl = len;
    lineNo++;
    const end = nl > pos && input.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
    try {
      parseLine(ctx, pos, end, lineNo);
    } catch (e) {
      // Never throw on input; an exception here is a parser bug, reported against the line.
      dump.malformed.push({ line: lineNo, raw: input.slice(pos, end), reason: `internal parser error: ${String(e)}` });
    }
    pos = nl + 1;
  }
  dump.lineCount = lineNo;
  return dump;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9;
}

/** Index of the first non-blank char at or after i. */
function skip(t: string, i: number, end: number): number {
  while (i < end && isSpace(t.charCodeAt(i))) i++;
  return i;
}

/** Index of char code `ch` in t[i, end), or -1 (bounded: never scans past the line). */
function charIn(t: string, ch: number, i: number, end: number): number {
  for (; i < end; i++) if (t.charCodeAt(i) === ch) return i;
  return -1;
}

/** End of the word starting at i. */
function wordEnd(t: string, i: number, end: number): number {
  while (i < end && !isSpace(t.charCodeAt(i))) i++;
  return i;
}

/** Digits in t[a, b) as a number, or -1 when empty / not all digits. */
function num(t: string, a: number, b: number): number {
  if (a >= b || b - a > 15) return -1;
  let v = 0;
  for (let i = a; i < b; i++) {
    const c = t.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

function word(ctx: Ctx, a: number, b: number): string {
  // Interning addresses through a Map was measured slower (hashing every address costs more
  // than the copies it saves), so values are plain slices.
  return ctx.t.slice(a, b);
}

/** The text of a value whose number is v (>= 0): shared for small canonical numbers. */
function numText(ctx: Ctx, v: number, a: number, b: number): string {
  if (v > 65535 || (ctx.t.charCodeAt(a) === 48 && b - a > 1)) return ctx.t.slice(a, b);
  return (NUM_TEXT[v] ??= ctx.t.slice(a, b));
}

/** `1700000000.123456` (conntrack -E -o timestamp). */
function isTimestamp(w: string): boolean {
  let dots = 0;
  for (let i = 0; i < w.length; i++) {
    const c = w.charCodeAt(i);
    if (c === 46) dots++;
    else if (c < 48 || c > 57) return false;
  }
  return w.length > 0 && dots <= 1;
}

function isLowerWord(t: string, a: number, b: number): boolean {
  if (a >= b) return false;
  const c = t.charCodeAt(a);
  if (c < 97 || c > 122) return false;
  for (let i = a + 1; i < b; i++) if (t.charCodeAt(i) === 61) return false;
  return true;
}

function newTuple(src: string): ConntrackTuple {
  // One fixed shape for every tuple (fast property access, no backing-store growth).
  return {
    src, dst: '', sport: undefined, dport: undefined, icmpType: undefined, icmpCode: undefined, icmpId: undefined,
    srcKey: undefined, dstKey: undefined, zone: undefined, packets: undefined, bytes: undefined,
  };
}

function parseLine(ctx: Ctx, start: number, end: number, line: number): void {
  const t = ctx.t;
  const dump = ctx.dump;
  let i = skip(t, start, end);
  if (i === end) {
    dump.skipped++;
    return;
  }
  let event: ConntrackEventType | undefined;
  let eventTime: string | undefined;
  // `-E` prefixes: `[1700000000.123456]\t` (-o timestamp) then `    [NEW] ` (%9s).
  while (i < end && t.charCodeAt(i) === 91 /* [ */) {
    const close = charIn(t, 93, i, end);
    if (close < 0) break;
    const w = t.slice(i + 1, close);
    if (w === 'NEW' || w === 'UPDATE' || w === 'DESTROY') event = w;
    else if (isTimestamp(w)) eventTime = w;
    else break;
    i = skip(t, close + 1, end);
  }
  // Protocol columns: `[l3 l3num] l4 l4num`.
  let a = i;
  let b = wordEnd(t, a, end);
  let c = skip(t, b, end);
  let d = wordEnd(t, c, end);
  const n1 = num(t, c, d);
  if (!isLowerWord(t, a, b) || n1 < 0) return notEntry(dump, t, start, end, line);
  let l3: string | undefined;
  let l3Num: number | undefined;
  let p = skip(t, d, end);
  let q = wordEnd(t, p, end);
  if (isLowerWord(t, p, q)) {
    const r = skip(t, q, end);
    const s = wordEnd(t, r, end);
    if (num(t, r, s) >= 0) {
      l3 = word(ctx, a, b);
      l3Num = n1;
      dump.extended = true;
      a = p; b = q; c = r; d = s;
      p = skip(t, d, end);
      q = wordEnd(t, p, end);
    }
  }
  const protoNum = num(t, c, d);
  const icmp = protoNum === 1 || protoNum === 58;
  let timeout: number | undefined = num(t, p, q);
  if (timeout >= 0) {
    p = skip(t, q, end);
    q = wordEnd(t, p, end);
  } else timeout = undefined;
  let state: string | undefined;
  if (p < q && t.charCodeAt(p) !== 91 && charIn(t, 61, p, q) < 0) {
    state = word(ctx, p, q);
    p = skip(t, q, end);
  }
  let original: ConntrackTuple | undefined;
  let reply: ConntrackTuple | undefined;
  let cur: ConntrackTuple | undefined;
  let unreplied = false, assured = false, offload = false, hwOffload = false;
  let mark: number | undefined, secmark: number | undefined, zone: number | undefined, deltaTime: number | undefined;
  let use: number | undefined, id: number | undefined;
  let secctx: string | undefined, helper: string | undefined, startTime: string | undefined, stopTime: string | undefined;
  let labels: string[] | undefined;
  const fields = ctx.fields;
  const flags = ctx.flags;
  fields.length = 0;
  flags.length = 0;
  while (p < end) {
    if (t.charCodeAt(p) === 91) {
      // Bracketed flag; `[start=Thu Jan  1 00:00:00 2024]` contains spaces.
      let close = charIn(t, 93, p, end);
      if (close < 0) close = end;
      const flag = word(ctx, p + 1, close);
      // [UNREPLIED] sits between the tuples; the other flags follow the reply tuple.
      cur = undefined;
      if (flag === 'UNREPLIED') unreplied = true;
      else if (flag === 'ASSURED') assured = true;
      else if (flag === 'OFFLOAD') offload = true;
      else if (flag === 'HW_OFFLOAD') hwOffload = true;
      else if (flag.startsWith('start=')) startTime = flag.slice(6);
      else if (flag.startsWith('stop=')) stopTime = flag.slice(5);
      flags.push(flag);
      p = skip(t, close + 1, end);
      continue;
    }
    q = wordEnd(t, p, end);
    const eq = charIn(t, 61, p, q);
    if (eq < 0) {
      // A bare word the format does not have: kept verbatim with an empty value.
      fields.push(t.slice(p, q), '');
      p = skip(t, q, end);
      continue;
    }
    const tok = keyOf(t, p, eq);
    const v = num(t, eq + 1, q);
    const value = v >= 0 ? numText(ctx, v, eq + 1, q) : tok <= K_DST ? word(ctx, eq + 1, q) : t.slice(eq + 1, q);
    fields.push(tok === K_OTHER || tok === K_ZONE_DIR ? t.slice(p, eq) : KEYS[tok], value);
    if (tok === K_SRC) {
      cur = undefined;
      if (original === undefined) cur = original = newTuple(value);
      else if (reply === undefined) cur = reply = newTuple(value);
    } else if (tok === K_ID && !(cur && icmp && cur.icmpId === undefined)) {
      // `id=` after `use=` is the conntrack id (-o id); inside an ICMP tuple it is the ICMP id.
      cur = undefined;
      if (v >= 0) id = v;
    } else if (tok <= K_ZONE_DIR) {
      if (cur) setTupleField(cur, tok, value, v);
    } else if (tok !== K_OTHER) {
      cur = undefined;
      if (tok === K_SECCTX) secctx = value;
      else if (tok === K_HELPER) helper = value;
      else if (tok === K_LABELS) labels = value === '' ? [] : value.split(',');
      else if (v >= 0) {
        if (tok === K_MARK) mark = v;
        else if (tok === K_USE) use = v;
        else if (tok === K_ZONE) zone = v;
        else if (tok === K_DELTA) deltaTime = v;
        else if (tok === K_SECMARK) secmark = v;
      }
    }
    p = skip(t, q, end);
  }
  const raw = t.slice(start, end);
  if (original === undefined || original.dst === '') {
    dump.malformed.push({ line, raw, reason: 'conntrack entry without an original src=/dst= tuple' });
    return;
  }
  const e: ConntrackEntry = {
    line, raw, event, eventTime, l3, l3Num, protocol: word(ctx, a, b), protoNum, timeout, state, original, reply,
    unreplied, assured, offload, hwOffload, mark, secmark, secctx, zone, deltaTime, start: startTime, stop: stopTime,
    helper, use, id, labels, fields: fields.slice(), flags: flags.length === 0 ? [] : flags.slice(),
  };
  if (event !== undefined) dump.events = true;
  dump.entries.push(e);
}

function setTupleField(cur: ConntrackTuple, tok: number, value: string, v: number): void {
  switch (tok) {
    case K_DST: cur.dst = value; break;
    case K_SRCKEY: cur.srcKey = value; break;
    case K_DSTKEY: cur.dstKey = value; break;
    default:
      if (v < 0) return;
      if (tok === K_SPORT) cur.sport = v;
      else if (tok === K_DPORT) cur.dport = v;
      else if (tok === K_TYPE) cur.icmpType = v;
      else if (tok === K_CODE) cur.icmpCode = v;
      else if (tok === K_ID) cur.icmpId = v;
      else if (tok === K_PACKETS) cur.packets = v;
      else if (tok === K_BYTES) cur.bytes = v;
      else if (tok === K_ZONE_DIR) cur.zone = v;
  }
}

/** Matches t[a, b) against the known keys without slicing it. `zone-orig`/`zone-reply` -> ZoneDir. */
function keyOf(t: string, a: number, b: number): number {
  const is = (k: string): boolean => t.startsWith(k, a);
  switch (b - a) {
    case 2: return is('id') ? K_ID : K_OTHER;
    case 3: return is('src') ? K_SRC : is('dst') ? K_DST : is('use') ? K_USE : K_OTHER;
    case 4: return is('type') ? K_TYPE : is('code') ? K_CODE : is('mark') ? K_MARK : is('zone') ? K_ZONE : K_OTHER;
    case 5: return is('sport') ? K_SPORT : is('dport') ? K_DPORT : is('bytes') ? K_BYTES : K_OTHER;
    case 6: return is('srckey') ? K_SRCKEY : is('dstkey') ? K_DSTKEY : is('secctx') ? K_SECCTX : is('helper') ? K_HELPER : is('labels') ? K_LABELS : K_OTHER;
    case 7: return is('packets') ? K_PACKETS : is('secmark') ? K_SECMARK : K_OTHER;
    case 9: return is('zone-orig') ? K_ZONE_DIR : K_OTHER;
    case 10: return is('delta-time') ? K_DELTA : is('zone-reply') ? K_ZONE_DIR : K_OTHER;
    default: return K_OTHER;
  }
}

/** A line that is not an entry: the stderr summary, `-o xml`, a prompt/echo, or malformed. */
function notEntry(dump: ConntrackDump, t: string, start: number, end: number, line: number): void {
  const raw = t.slice(start, end);
  const trimmed = raw.trim();
  const m = SUMMARY.exec(trimmed);
  if (m) {
    const c = SUMMARY_COUNT.exec(m[2]);
    dump.summaries.push({ line, raw, version: m[1], count: c ? Number(c[1]) : null, action: c ? c[2] : null, message: m[2] });
    return;
  }
  if (trimmed.charCodeAt(0) === 60 /* < */) {
    dump.unsupportedLines++;
    dump.problem = XML_PROBLEM;
    return;
  }
  if (isShellEcho(raw, TOOLS)) {
    dump.skipped++;
    return;
  }
  dump.malformed.push({ line, raw, reason: 'not a conntrack entry' });
}
