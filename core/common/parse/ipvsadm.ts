import type {
  IpvsConnection,
  IpvsDump,
  IpvsForward,
  IpvsHostPort,
  IpvsListingFormat,
  IpvsProtocol,
  IpvsRealServer,
  IpvsVirtualService,
} from '../model/ipvs';
import { isDigits, isIPv4, isIPv6, isShellEcho, splitWords } from './ipAddr';
import { eachLine } from './eachLine';

// Parser for ipvsadm output: `ipvsadm -Ln` in every listing layout, `-Lnc` connection entries and
// `ipvsadm-save -n` / `ipvsadm -S -n` rules. Print formats: ipvsadm 1.31 ipvsadm.c (print_title,
// print_service_entry, print_conn, print_largenum); grammar notes in
// /work/shared/reference/dump-formats.md §3.
//
// Lines are split on runs of whitespace, never on column offsets: pasted captures often collapse
// the padding. Names instead of numbers (`-L` without `-n`) are refused, never resolved or guessed.

export const NON_NUMERIC_PROBLEM =
  'ipvsadm printed host or service names instead of numbers (listed without -n); names may be truncated and cannot be matched to Services: capture with `ipvsadm -Ln --exact` (or `ipvsadm-save -n`)';

const FORWARDS: ReadonlySet<string> = new Set<IpvsForward>(['Masq', 'Route', 'Tunnel', 'Local']);
const TOOLS = ['ipvsadm', 'ipvsadm-save'];

interface State {
  dump: IpvsDump;
  format: IpvsListingFormat | undefined;
  service: IpvsVirtualService | null;
  /** The current service line was refused as non-numeric: its real servers are refused too. */
  serviceRefused: boolean;
  byKey: Map<string, IpvsVirtualService>;
}

export function parseIpvsadm(text: string): IpvsDump {
  const dump: IpvsDump = {
    services: [], connections: [], formats: [], numeric: true, nonNumeric: [], skipped: 0, lineCount: 0, malformed: [],
  };
  const st: State = { dump, format: undefined, service: null, serviceRefused: false, byKey: new Map() };
  dump.lineCount = eachLine(text, dump.malformed, (raw, line) => parseLine(st, raw, line));
  if (!dump.numeric) dump.problem = NON_NUMERIC_PROBLEM;
  return dump;
}

function setFormat(st: State, f: IpvsListingFormat): void {
  st.format = f;
  if (!st.dump.formats.includes(f)) st.dump.formats.push(f);
}

function bad(st: State, line: number, raw: string, reason: string): void {
  st.dump.malformed.push({ line, raw, reason });
}

function refuse(st: State, line: number, raw: string, reason: string): void {
  st.dump.numeric = false;
  st.dump.nonNumeric.push({ line, raw, reason });
}

function parseLine(st: State, raw: string, line: number): void {
  const w = splitWords(raw);
  if (w.length === 0) {
    st.dump.skipped++;
    return;
  }
  const first = w[0];
  switch (first) {
    case 'TCP': case 'UDP': case 'SCTP': case 'IP':
      if (w.length >= 6 && isExpire(w[1])) return parseConnection(st, w, raw, line);
      if (first === 'IP' && raw.startsWith('IP Virtual Server version')) return parseVersion(st, raw, line);
      if (first !== 'IP') return parseServiceLine(st, w, raw, line);
      break;
    case 'FWM':
      return parseServiceLine(st, w, raw, line);
    case '->':
      if (w[1] === 'RemoteAddress:Port') {
        if (w.includes('TunnelInfo')) setFormat(st, 'tun-info');
        st.dump.skipped++;
        return;
      }
      return parseRealServerLine(st, w, raw, line);
    case 'Prot':
      if (w[1] === 'LocalAddress:Port') {
        setFormat(st, titleFormat(w));
        st.dump.skipped++;
        return;
      }
      break;
    case 'IPVS':
      if (w[1] === 'connection') {
        setFormat(st, 'connections');
        st.dump.skipped++;
        return;
      }
      break;
    case 'pro':
      if (w[1] === 'expire') {
        setFormat(st, 'connections');
        st.dump.skipped++;
        return;
      }
      break;
    case 'Timeout':
      // `Timeout (tcp tcpfin udp): 900 120 300`
      if (w.length === 7 && isDigits(w[4]) && isDigits(w[5]) && isDigits(w[6])) {
        st.dump.timeouts = { tcp: Number(w[4]), tcpFin: Number(w[5]), udp: Number(w[6]), line };
        return;
      }
      break;
    case 'master': case 'backup':
      if (w[1] === 'sync') {
        st.dump.skipped++;
        return;
      }
      break;
    default:
      if (first.charCodeAt(0) === 45 /* - */) return parseRuleLine(st, w, raw, line);
  }
  if (isShellEcho(raw, TOOLS)) st.dump.skipped++;
  else bad(st, line, raw, 'not ipvsadm output');
}

