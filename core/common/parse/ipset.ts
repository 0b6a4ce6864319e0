import type { Malformed } from '../model/evidence';
import type { IpsetCommand, IpsetDump, IpsetHeader, IpsetMember, IpsetSet } from '../model/ipset';
import { IPSET_MAX_NAME_LENGTH } from '../model/ipset';
import { isDigits, isIPv4, isIPv6, isShellEcho } from './ipAddr';
import { eachLine } from './eachLine';

// Parser for `ipset list` blocks and `ipset save` / `ipset restore` input (ipset 6.x/7.x print
// formats; kube-proxy's IPVS sets are described in pkg/proxy/ipvs/ipset.go and README.md).
// Grammar notes: /work/shared/reference/dump-formats.md §4.
//
// Restore commands other than create/add (swap, flush, destroy, ...) are recorded, not executed:
// a capture is evidence of what was printed, and replaying a half-pasted script would invent state.

const TOOLS = ['ipset'];
const XML_PROBLEM = '`ipset list -o xml` output is not supported: capture with `ipset list` or `ipset save`';

/** ipset's legacy short commands (ipset.c) mapped to the long names `ipset save` prints. */
const COMMANDS: Record<string, string> = {
  create: 'create', add: 'add', del: 'del', swap: 'swap', flush: 'flush', destroy: 'destroy', rename: 'rename', test: 'test',
  '-N': 'create', '-A': 'add', '-D': 'del', '-W': 'swap', '-F': 'flush', '-X': 'destroy', '-E': 'rename', '-T': 'test',
};

interface State {
  dump: IpsetDump;
  /** Set of the current `ipset list` block. */
  block: IpsetSet | null;
  inMembers: boolean;
}

export function parseIpset(text: string): IpsetDump {
  const dump: IpsetDump = { sets: new Map(), commands: [], skipped: 0, lineCount: 0, malformed: [] };
  const st: State = { dump, block: null, inMembers: false };
  dump.lineCount = eachLine(text, dump.malformed, (raw, line) => parseLine(st, raw, line));
  return dump;
}

function bad(st: State, line: number, raw: string, reason: string): void {
  const m: Malformed = { line, raw, reason };
  st.dump.malformed.push(m);
}

function parseLine(st: State, raw: string, line: number): void {
  const t = raw.trim();
  if (t === '') {
    st.inMembers = false;
    st.dump.skipped++;
    return;
  }
  const colon = t.indexOf(':');
  const key = colon > 0 ? t.slice(0, colon) : '';
  if (key !== '' && parseListKey(st, key, t.slice(colon + 1).trim(), raw, line)) return;
  let memberError: string | undefined;
  if (st.inMembers && st.block) {
    memberError = parseMember(st.block, tokenize(t), raw, line);
    if (memberError === undefined) return;
  }
  const w = tokenize(t);
  const op = COMMANDS[w[0]];
  if (op !== undefined) {
    st.inMembers = false;
    st.block = null;
    return parseCommand(st, op, w, raw, line);
  }
  if (t.charCodeAt(0) === 60 /* < */) {
    st.dump.problem = XML_PROBLEM;
    st.dump.skipped++;
    return;
  }
  if (t === 'COMMIT' || isShellEcho(raw, TOOLS)) {
    st.inMembers = false;
    st.dump.skipped++;
    return;
  }
  bad(st, line, raw, memberError ?? 'not ipset output');
}

/** `Name:`, `Type:`, ... lines of an `ipset list` block. Returns false if `key` is not one of them. */
function parseListKey(st: State, key: string, value: string, raw: string, line: number): boolean {
  if (key === 'Name') {
    st.block = getSet(st, value, line, raw, 'list');
    st.inMembers = false;
    return true;
  }
  const set = st.block;
  if (!set || st.inMembers) return false;
  switch (key) {
    case 'Type': set.type = value; return true;
    case 'Revision': if (isDigits(value)) set.revision = Number(value); return true;
    case 'Header': set.header = parseHeader(tokenize(value)); return true;
    case 'Size in memory': if (isDigits(value)) set.sizeInMemory = Number(value); return true;
    case 'References': if (isDigits(value)) set.references = Number(value); return true;
    case 'Number of entries': if (isDigits(value)) set.entryCount = Number(value); return true;
    case 'Members': st.inMembers = true; return true;
    default: return false;
  }
}

function getSet(st: State, name: string, line: number, raw: string, source: IpsetSet['source']): IpsetSet {
  let set = st.dump.sets.get(name);
  if (set) {
    if (set.line === 0) Object.assign(set, { line, raw, source });
    return set;
  }
  set = {
    name, line, raw, source, header: { counters: false, comment: false, tokens: [] }, members: [],
    possiblyTruncatedName: name.length >= IPSET_MAX_NAME_LENGTH,
  };
  st.dump.sets.set(name, set);
  return set;
}

function parseCommand(st: State, op: string, w: string[], raw: string, line: number): void {
  const name = w[1];
  if (name === undefined) return bad(st, line, raw, `${op} without a set name`);
  if (op === 'create') {
    if (w[2] === undefined) return bad(st, line, raw, 'create without a set type');
    const set = getSet(st, name, line, raw, 'save');
    if (set.type !== undefined && set.type !== w[2]) bad(st, line, raw, `set ${name} created again with another type (${set.type} kept)`);
    set.type ??= w[2];
    set.header = parseHeader(w.slice(3));
    return;
  }
  if (op === 'add') {
    if (w[2] === undefined) return bad(st, line, raw, 'add without a member');
    const err = parseMember(getSet(st, name, 0, '', 'save'), w.slice(2), raw, line);
    if (err) bad(st, line, raw, err);
    return;
  }
  const cmd: IpsetCommand = { line, raw, op: op as IpsetCommand['op'], args: w.slice(1) };
  st.dump.commands.push(cmd);
}

