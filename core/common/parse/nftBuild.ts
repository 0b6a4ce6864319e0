import type { Malformed } from '../model/evidence';
import type { NftChain, NftElement, NftFamily, NftRuleset, NftSet, NftSyntax, NftTable } from '../model/nft';

// Ruleset builder shared by the nft text and JSON parsers: get-or-create tables, chains and sets
// (nft's own namespace rules: one table per family+name, sets and maps share a namespace), and the
// transaction verbs kube-proxy uses on partial syncs (flush/delete chain, delete element;
// pkg/proxy/nftables/proxier.go). Element deletes go through a lazily built key index so a
// transaction with thousands of `delete element` lines stays linear.

export interface NftBuild {
  tables: Map<string, NftTable>;
  malformed: Malformed[];
  /** `# Warning: table ip nat is managed by iptables-nft ...` lines by `family name`. */
  warnings: Map<string, { line: number; raw: string }>;
  /** Sets that had deletes: key -> live element, plus the deleted elements to drop at the end. */
  index: Map<NftSet, { byKey: Map<string, NftElement>; removed: Set<NftElement> }>;
  /** Tables only named by `nft list tables` lines; a later header becomes their declaration. */
  mentioned: Set<NftTable>;
  sawList: boolean;
  sawTransaction: boolean;
  nftVersion?: string;
}

export function newNftBuild(): NftBuild {
  return { tables: new Map(), malformed: [], warnings: new Map(), index: new Map(), mentioned: new Set(), sawList: false, sawTransaction: false };
}

export function malformedNft(b: NftBuild, line: number, raw: string, reason: string): void {
  b.malformed.push({ line, raw, reason });
}

export function findNftTable(b: NftBuild, family: NftFamily, name: string): NftTable | undefined {
  return b.tables.get(`${family} ${name}`);
}

/**
 * Gets or creates a table; `line` 0 means "only referenced", and a later declaration fills it in.
 * `mention` marks a `table ip nat` line of `nft list tables`, which a later header overrides.
 */
export function nftTable(b: NftBuild, family: NftFamily, name: string, line: number, raw: string, mention = false): NftTable {
  const key = `${family} ${name}`;
  let t = b.tables.get(key);
  if (!t) {
    t = { family, name, line, raw, flags: [], chains: new Map(), sets: new Map(), maps: new Map() };
    const w = b.warnings.get(key);
    if (w) t.warning = w;
    b.tables.set(key, t);
    if (mention) b.mentioned.add(t);
  } else if ((t.line === 0 || b.mentioned.has(t)) && line > 0 && !mention) {
    t.line = line;
    t.raw = raw;
    b.mentioned.delete(t);
  }
  return t;
}

export function nftChain(t: NftTable, name: string, line: number, raw: string): NftChain {
  let c = t.chains.get(name);
  if (!c) {
    // Every field present from the start: one object shape for all chains.
    c = {
      name, line, raw, handle: undefined, type: undefined, hook: undefined, device: undefined, priority: undefined, priorityText: undefined,
      policy: undefined, comment: undefined, rules: [],
    };
    t.chains.set(name, c);
  } else if (c.line === 0 && line > 0) {
    c.line = line;
    c.raw = raw;
  }
  return c;
}

export function findNftSet(t: NftTable, name: string): NftSet | undefined {
  return t.maps.get(name) ?? t.sets.get(name);
}

/** Gets or creates a set or map. A set first seen through `add element` may turn out to be a map. */
export function nftSet(t: NftTable, name: string, kind: 'set' | 'map', line: number, raw: string): NftSet {
  let s = findNftSet(t, name);
  if (!s) {
    s = {
      name, kind, line, raw, handle: undefined, type: '', typeof: undefined, flags: [], timeout: undefined, size: undefined, comment: undefined,
      elements: [],
    };
    (kind === 'map' ? t.maps : t.sets).set(name, s);
    return s;
  }
  if (s.line === 0 && line > 0) {
    s.line = line;
    s.raw = raw;
    if (s.kind !== kind) {
      (s.kind === 'map' ? t.maps : t.sets).delete(name);
      s.kind = kind;
      (kind === 'map' ? t.maps : t.sets).set(name, s);
    }
  }
  return s;
}

export function nftElementKey(key: readonly string[]): string {
  return key.join(' . ');
}

export function addNftElements(b: NftBuild, s: NftSet, elements: readonly NftElement[]): void {
  const idx = b.index.get(s);
  for (const el of elements) {
    s.elements.push(el);
    if (idx) {
      const k = nftElementKey(el.key);
      const old = idx.byKey.get(k);
      if (old) idx.removed.add(old);
      idx.byKey.set(k, el);
    }
  }
}

/** `delete element`: drops the live elements with these keys; returns how many keys were not found. */
export function deleteNftElements(b: NftBuild, s: NftSet, keys: readonly (readonly string[])[]): number {
  let idx = b.index.get(s);
  if (!idx) {
    idx = { byKey: new Map(), removed: new Set() };
    for (const el of s.elements) {
      const k = nftElementKey(el.key);
      const old = idx.byKey.get(k);
      if (old) idx.removed.add(old);
      idx.byKey.set(k, el);
    }
    b.index.set(s, idx);
  }
  let missing = 0;
  for (const key of keys) {
    const k = nftElementKey(key);
    const el = idx.byKey.get(k);
    if (el) {
      idx.removed.add(el);
      idx.byKey.delete(k);
    } else missing++;
  }
  return missing;
}

export function flushNftSet(b: NftBuild, s: NftSet): void {
  s.elements = [];
  b.index.delete(s);
}

export function flushNftTable(b: NftBuild, t: NftTable): void {
  for (const c of t.chains.values()) c.rules = [];
  for (const s of t.sets.values()) flushNftSet(b, s);
  for (const s of t.maps.values()) flushNftSet(b, s);
}

export function finishNftBuild(b: NftBuild, lineCount: number, json: boolean): NftRuleset {
  for (const [s, idx] of b.index) {
    if (idx.removed.size > 0) s.elements = s.elements.filter((el) => !idx.removed.has(el));
  }
  const tables = [...b.tables.values()];
  let ruleCount = 0;
  let elementCount = 0;
  for (const t of tables) {
    for (const c of t.chains.values()) ruleCount += c.rules.length;
    for (const s of t.sets.values()) elementCount += s.elements.length;
    for (const s of t.maps.values()) elementCount += s.elements.length;
  }
  let syntax: NftSyntax = 'empty';
  if (json) syntax = tables.length > 0 || b.nftVersion !== undefined ? 'json' : 'empty';
  else if (b.sawList && b.sawTransaction) syntax = 'mixed';
  else if (b.sawList) syntax = 'list';
  else if (b.sawTransaction) syntax = 'transaction';
  const rs: NftRuleset = { syntax, tables, ruleCount, elementCount, lineCount, malformed: b.malformed };
  if (b.nftVersion !== undefined) rs.nftVersion = b.nftVersion;
  return rs;
}