function titleFormat(w: string[]): IpvsListingFormat {
  if (w.includes('Conns')) return 'stats';
  if (w.includes('CPS')) return 'rate';
  if (w.includes('Uthreshold')) return 'thresholds';
  if (w.includes('PersistConn')) return 'persistent-conn';
  return 'list';
}

function parseVersion(st: State, raw: string, line: number): void {
  const m = /^IP Virtual Server version (\S+) \(size=(\d+)\)/.exec(raw);
  if (m) st.dump.version = { version: m[1], size: Number(m[2]), line };
  else bad(st, line, raw, 'unreadable version line');
}

/** `TCP  10.96.0.1:443 rr persistent 10800`, `FWM  3 IPv6 wrr`, or a `--stats`/`--rate` service line. */
function parseServiceLine(st: State, w: string[], raw: string, line: number): void {
  st.service = null;
  st.serviceRefused = false;
  const protocol = w[0] as IpvsProtocol;
  let i = 2;
  let address: IpvsHostPort | undefined;
  let fwmark: number | undefined;
  let family: 4 | 6 = 4;
  if (protocol === 'FWM') {
    if (!isDigits(w[1])) return bad(st, line, raw, 'FWM service without a numeric mark');
    fwmark = Number(w[1]);
    if (w[2] === 'IPv6') {
      family = 6;
      i = 3;
    }
  } else {
    const hp = parseHostPort(w[1]);
    if (typeof hp === 'string') {
      st.serviceRefused = true;
      return refuse(st, line, raw, hp);
    }
    address = hp;
    family = hp.family;
  }
  const svc: IpvsVirtualService = {
    line, raw, protocol, family, schedulerFlags: [], onePacket: false, format: 'list', realServers: [],
  };
  if (address) svc.address = address;
  if (fwmark !== undefined) svc.fwmark = fwmark;
  const rest = w.slice(i);
  let format = st.format;
  if (format === undefined || format === 'save' || format === 'connections') {
    format = rest.length === 5 && rest.every(isLargeNum) ? 'stats' : 'list';
    setFormat(st, format);
  }
  if (format === 'stats' || format === 'rate') {
    const n = largeNums(rest, 5);
    if (!n) return bad(st, line, raw, `expected 5 ${format} columns`);
    if (format === 'stats') svc.stats = { conns: n[0], inPkts: n[1], outPkts: n[2], inBytes: n[3], outBytes: n[4], approximate: n[5] === 1 };
    else svc.rate = { cps: n[0], inPps: n[1], outPps: n[2], inBps: n[3], outBps: n[4], approximate: n[5] === 1 };
    svc.format = format;
  } else {
    const err = parseServiceFlags(svc, rest);
    svc.format = format;
    if (err) bad(st, line, raw, err);
  }
  st.dump.services.push(svc);
  st.byKey.set(serviceKey(svc), svc);
  st.service = svc;
}

/** Scheduler and flags as print_service_entry writes them: `rr (sh-port) persistent 60 mask M pe sip ops`. */
function parseServiceFlags(svc: IpvsVirtualService, rest: string[]): string | undefined {
  if (rest.length === 0) return 'service line without a scheduler';
  svc.scheduler = rest[0];
  for (let j = 1; j < rest.length; j++) {
    const t = rest[j];
    if (t.startsWith('(') && t.endsWith(')')) svc.schedulerFlags.push(...t.slice(1, -1).split(','));
    else if (t === 'persistent' && isDigits(rest[j + 1])) svc.persistent = Number(rest[++j]);
    else if (t === 'mask' && rest[j + 1] !== undefined) svc.mask = rest[++j];
    else if (t === 'pe' && rest[j + 1] !== undefined) svc.pe = rest[++j];
    else if (t === 'ops') svc.onePacket = true;
    else return `unknown service flag "${t}"`;
  }
  return undefined;
}

