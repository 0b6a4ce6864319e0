import type { NftCounters, NftElement, NftMatch, NftNumgen, NftRule, NftSetUpdate, NftVerdict } from '../model/nft';
import { formatNatTarget, isPlainVerdict, nftNatTarget } from './nftValues';

// Expressions and statements of `nft -j` (libnftables-json(5), schema version 1), turned into the
// same rule fields the text parser derives, plus nft-like text for display. Only plain JSON values
// come in (JSON.parse output), so everything is narrowed from `unknown`.

export type Json = unknown;
export type JsonObj = Record<string, unknown>;

export function isObj(x: Json): x is JsonObj {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** The single key of an nft JSON object (`{"match": {...}}` -> 'match'). */
export function soleKey(o: JsonObj): string | undefined {
  for (const k in o) return k;
  return undefined;
}

export function str(x: Json): string | undefined {
  return typeof x === 'string' ? x : undefined;
}

export function num(x: Json): number | undefined {
  return typeof x === 'number' && Number.isFinite(x) ? x : undefined;
}

/** `{"goto": {"target": "x"}}`, `{"drop": null}` -> verdict; undefined for anything else. */
export function jsonVerdict(x: Json): NftVerdict | undefined {
  if (!isObj(x)) return undefined;
  const k = soleKey(x);
  if (k === undefined) return undefined;
  if (k === 'jump' || k === 'goto') {
    const v = x[k];
    const target = isObj(v) ? str(v.target) : undefined;
    return target === undefined ? undefined : { kind: k, target };
  }
  return isPlainVerdict(k) ? { kind: k } : undefined;
}

/** nft-like text of an expression: `ip daddr`, `10.0.0.0/8`, `{ a, b }`, `meta mark & 16384`. */
export function exprText(x: Json): string {
  if (typeof x === 'string') return x;
  if (typeof x === 'number' || typeof x === 'boolean') return String(x);
  if (Array.isArray(x)) return x.map(exprText).join(' : ');
  if (!isObj(x)) return 'null';
  const k = soleKey(x);
  if (k === undefined) return '{}';
  const v = x[k];
  const o = isObj(v) ? v : {};
  switch (k) {
    case 'payload':
      if (o.protocol !== undefined) return `${exprText(o.protocol)} ${exprText(o.field)}`;
      return `@${exprText(o.base)},${exprText(o.offset)},${exprText(o.len)}`;
    case 'meta':
      return `meta ${exprText(o.key)}`;
    case 'ct':
      return o.dir !== undefined ? `ct ${exprText(o.dir)} ${exprText(o.key)}` : `ct ${exprText(o.key)}`;
    case 'fib': {
      const flags = Array.isArray(o.flags) ? o.flags.map(exprText).join(' . ') : exprText(o.flags);
      return `fib ${flags} ${exprText(o.result)}`;
    }
    case 'numgen': {
      const off = num(o.offset);
      return `numgen ${exprText(o.mode)} mod ${exprText(o.mod)}${off ? ` offset ${off}` : ''}`;
    }
    case 'concat':
      return Array.isArray(v) ? v.map(exprText).join(' . ') : exprText(v);
    case 'prefix':
      return `${exprText(o.addr)}/${exprText(o.len)}`;
    case 'range':
      return Array.isArray(v) ? v.map(exprText).join('-') : exprText(v);
    case 'set':
      return Array.isArray(v) ? `{ ${v.map(exprText).join(', ')} }` : exprText(v);
    case 'elem':
      return exprText(o.val) + (typeof o.comment === 'string' ? ` comment "${o.comment}"` : '');
    case 'map':
      return `${exprText(o.key)} map ${exprText(o.data)}`;
    case '&':
    case '|':
    case '^':
    case '<<':
    case '>>':
      return Array.isArray(v) ? v.map(exprText).join(` ${k} `) : exprText(v);
    default: {
      const verdict = jsonVerdict(x);
      if (verdict) return verdict.target !== undefined ? `${verdict.kind} ${verdict.target}` : verdict.kind;
      return JSON.stringify(x);
    }
  }
}

/** Concatenation parts of an element key (`{"concat": ["1.2.3.4", "tcp", 80]}` -> ['1.2.3.4', 'tcp', '80']). */
export function keyParts(x: Json): string[] {
  if (isObj(x) && Array.isArray(x.concat)) return x.concat.map(exprText);
  return [exprText(x)];
}

/** A set element (`"a"`, `{"concat": ...}`, `{"elem": {...}}`) or a map element `[key, value]`. */
export function jsonElement(e: Json, line: number): NftElement {
  let keyExpr: Json = e;
  let value: Json;
  let hasValue = false;
  if (Array.isArray(e) && e.length === 2) {
    keyExpr = e[0];
    value = e[1];
    hasValue = true;
  }
  const el: NftElement = {
    key: [], verdict: undefined, value: undefined, comment: undefined, timeout: undefined, expires: undefined, counters: undefined,
    line, raw: JSON.stringify(e) ?? '',
  };
  if (isObj(keyExpr) && isObj(keyExpr.elem)) {
    const w = keyExpr.elem;
    keyExpr = w.val;
    if (typeof w.comment === 'string') el.comment = w.comment;
    const timeout = num(w.timeout);
    if (timeout !== undefined) el.timeout = timeout;
    const expires = num(w.expires);
    if (expires !== undefined) el.expires = expires;
    const c = counters(w.counter);
    if (c) el.counters = c;
  }
  el.key = keyParts(keyExpr);
  if (hasValue) {
    const verdict = jsonVerdict(value);
    if (verdict) el.verdict = verdict;
    else el.value = exprText(value);
  }
  return el;
}

function counters(x: Json): NftCounters | undefined {
  if (!isObj(x)) return undefined;
  const packets = num(x.packets);
  const bytes = num(x.bytes);
  return packets !== undefined && bytes !== undefined ? { packets, bytes } : undefined;
}

const OPS: Readonly<Record<string, NftMatch['op']>> = { '==': '==', in: '==', '!=': '!=', '<': '<', '>': '>', '<=': '<=', '>=': '>=' };

function numgenOf(x: Json): NftNumgen | undefined {
  if (!isObj(x) || !isObj(x.numgen)) return undefined;
  const g = x.numgen;
  return { mode: exprText(g.mode), mod: num(g.mod) ?? 0, offset: num(g.offset) ?? 0, entries: [] };
}

/** Lists a rule collects while its statements are read. */
interface Acc {
  matches: NftMatch[];
  refs: string[];
  updates: NftSetUpdate[];
}

/** Builds a rule from a JSON `rule` object's `expr` array. */
export function jsonRule(o: JsonObj, chain: string, line: number, raw: string): NftRule {
  const acc: Acc = { matches: [], refs: [], updates: [] };
  // Same shape as the text parser's rules (every field present).
  const rule: NftRule = {
    chain, line, raw, text: '', handle: num(o.handle), comment: undefined, matches: acc.matches, verdict: undefined, vmap: undefined,
    numgen: undefined, dnat: undefined, snat: undefined, masquerade: undefined, setUpdates: acc.updates, setRefs: acc.refs, counters: undefined,
  };
  const parts: string[] = [];
  const exprs = Array.isArray(o.expr) ? o.expr : [];
  for (const st of exprs) parts.push(statement(st, rule, acc, line));
  if (typeof o.comment === 'string') {
    rule.comment = o.comment;
    parts.push(`comment "${o.comment}"`);
  }
  rule.text = parts.join(' ');
  return rule;
}

function ref(acc: Acc, x: Json): string | undefined {
  if (typeof x === 'string' && x.startsWith('@')) {
    acc.refs.push(x.slice(1));
    return x.slice(1);
  }
  return undefined;
}

/** Applies one statement to the rule and returns its text. */
function statement(st: Json, rule: NftRule, acc: Acc, line: number): string {
  if (!isObj(st)) return exprText(st);
  const k = soleKey(st);
  if (k === undefined) return '';
  const v = st[k];
  const o = isObj(v) ? v : {};
  switch (k) {
    case 'match': {
      const left = exprText(o.left);
      const op = (typeof o.op === 'string' && Object.hasOwn(OPS, o.op) ? OPS[o.op] : '==');
      const right = exprText(o.right);
      const m: NftMatch = { left, op, right, values: [] };
      const set = ref(acc, o.right);
      if (set !== undefined) m.set = set;
      else if (isObj(o.right) && Array.isArray(o.right.set)) m.values = o.right.set.map(exprText);
      else m.values = [right];
      acc.matches.push(m);
      return op === '==' ? `${left} ${right}` : `${left} ${op} ${right}`;
    }
    case 'vmap': {
      const key = exprText(o.key);
      const map = ref(acc, o.data);
      if (map !== undefined) rule.vmap = { key, map };
      else {
        const items = isObj(o.data) && Array.isArray(o.data.set) ? o.data.set : [];
        const entries = items.map((e) => jsonElement(e, line));
        rule.vmap = { key, entries };
        const ng = numgenOf(o.key);
        if (ng) {
          ng.entries = entries.map((e) => ({ index: Number(e.key[0]), verdict: e.verdict }));
          rule.numgen = ng;
        }
      }
      return `${key} vmap ${exprText(o.data)}`;
    }
    case 'counter': {
      const c = counters(v);
      if (c) rule.counters = c;
      return c ? `counter packets ${c.packets} bytes ${c.bytes}` : 'counter';
    }
    case 'dnat':
    case 'snat': {
      const family = o.family === 'ip' || o.family === 'ip6' ? o.family : undefined;
      let to: string;
      const addrMap = isObj(o.addr) && isObj(o.addr.map) ? o.addr.map : undefined;
      const ng = addrMap ? numgenOf(addrMap.key) : undefined;
      if (addrMap && ng) {
        // Proposed `dnat ip addr . port to numgen random mod N map { 0 : a . p, ... }`.
        const items = isObj(addrMap.data) && Array.isArray(addrMap.data.set) ? addrMap.data.set : [];
        ng.entries = items.map((e) => {
          const el = jsonElement(e, line);
          return { index: Number(el.key[0]), value: el.value };
        });
        rule.numgen = ng;
        to = exprText(o.addr);
        rule[k] = { to, ...(family ? { family } : {}) };
      } else {
        const addr = o.addr === undefined ? undefined : exprText(o.addr);
        to = formatNatTarget(addr, num(o.port));
        rule[k] = nftNatTarget(to, family);
      }
      return `${k}${family ? ` ${family}` : ''} to ${to}`;
    }
    case 'masquerade':
      rule.masquerade = true;
      return o.flags !== undefined ? `masquerade ${Array.isArray(o.flags) ? o.flags.map(exprText).join(',') : exprText(o.flags)}` : 'masquerade';
    case 'set': {
      const set = ref(acc, o.set);
      const op = o.op === 'add' || o.op === 'delete' ? o.op : 'update';
      const key = exprText(o.elem);
      if (set !== undefined) acc.updates.push({ op, set, key });
      return `${op} ${exprText(o.set)} { ${key} }`;
    }
    case 'mangle':
      return `${exprText(o.key)} set ${exprText(o.value)}`;
    case 'xt':
      // iptables-nft matches/targets nft cannot translate (nft prints `xt match "recent"`)
      return `xt ${exprText(o.type)} "${exprText(o.name)}"`;
    case 'reject': {
      rule.verdict = { kind: 'reject' };
      const dflt = o.expr === undefined || o.expr === 'port-unreachable';
      return dflt ? 'reject' : `reject with ${exprText(o.type)} ${exprText(o.expr)}`;
    }
    default: {
      const verdict = jsonVerdict(st);
      if (verdict) {
        rule.verdict = verdict;
        return verdict.target !== undefined ? `${verdict.kind} ${verdict.target}` : verdict.kind;
      }
      return v === null ? k : `${k} ${JSON.stringify(v)}`;
    }
  }
}
