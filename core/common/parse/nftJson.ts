import type { NftFamily, NftRuleset, NftSet, NftTable } from '../model/nft';
import {
  addNftElements, deleteNftElements, finishNftBuild, findNftSet, findNftTable, flushNftSet, flushNftTable, malformedNft, newNftBuild,
  nftChain, nftSet, nftTable,
} from './nftBuild';
import type { NftBuild } from './nftBuild';
import { exprText, isObj, jsonElement, jsonRule, num, soleKey, str } from './nftJsonExpr';
import type { JsonObj } from './nftJsonExpr';
import { isNftFamily, nftPriority } from './nftValues';

// Parser for `nft -j list ruleset` (and `nft -j list table|chain|set|map ...`): the top-level
// `{"nftables": [ {"metainfo": ...}, {"table": ...}, {"chain": ...}, {"rule": ...}, {"set": ...},
// {"map": ...} ]}` array (libnftables-json(5); dump-formats.md §2.3). Command wrappers of JSON input
// (`{"add": {...}}`, `{"delete": {...}}`, `{"flush": {...}}`) are applied too. Produces the same
// model as parseNftText; `line` is the index of the object in the array + 1 and `raw` its JSON.

export function parseNftJson(text: string): NftRuleset {
  const b = newNftBuild();
  let items: unknown[] = [];
  try {
    const doc: unknown = JSON.parse(typeof text === 'string' ? text : '');
    if (isObj(doc) && Array.isArray(doc.nftables)) items = doc.nftables;
    else malformedNft(b, 1, String(text).slice(0, 200), 'not an nft JSON document (no "nftables" array)');
  } catch (e) {
    malformedNft(b, 1, String(text).slice(0, 200), `invalid JSON: ${String(e)}`);
  }
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const line = i + 1;
    const raw = JSON.stringify(item) ?? '';
    try {
      apply(b, item, line, raw, 'add');
    } catch (e) {
      malformedNft(b, line, raw, `internal parser error: ${String(e)}`);
    }
  }
  return finishNftBuild(b, items.length, true);
}

type Verb = 'add' | 'delete' | 'flush' | 'replace' | 'insert';

function apply(b: NftBuild, item: unknown, line: number, raw: string, verb: Verb): void {
  if (!isObj(item)) return malformedNft(b, line, raw, 'not an object');
  const kind = soleKey(item);
  const o = kind === undefined ? undefined : item[kind];
  if (kind === undefined) return malformedNft(b, line, raw, 'empty object');
  switch (kind) {
    case 'metainfo':
      if (isObj(o)) {
        const v = str(o.version);
        if (v !== undefined) b.nftVersion = v;
      }
      return;
    case 'add':
    case 'create':
      return apply(b, o, line, raw, 'add');
    case 'insert':
      return apply(b, o, line, raw, 'insert');
    case 'replace':
      return apply(b, o, line, raw, 'replace');
    case 'delete':
    case 'destroy':
      return apply(b, o, line, raw, 'delete');
    case 'flush':
      return apply(b, o, line, raw, 'flush');
    case 'table':
    case 'chain':
    case 'rule':
    case 'set':
    case 'map':
    case 'element':
      if (!isObj(o)) return malformedNft(b, line, raw, `${kind}: not an object`);
      return object(b, kind, o, line, raw, verb);
    case 'ruleset':
      if (verb === 'flush') b.tables.clear();
      return;
    default:
      // counters, quotas, flowtables, ct helpers, limits ...: not part of kube-proxy's data plane.
      return;
  }
}

function tableOf(b: NftBuild, o: JsonObj, key: 'name' | 'table', create: boolean, line: number, raw: string): NftTable | undefined {
  const family = str(o.family);
  const name = str(o[key]);
  if (!isNftFamily(family) || name === undefined) {
    malformedNft(b, line, raw, `missing or unknown family/${key}`);
    return undefined;
  }
  return create ? nftTable(b, family as NftFamily, name, 0, '') : findNftTable(b, family, name);
}