function parseRealServerLine(st: State, w: string[], raw: string, line: number): void {
  if (st.serviceRefused) return refuse(st, line, raw, 'real server of a virtual service printed as a name');
  const svc = st.service;
  if (!svc) return bad(st, line, raw, 'real server line before any virtual service');
  const hp = parseHostPort(w[1]);
  if (typeof hp === 'string') return refuse(st, line, raw, hp);
  const rs: IpvsRealServer = { line, raw, address: hp };
  // Columns after the address start at w[2].
  const n = w.length - 2;
  let format = st.format;
  if (format === undefined || format === 'save' || format === 'connections') {
    format = FORWARDS.has(w[2]) ? (n === 5 ? 'tun-info' : 'list') : n === 5 ? 'stats' : undefined;
    if (!format) return bad(st, line, raw, 'cannot tell the listing layout (no column header)');
  }
  const err = fillRealServer(rs, format, w);
  if (err) return bad(st, line, raw, err);
  svc.realServers.push(rs);
}

/** Fills `rs` from the columns w[2..] of a `  -> ADDR ...` line in the given layout. */
function fillRealServer(rs: IpvsRealServer, format: IpvsListingFormat, w: string[]): string | undefined {
  if (format === 'stats' || format === 'rate') {
    const n = largeNums(w.slice(2), 5);
    if (!n) return `expected 5 ${format} columns`;
    if (format === 'stats') rs.stats = { conns: n[0], inPkts: n[1], outPkts: n[2], inBytes: n[3], outBytes: n[4], approximate: n[5] === 1 };
    else rs.rate = { cps: n[0], inPps: n[1], outPps: n[2], inBps: n[3], outBps: n[4], approximate: n[5] === 1 };
    return undefined;
  }
  const withForward = format === 'list' || format === 'tun-info';
  const expected = format === 'tun-info' ? 5 : 4;
  if (w.length - 2 !== expected) return `expected ${expected} columns after the address, got ${w.length - 2}`;
  // The last three/four columns are counters (print_service_entry %-6d %-10u ...).
  const first = w.length - (withForward ? 3 : 4);
  for (let i = first; i < w.length; i++) if (!isDigits(w[i])) return 'non-numeric counter column';
  const a = Number(w[first]);
  const b = Number(w[first + 1]);
  const c = Number(w[first + 2]);
  if (withForward) {
    if (!FORWARDS.has(w[2])) return `unknown forwarding method "${w[2]}"`;
    rs.forward = w[2] as IpvsForward;
    if (format === 'tun-info') rs.tunnelInfo = w[3];
    rs.weight = a;
    rs.activeConn = b;
    rs.inActConn = c;
    return undefined;
  }
  const d = Number(w[first + 3]);
  if (format === 'persistent-conn') {
    rs.weight = a;
    rs.persistConn = b;
  } else {
    rs.upperThreshold = a;
    rs.lowerThreshold = b;
  }
  rs.activeConn = c;
  rs.inActConn = d;
  return undefined;
}

function parseConnection(st: State, w: string[], raw: string, line: number): void {
  if (st.format !== 'connections') setFormat(st, 'connections');
  const hps = [parseHostPort(w[3]), parseHostPort(w[4]), parseHostPort(w[5])];
  for (const hp of hps) if (typeof hp === 'string') return refuse(st, line, raw, hp);
  const [m, s] = w[1].split(':');
  const conn: IpvsConnection = {
    line, raw, protocol: w[0], expire: w[1], expireSeconds: Number(m) * 60 + Number(s), state: w[2],
    source: hps[0] as IpvsHostPort, virtual: hps[1] as IpvsHostPort, destination: hps[2] as IpvsHostPort,
  };
  if (w.length >= 8) {
    conn.peName = w[6];
    conn.peData = w[7];
  } else if (w.length !== 6) return bad(st, line, raw, 'unexpected connection columns');
  st.dump.connections.push(conn);
}

