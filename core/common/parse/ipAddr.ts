import type { IpAddrDump, IpAddrEntry } from '../model/ipvs';
import { eachLine } from './eachLine';

// Parser for `ip -o addr show` (iproute2 one-line mode, ipaddress.c print_addrinfo): one line per
// address, `2: kube-ipvs0    inet 10.96.0.1/32 scope global kube-ipvs0\       valid_lft forever ...`.
// The IPVS decoder uses it to list the addresses kube-proxy bound to kube-ipvs0.
//
// This file also holds the small text helpers the other node-capture parsers (ipvsadm, ipset,
// conntrack) share: word splitting, IP syntax checks and shell-prompt detection.

const TOOLS = ['ip'];
/** Address options followed by a value (iproute2 print_addrinfo). */
const VALUED = new Set(['brd', 'any', 'peer', 'scope', 'metric', 'proto', 'valid_lft', 'preferred_lft']);

export function parseIpAddr(text: string): IpAddrDump {
  const dump: IpAddrDump = { addresses: [], byInterface: new Map(), links: [], skipped: 0, lineCount: 0, malformed: [] };
  dump.lineCount = eachLine(text, dump.malformed, (raw, line) => {
    const reason = parseLine(dump, raw, line);
    if (reason) dump.malformed.push({ line, raw, reason });
  });
  return dump;
}

function parseLine(dump: IpAddrDump, raw: string, line: number): string | undefined {
  // Everything after the `\` is the second physical line (`valid_lft ... preferred_lft ...`).
  const bs = raw.indexOf('\\');
  const w = splitWords(bs < 0 ? raw : raw.slice(0, bs));
  if (w.length === 0) {
    dump.skipped++;
    return undefined;
  }
  const idx = w[0].endsWith(':') ? w[0].slice(0, -1) : '';
  if (!isDigits(idx) || w.length < 2) {
    if (isShellEcho(raw, TOOLS)) {
      dump.skipped++;
      return undefined;
    }
    return 'not `ip -o addr` output';
  }
  let name = w[1];
  if (name.endsWith(':')) {
    // `3: eth0@if7: <BROADCAST,...> mtu 1500`: a link line.
    dump.links.push({ line, raw, index: Number(idx), ifname: stripPeer(name.slice(0, -1)) });
    return undefined;
  }
  name = stripPeer(name);
  const family = w[2];
  if (family !== 'inet' && family !== 'inet6') return `unknown address family "${family ?? ''}"`;
  const local = w[3] ?? '';
  const slash = local.indexOf('/');
  const address = slash < 0 ? local : local.slice(0, slash);
  if (!(family === 'inet' ? isIPv4(address) : isIPv6(address))) return `"${local}" is not an ${family} address`;
  const e: IpAddrEntry = { line, raw, index: Number(idx), ifname: name, family, address, prefix: family === 'inet' ? 32 : 128, flags: [] };
  if (slash >= 0) {
    const p = local.slice(slash + 1);
    if (!isDigits(p)) return `bad prefix length in "${local}"`;
    e.prefix = Number(p);
  }
  for (let i = 4; i < w.length; i++) {
    const t = w[i];
    if (VALUED.has(t) && i + 1 < w.length) {
      const v = w[++i];
      if (t === 'brd') e.broadcast = v;
      else if (t === 'scope') e.scope = v;
      else if (t === 'peer') {
        e.peer = v;
        const ps = v.indexOf('/');
        if (ps >= 0 && isDigits(v.slice(ps + 1))) e.prefix = Number(v.slice(ps + 1));
      }
    } else if (family === 'inet' && i === w.length - 1 && (t === name || t.startsWith(`${name}:`))) {
      e.label = t;
    } else e.flags.push(t);
  }
  dump.addresses.push(e);
  const list = dump.byInterface.get(name);
  if (list) list.push(e);
  else dump.byInterface.set(name, [e]);
  return undefined;
}

function stripPeer(name: string): string {
  const at = name.indexOf('@');
  return at > 0 ? name.slice(0, at) : name;
}

// ---- helpers shared by the node-capture parsers ----

/** Words of a line split on runs of spaces and tabs (never on column offsets). */
export function splitWords(s: string): string[] {
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
    while (i < n && (c = s.charCodeAt(i)) !== 32 && c !== 9) i++;
    out.push(s.slice(start, i));
  }
  return out;
}

const PROMPT = /^\s*(?:[$#%>]|\[[^\]]*@[^\]]*\]\s*[$#]|[\w.-]+@[\w.-]+:\S*\s*[$#]|\[sudo\] password for )/;

/**
 * True for lines pasted along with a capture: shell prompts (`$ cmd`, `# cmd`, `[root@h ~]# cmd`,
 * `user@h:~$ cmd`), `#` comments, sudo's password prompt, and the bare command echo of one of
 * `tools` (`sudo ipvsadm -L -n`). Only called for lines the grammar did not accept.
 */
export function isShellEcho(line: string, tools: readonly string[]): boolean {
  if (PROMPT.test(line)) return true;
  const w = splitWords(line);
  let cmd = w[0] === 'sudo' ? w[1] : w[0];
  if (cmd === undefined) return false;
  const slash = cmd.lastIndexOf('/');
  if (slash >= 0) cmd = cmd.slice(slash + 1);
  return tools.includes(cmd);
}

/** Dotted-quad IPv4 syntax (no name resolution, no leading `+`/spaces). */
export function isIPv4(s: string): boolean {
  let parts = 0;
  let digits = 0;
  let value = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || value > 255) return false;
      parts++;
      digits = 0;
      value = 0;
    } else if (c >= 48 && c <= 57 && digits < 3) {
      value = value * 10 + c - 48;
      digits++;
    } else return false;
  }
  return parts === 4;
}

/** IPv6 syntax check, loose on purpose: hex digits, colons and an optional embedded IPv4 tail. */
export function isIPv6(s: string): boolean {
  if (s.length < 2 || s.length > 45 || !s.includes(':')) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 58) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70) || c === 46)) return false;
  }
  return true;
}

/** Non-empty run of ASCII digits (at most 15, so Number() is exact). */
export function isDigits(s: string | undefined): boolean {
  if (!s || s.length > 15) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}