function parseHeader(w: string[]): IpsetHeader {
  const h: IpsetHeader = { counters: false, comment: false, tokens: w };
  for (let i = 0; i < w.length; i++) {
    const k = w[i];
    const v = w[i + 1];
    switch (k) {
      case 'family': if (v === 'inet' || v === 'inet6') h.family = v; i++; break;
      case 'hashsize': if (isDigits(v)) h.hashsize = Number(v); i++; break;
      case 'maxelem': if (isDigits(v)) h.maxelem = Number(v); i++; break;
      case 'timeout': if (isDigits(v)) h.timeout = Number(v); i++; break;
      case 'bucketsize': if (isDigits(v)) h.bucketsize = Number(v); i++; break;
      case 'netmask': if (isDigits(v)) h.netmask = Number(v); i++; break;
      case 'range': h.range = v; i++; break;
      case 'initval': h.initval = v; i++; break;
      case 'counters': h.counters = true; break;
      case 'comment': h.comment = true; break;
    }
  }
  return h;
}

/** Parses `ELEMENT [timeout N] [packets N bytes N] [comment "..."] [nomatch] ...` into `set`. */
function parseMember(set: IpsetSet, w: string[], raw: string, line: number): string | undefined {
  const element = w[0];
  if (element === undefined) return 'empty member';
  const m: IpsetMember = { line, raw, element, nomatch: false, extra: [] };
  const err = parseElement(m, element, set.type);
  if (err) return err;
  for (let i = 1; i < w.length; i++) {
    const k = w[i];
    const v = w[i + 1];
    if ((k === 'timeout' || k === 'packets' || k === 'bytes') && isDigits(v)) {
      m[k] = Number(v);
      i++;
    } else if (k === 'comment' && v !== undefined) {
      m.comment = v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v;
      i++;
    } else if (k === 'nomatch') m.nomatch = true;
    else m.extra.push(k);
  }
  set.members.push(m);
  return undefined;
}

/** Element dimensions by set type: `hash:ip,port,net` -> ip, port, net. Unknown type: guessed from shape. */
function dimensions(type: string | undefined, parts: string[]): string[] {
  const colon = type ? type.indexOf(':') : -1;
  if (type && colon >= 0) return type.slice(colon + 1).split(',');
  if (parts.length === 1) return [isPortText(parts[0]) ? 'port' : 'ip'];
  return parts.length === 2 ? ['ip', 'port'] : ['ip', 'port', 'ip'];
}

function isPortText(s: string): boolean {
  const dash = s.indexOf('-');
  return dash < 0 ? isDigits(s) : isDigits(s.slice(0, dash)) && isDigits(s.slice(dash + 1));
}

function parseElement(m: IpsetMember, element: string, type: string | undefined): string | undefined {
  const parts = element.split(',');
  const dims = dimensions(type, parts);
  if (dims.length !== parts.length) return `member "${element}" does not match set type ${type ?? '(unknown)'}`;
  let addresses = 0;
  for (let i = 0; i < parts.length; i++) {
    const d = dims[i];
    const p = parts[i];
    if (d === 'ip' || d === 'net') {
      const slash = p.indexOf('/');
      const addr = slash < 0 ? p : p.slice(0, slash);
      if (!isIPv4(addr) && !isIPv6(addr)) return `"${p}" is not an IP address`;
      const prefix = slash < 0 ? undefined : p.slice(slash + 1);
      if (prefix !== undefined && !isDigits(prefix)) return `bad prefix length in "${p}"`;
      if (addresses++ === 0) {
        m.address = addr;
        if (prefix !== undefined) m.prefix = Number(prefix);
      } else {
        m.address2 = addr;
        if (prefix !== undefined) m.prefix2 = Number(prefix);
      }
    } else if (d === 'port') {
      const err = parsePort(m, p);
      if (err) return err;
    }
    // mac, iface, mark, set: kept in `element` only (kube-proxy does not use them).
  }
  return undefined;
}

/** `udp:53`, `tcp:30000-30002`, bare `30080` (bitmap:port), `icmp:echo-request`. */
function parsePort(m: IpsetMember, p: string): string | undefined {
  const colon = p.indexOf(':');
  const port = colon < 0 ? p : p.slice(colon + 1);
  if (colon >= 0) {
    if (colon === 0) return `missing protocol in "${p}"`;
    m.protocol = p.slice(0, colon);
  }
  if (isPortText(port)) {
    const dash = port.indexOf('-');
    m.port = Number(dash < 0 ? port : port.slice(0, dash));
    m.portEnd = dash < 0 ? m.port : Number(port.slice(dash + 1));
    if (m.port > 65535 || m.portEnd > 65535 || m.portEnd < m.port) return `port out of range in "${p}"`;
  } else if (colon >= 0 && port !== '') m.portName = port;
  else return `"${p}" is not a port`;
  return undefined;
}

/** Splits on whitespace; a `"..."` run (ipset comments) stays one token, quotes kept. */
function tokenize(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = s.length;
  while (i < n) {
    let c = s.charCodeAt(i);
    if (c === 32 || c === 9) {
      i++;
      continue;
    }
    const start = i;
    if (c === 34) {
      const close = s.indexOf('"', i + 1);
      i = close < 0 ? n : close + 1;
    }
    while (i < n && (c = s.charCodeAt(i)) !== 32 && c !== 9) i++;
    out.push(s.slice(start, i));
  }
  return out;
}