function parseRuleLine(st: State, w: string[], raw: string, line: number): void {
  const r = parseIpvsRule(w);
  if (!r) return bad(st, line, raw, `unsupported ipvsadm command "${w[0]}" (only -A/-a of ipvsadm -S are read)`);
  if (typeof r.error === 'string') return bad(st, line, raw, r.error);
  setFormat(st, 'save');
  for (const a of [r.address, r.realServer]) if (typeof a === 'string') return refuse(st, line, raw, a);
  const family: 4 | 6 = r.address && typeof r.address !== 'string' ? r.address.family : r.ipv6 ? 6 : 4;
  if (r.command === 'add-service') {
    const svc: IpvsVirtualService = {
      line, raw, protocol: r.protocol, family, schedulerFlags: r.schedulerFlags, onePacket: r.onePacket, format: 'save', realServers: [],
    };
    if (r.address) svc.address = r.address as IpvsHostPort;
    if (r.fwmark !== undefined) svc.fwmark = r.fwmark;
    if (r.scheduler !== undefined) svc.scheduler = r.scheduler;
    if (r.persistent !== undefined) svc.persistent = r.persistent;
    if (r.mask !== undefined) svc.mask = r.mask;
    if (r.pe !== undefined) svc.pe = r.pe;
    st.dump.services.push(svc);
    st.byKey.set(serviceKey(svc), svc);
    st.service = svc;
    return;
  }
  const svc = st.byKey.get(keyOf(r.protocol, r.address as IpvsHostPort | undefined, r.fwmark, family));
  if (!svc) return bad(st, line, raw, 'real server for a virtual service not added before (-A)');
  const rs: IpvsRealServer = { line, raw, address: r.realServer as IpvsHostPort };
  if (r.forward) rs.forward = r.forward;
  if (r.weight !== undefined) rs.weight = r.weight;
  if (r.upperThreshold !== undefined) rs.upperThreshold = r.upperThreshold;
  if (r.lowerThreshold !== undefined) rs.lowerThreshold = r.lowerThreshold;
  if (r.tunnel.length) rs.tunnelInfo = r.tunnel.join(' ');
  svc.realServers.push(rs);
}

function serviceKey(s: IpvsVirtualService): string {
  return keyOf(s.protocol, s.address, s.fwmark, s.family);
}

function keyOf(protocol: IpvsProtocol, a: IpvsHostPort | undefined, fwmark: number | undefined, family: 4 | 6): string {
  return protocol === 'FWM' ? `FWM|${fwmark}|${family}` : `${protocol}|${a?.ip}|${a?.port}`;
}

/**
 * `10.96.0.1:443` or `[fd00::1]:443` (addrport_to_anyname with FMT_NUMERIC). Returns a reason
 * string when the text holds a host or service name (or is cut short) instead of numbers.
 */
export function parseHostPort(t: string | undefined): IpvsHostPort | string {
  if (t === undefined) return 'missing address';
  let ip: string;
  let port: string;
  if (t.charCodeAt(0) === 91 /* [ */) {
    const close = t.indexOf(']');
    if (close < 0 || t.charCodeAt(close + 1) !== 58) return `address "${t}" is cut short`;
    ip = t.slice(1, close);
    port = t.slice(close + 2);
    if (!isIPv6(ip)) return `address "${ip}" is a name, not an IPv6 address`;
  } else {
    const colon = t.lastIndexOf(':');
    if (colon < 0) return `address "${t}" has no port`;
    ip = t.slice(0, colon);
    port = t.slice(colon + 1);
    if (!isIPv4(ip)) return `address "${ip}" is a host name, not an IP`;
  }
  if (port === '') return `port of "${t}" is missing (name cut short)`;
  if (!isDigits(port) || Number(port) > 65535) return `port "${port}" is a service name, not a number`;
  return { ip, port: Number(port), family: ip.includes(':') ? 6 : 4 };
}

function isExpire(s: string): boolean {
  const colon = s.indexOf(':');
  return colon > 0 && s.length - colon === 3 && isDigits(s.slice(0, colon)) && isDigits(s.slice(colon + 1));
}

const UNITS: Record<string, number> = { K: 1e3, M: 1e6, G: 1e9, T: 1e12 };

function isLargeNum(s: string): boolean {
  return isDigits(s) || (isDigits(s.slice(0, -1)) && UNITS[s[s.length - 1]] !== undefined);
}

/** print_largenum values; returns [...values, approximate ? 1 : 0] or null. */
function largeNums(c: string[], n: number): number[] | null {
  if (c.length !== n) return null;
  const out: number[] = [];
  let approx = 0;
  for (const s of c) {
    if (isDigits(s)) out.push(Number(s));
    else if (isLargeNum(s)) {
      out.push(Number(s.slice(0, -1)) * UNITS[s[s.length - 1]]);
      approx = 1;
    } else return null;
  }
  out.push(approx);
  return out;
}