function object(b: NftBuild, kind: string, o: JsonObj, line: number, raw: string, verb: Verb): void {
  const adding = verb === 'add' || verb === 'insert' || verb === 'replace';
  if (kind === 'table') {
    const t = tableOf(b, o, 'name', adding, line, raw);
    if (!t) return;
    if (verb === 'delete') b.tables.delete(`${t.family} ${t.name}`);
    else if (verb === 'flush') flushNftTable(b, t);
    else {
      nftTable(b, t.family, t.name, line, raw);
      const h = num(o.handle);
      if (h !== undefined) t.handle = h;
      if (typeof o.comment === 'string') t.comment = o.comment;
      if (Array.isArray(o.flags)) t.flags = o.flags.map(exprText);
    }
    return;
  }
  const t = tableOf(b, o, 'table', adding, line, raw);
  if (!t) return;
  const name = str(kind === 'rule' ? o.chain : o.name);
  if (name === undefined) return malformedNft(b, line, raw, `${kind} without ${kind === 'rule' ? 'chain' : 'name'}`);
  switch (kind) {
    case 'chain': {
      if (verb === 'delete') return void t.chains.delete(name);
      if (verb === 'flush') {
        const c = t.chains.get(name);
        if (c) c.rules = [];
        return;
      }
      const c = nftChain(t, name, line, raw);
      const h = num(o.handle);
      if (h !== undefined) c.handle = h;
      if (typeof o.type === 'string') c.type = o.type;
      if (typeof o.hook === 'string') c.hook = o.hook;
      if (typeof o.dev === 'string') c.device = o.dev;
      if (typeof o.policy === 'string') c.policy = o.policy;
      if (typeof o.comment === 'string') c.comment = o.comment;
      if (o.prio !== undefined) {
        c.priorityText = exprText(o.prio);
        const p = typeof o.prio === 'number' ? o.prio : nftPriority(c.priorityText, t.family);
        if (p !== undefined) c.priority = p;
      }
      return;
    }
    case 'rule': {
      const c = t.chains.get(name);
      if (verb === 'delete') {
        const h = num(o.handle);
        if (c && h !== undefined) c.rules = c.rules.filter((r) => r.handle !== h);
        return;
      }
      const rule = jsonRule(o, name, line, raw);
      const chain = c ?? nftChain(t, name, 0, '');
      if (verb === 'insert') chain.rules.unshift(rule);
      else chain.rules.push(rule);
      return;
    }
    case 'set':
    case 'map': {
      if (verb === 'delete') return void (kind === 'map' ? t.maps : t.sets).delete(name);
      if (verb === 'flush') {
        const s = findNftSet(t, name);
        if (s) flushNftSet(b, s);
        return;
      }
      const s = nftSet(t, name, kind, line, raw);
      setProps(b, s, o, kind, line);
      return;
    }
    case 'element': {
      const elems = Array.isArray(o.elem) ? o.elem.map((e) => jsonElement(e, line)) : [];
      if (verb === 'delete') {
        const s = findNftSet(t, name);
        if (s) deleteNftElements(b, s, elems.map((e) => e.key));
        return;
      }
      const kindGuess = elems.some((e) => e.verdict !== undefined || e.value !== undefined) ? 'map' : 'set';
      addNftElements(b, findNftSet(t, name) ?? nftSet(t, name, kindGuess, 0, ''), elems);
      return;
    }
    default:
      return;
  }
}

function setProps(b: NftBuild, s: NftSet, o: JsonObj, kind: 'set' | 'map', line: number): void {
  const h = num(o.handle);
  if (h !== undefined) s.handle = h;
  const keyType = Array.isArray(o.type) ? o.type.map(exprText).join(' . ') : o.type !== undefined ? exprText(o.type) : '';
  const dataType = kind === 'map' && o.map !== undefined ? (Array.isArray(o.map) ? o.map.map(exprText).join(' . ') : exprText(o.map)) : '';
  s.type = dataType ? `${keyType} : ${dataType}` : keyType;
  if (Array.isArray(o.flags)) s.flags = o.flags.map(exprText);
  else if (typeof o.flags === 'string') s.flags = [o.flags];
  const timeout = num(o.timeout);
  if (timeout !== undefined) s.timeout = timeout;
  const size = num(o.size);
  if (size !== undefined) s.size = size;
  if (typeof o.comment === 'string') s.comment = o.comment;
  if (Array.isArray(o.elem)) addNftElements(b, s, o.elem.map((e) => jsonElement(e, line)));
}