/** One `ipvsadm -S` line (`-A -t 10.96.0.1:443 -s rr -p 10800`, `-a -t ... -r ... -m -w 1`). */
interface IpvsRule {
  command: 'add-service' | 'add-server';
  protocol: IpvsProtocol;
  /** Parsed address, or the reason it is not numeric. */
  address?: IpvsHostPort | string;
  fwmark?: number;
  ipv6: boolean;
  scheduler?: string;
  schedulerFlags: string[];
  persistent?: number;
  mask?: string;
  pe?: string;
  onePacket: boolean;
  realServer?: IpvsHostPort | string;
  forward?: IpvsForward;
  weight?: number;
  upperThreshold?: number;
  lowerThreshold?: number;
  tunnel: string[];
  error?: string;
}

// Long option names ipvsadm also accepts (ipvsadm.c long_options), mapped to the short ones
// ipvsadm -S prints, so hand-written restore input reads the same.
const LONG: Record<string, string> = {
  '--add-service': '-A', '--add-server': '-a', '--tcp-service': '-t', '--udp-service': '-u', '--fwmark-service': '-f',
  '--scheduler': '-s', '--persistent': '-p', '--netmask': '-M', '--real-server': '-r', '--masquerading': '-m',
  '--gatewaying': '-g', '--ipip': '-i', '--weight': '-w', '--u-threshold': '-x', '--l-threshold': '-y', '--ipv6': '-6',
  '--ops': '-o', '--sched-flags': '-b', pe: '--pe', ops: '-o',
};
const FORWARD_SWITCH: Record<string, IpvsForward> = { '-m': 'Masq', '-g': 'Route', '-i': 'Tunnel' };
/** ipvsadm's default persistence timeout when `-p` is given without a value (IPVS_SVC_PERSISTENT_TIMEOUT). */
const DEFAULT_PERSISTENT = 300;

function parseIpvsRule(w: string[]): IpvsRule | null {
  const cmd = LONG[w[0]] ?? w[0];
  if (cmd !== '-A' && cmd !== '-a') return null;
  const r: IpvsRule = { command: cmd === '-A' ? 'add-service' : 'add-server', protocol: 'TCP', ipv6: false, schedulerFlags: [], onePacket: false, tunnel: [] };
  let hasService = false;
  const num = (v: string | undefined, what: string): number | undefined => {
    if (isDigits(v)) return Number(v);
    r.error ??= `${what} needs a number`;
    return undefined;
  };
  for (let i = 1; i < w.length; i++) {
    const opt = LONG[w[i]] ?? w[i];
    const next = w[i + 1];
    switch (opt) {
      case '-t': case '-u': case '--sctp-service':
        r.protocol = opt === '-t' ? 'TCP' : opt === '-u' ? 'UDP' : 'SCTP';
        r.address = parseHostPort(next);
        hasService = true;
        i++;
        break;
      case '-f':
        r.protocol = 'FWM';
        r.fwmark = num(next, '-f');
        hasService = true;
        i++;
        break;
      case '-6': r.ipv6 = true; break;
      case '-s': r.scheduler = next; i++; break;
      case '-p':
        if (isDigits(next)) {
          r.persistent = Number(next);
          i++;
        } else r.persistent = DEFAULT_PERSISTENT;
        break;
      case '-M': r.mask = next; i++; break;
      case '--pe': r.pe = next; i++; break;
      case '-o': r.onePacket = true; break;
      case '-b': r.schedulerFlags = (next ?? '').split(',').filter(Boolean); i++; break;
      case '-r':
        // FWM real servers may be given without a port; ipvsadm then uses 0.
        r.realServer = parseHostPort(next !== undefined && r.protocol === 'FWM' && !next.includes(':') ? `${next}:0` : next);
        i++;
        break;
      case '-m': case '-g': case '-i': r.forward = FORWARD_SWITCH[opt]; break;
      case '-w': r.weight = num(next, '-w'); i++; break;
      case '-x': r.upperThreshold = num(next, '-x'); i++; break;
      case '-y': r.lowerThreshold = num(next, '-y'); i++; break;
      case '--tun-type': case '--tun-port':
        r.tunnel.push(opt, next ?? '');
        i++;
        break;
      case '--tun-nocsum': case '--tun-csum': case '--tun-remcsum': r.tunnel.push(opt); break;
      default:
        r.error ??= `unknown option "${w[i]}"`;
    }
  }
  if (!hasService) r.error ??= 'no virtual service (-t/-u/--sctp-service/-f)';
  else if (r.command === 'add-server' && r.realServer === undefined) r.error ??= 'no real server (-r)';
  if (r.address === undefined && r.protocol !== 'FWM') r.error ??= 'missing service address';
  return r;
}
