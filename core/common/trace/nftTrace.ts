import type { NftChain, NftRule, NftTable, NftVerdict } from '../model/nft';
import { formatIp, hostPort, parseIp } from '../ip/ipMath';
import { finishAccepted } from './iptablesTrace';
import type { NftMatchEnv } from './nftMatch';
import { evalNftRule, isRedirect, lookupElements, namedSet, nftMarkSet } from './nftMatch';
import type { Cond } from './traceConditions';
import { clauseText, knownAtom } from './traceConditions';
import { routeLocal } from './traceFacts';
import type { PathState, SideSpec, TraceEnv } from './tracePath';
import { applyMark, conditionSides, finish, fork, overBudget, resolveMarks } from './tracePath';
import { flushRun, step } from './traceSteps';
import type { TraceHit } from './traceTypes';

// Follows a packet through kube-proxy's nftables table(s) (pkg/proxy/nftables/proxier.go): the
// base chains of each hook in priority order (filter-prerouting-pre-dnat, nat-prerouting, then
// filter-input or filter-forward, nat-postrouting; nat-output etc. for a local process), verdict
// maps (`vmap @service-ips`, `@no-endpoint-services` -> reject-chain/drop, `@firewall-ips`),
// `numgen random mod N` load balancing (1/N per arm), endpoint chains with `dnat to`, and the
// mark-for-masquerade / masquerading pair. Generic over rules: no chain name is assumed.

type Status = 'accept' | 'drop' | 'reject' | 'return' | 'incomplete';

interface Leaf {
  state: PathState;
  status: Status;
  hit?: TraceHit;
  note?: string;
}

export interface NftTraceInput {
  env: TraceEnv;
  tables: NftTable[];
}

interface BaseChain {
  table: NftTable;
  chain: NftChain;
}

interface Ctx extends NftTraceInput {
  hooks: Map<string, BaseChain[]>;
  origDst: string;
  origPort: number;
}

type Stage = string | 'route' | 'local-in';

export function traceNft(input: NftTraceInput, start: PathState): void {
  const hooks = new Map<string, BaseChain[]>();
  for (const table of input.tables) {
    for (const chain of table.chains.values()) {
      if (!chain.hook) continue;
      const list = hooks.get(chain.hook) ?? [];
      list.push({ table, chain });
      hooks.set(chain.hook, list);
    }
  }
  for (const list of hooks.values()) list.sort((a, b) => (a.chain.priority ?? 0) - (b.chain.priority ?? 0));
  const ctx: Ctx = { ...input, hooks, origDst: start.dstText, origPort: start.dport };
  const stages: Stage[] = input.env.query.fromLocalProcess ? ['output', 'postrouting', 'local-in'] : ['prerouting', 'route'];
  runStages(ctx, start, stages, 0);
  flushRun(input.env);
}

function tableName(t: NftTable): string {
  return `${t.family} ${t.name}`;
}

function runStages(ctx: Ctx, p: PathState, stages: Stage[], i: number): void {
  const { env } = ctx;
  if (overBudget(env)) return finish(env, p, { kind: 'incomplete', masquerade: !!p.masquerade, note: 'trace limit reached' });
  if (i >= stages.length) return finishAccepted(env, p);
  const s = stages[i];
  if (s === 'route' || s === 'local-in') {
    const local = routeLocal(env, p);
    if (s === 'route') step(env, p, { kind: 'info', table: 'routing', chain: '', line: 0, raw: '', matched: true, note: `routing: ${p.dstText} is ${local ? 'a local address: input' : 'not a local address: forward'}`, depth: 0 });
    const next = s === 'route' ? (local ? ['input'] : ['forward', 'postrouting']) : local ? ['input'] : [];
    return runStages(ctx, p, [...stages.slice(0, i + 1), ...next], i + 1);
  }
  runHook(ctx, p, ctx.hooks.get(s) ?? [], 0, (q) => runStages(ctx, q, stages, i + 1));
}

/** Base chains of one hook in priority order; accept moves to the next base chain, drop/reject end the path. */
function runHook(ctx: Ctx, p: PathState, chains: BaseChain[], k: number, next: (q: PathState) => void): void {
  const { env } = ctx;
  if (k >= chains.length) return next(p);
  const { table, chain } = chains[k];
  const natBefore = p.dnat;
  if (chain.type === 'nat' && natBefore && chains.slice(0, k).some((c) => c.chain.type === 'nat')) {
    // NAT already bound at this hook by an earlier nat chain: later nat chains are not consulted.
    return runHook(ctx, p, chains, k + 1, next);
  }
  const m: NftMatchEnv = { env, table, origDst: ctx.origDst, origPort: ctx.origPort };
  for (const leaf of walkFrom(ctx, m, chain, 0, p, 0, [chain.name])) {
    if (leaf.status === 'accept' || leaf.status === 'return') runHook(ctx, leaf.state, chains, k + 1, next);
    else if (leaf.status === 'drop' || leaf.status === 'reject') {
      finish(env, leaf.state, { kind: leaf.status, masquerade: !!leaf.state.masquerade, ...(leaf.hit ? { decidedBy: leaf.hit } : {}), ...(leaf.note ? { note: leaf.note } : {}) });
    } else finish(env, leaf.state, { kind: 'incomplete', masquerade: !!leaf.state.masquerade, note: leaf.note ?? 'trace stopped', ...(leaf.hit ? { decidedBy: leaf.hit } : {}) });
  }
}

function settle(conds: Cond[], p: PathState): Cond[] | false {
  const left: Cond[] = [];
  for (const c of conds) {
    const k = knownAtom(p.conds, c.atom);
    if (k === undefined) left.push(c);
    else if (k !== c.holds) return false;
  }
  return left;
}

function walkFrom(ctx: Ctx, m: NftMatchEnv, chain: NftChain, start: number, p: PathState, depth: number, stack: string[]): Leaf[] {
  const { env } = ctx;
  const tname = tableName(m.table);
  for (let i = start; i < chain.rules.length; i++) {
    const rule = chain.rules[i];
    env.work++;
    if (env.work > env.limits.maxWork) return [{ state: p, status: 'incomplete', note: 'trace limit reached' }];
    const base = { table: tname, chain: chain.name, line: rule.line, raw: rawOf(rule), depth };
    const ev = evalNftRule(m, rule, p);
    if (ev.kind === 'no') {
      step(env, p, { ...base, kind: 'rule', matched: false, note: ev.why });
      continue;
    }
    if (ev.kind === 'mark') {
      step(env, p, { ...base, kind: 'rule', matched: 'branch', note: 'depends on a mark set under a condition earlier on this path' });
      return each(ctx, resolveMarks(env, p, ev.mask), base, (q) => walkFrom(ctx, m, chain, i, q, depth, stack));
    }
    const conds = settle(ev.conds, p);
    if (conds === false) {
      step(env, p, { ...base, kind: 'rule', matched: false, note: 'contradicts a fact assumed on this branch' });
      continue;
    }
    if (conds.length > 0) {
      const bits = markOnlyBits(m.table, rule);
      if (bits !== null) {
        p.maybe.push({ bits, when: conds });
        step(env, p, { ...base, kind: 'rule', matched: 'branch', note: `if ${clauseText(conds)}: mark |= 0x${bits.toString(16)}` });
        continue;
      }
      step(env, p, { ...base, kind: 'rule', matched: 'branch', note: `depends on: ${clauseText(conds)}` });
      const sides = conditionSides(p, conds, (ok, c) => `${ok ? 'matches' : 'does not match'}: ${clauseText(c)}`);
      return each(ctx, fork(env, p, sides, false), base, (q) => walkFrom(ctx, m, chain, i, q, depth, stack));
    }
    const r = statements(ctx, m, chain, i, p, depth, stack, base);
    if (r !== null) return r;
  }
  if (chain.hook) {
    const drop = chain.policy === 'drop';
    step(env, p, { kind: 'policy', table: tname, chain: chain.name, line: chain.line, raw: '', matched: true, note: `end of base chain: policy ${chain.policy ?? 'accept'}`, depth });
    return [{ state: p, status: drop ? 'drop' : 'accept', ...(drop ? { hit: { plane: env.plane, file: env.file, table: tname, chain: chain.name, line: chain.line, raw: chain.raw } } : {}) }];
  }
  return [{ state: p, status: 'return' }];
}

function rawOf(rule: NftRule): string {
  return rule.raw.startsWith('{') ? rule.text : rule.raw.trim();
}

function each(ctx: Ctx, open: { state: PathState; label: string; index: number }[], base: { table: string; chain: string; line: number; raw: string; depth: number }, body: (q: PathState, index: number) => Leaf[]): Leaf[] {
  const out: Leaf[] = [];
  for (const o of open) {
    step(ctx.env, o.state, { ...base, kind: 'branch', matched: 'branch', note: o.label });
    out.push(...body(o.state, o.index));
  }
  return out;
}

/** Statements of a matching rule; null when the walk goes on with the next rule. */
function statements(ctx: Ctx, m: NftMatchEnv, chain: NftChain, i: number, p: PathState, depth: number, stack: string[], base: { table: string; chain: string; line: number; raw: string; depth: number }): Leaf[] | null {
  const { env } = ctx;
  const rule = chain.rules[i];
  const hit: TraceHit = { plane: env.plane, file: env.file, table: base.table, chain: chain.name, line: rule.line, raw: base.raw };
  const notes: string[] = [];
  const mark = nftMarkSet(rule);
  if (mark) {
    const before = p.mark;
    p.mark = applyMark(p.mark, mark.op, mark.value);
    notes.push(`mark 0x${before.toString(16)} -> 0x${p.mark.toString(16)}`);
  }
  for (const u of rule.setUpdates) notes.push(`${u.op} @${u.set} { ${u.key} } (session affinity entry)`);
  const say = (note: string, matched: boolean | 'branch' = true) => step(env, p, { ...base, kind: 'rule', matched, note: [...notes, note].filter((x) => x !== '').join('; ') });
  if (rule.dnat || isRedirect(rule)) {
    const addr = rule.dnat?.addr ?? (isRedirect(rule) ? (env.query.fromLocalProcess ? (env.family === 4 ? '127.0.0.1' : '::1') : p.dstText) : undefined);
    const ip = addr !== undefined ? parseIp(addr) : null;
    if (!ip) {
      say(`dnat target not understood (${rule.dnat?.to ?? 'redirect'})`);
      return [{ state: p, status: 'incomplete', hit, note: 'dnat target not understood' }];
    }
    const port = rule.dnat?.port ?? p.dport;
    p.dst = ip;
    p.dstText = formatIp(ip);
    p.dport = port;
    p.dnat = { ...hit, ip: p.dstText, port };
    say(`dnat to ${hostPort(p.dstText, port)}`);
    return [{ state: p, status: 'accept', hit }];
  }
  if (rule.masquerade || rule.snat) {
    p.masquerade = hit;
    say(rule.masquerade ? 'masquerade: source address rewritten' : `snat to ${rule.snat?.to ?? ''}`);
    return [{ state: p, status: 'accept', hit }];
  }
  if (rule.numgen && rule.vmap) {
    const ng = rule.numgen;
    say(`random: numgen mod ${ng.mod}, ${ng.entries.length} arm${ng.entries.length === 1 ? '' : 's'} (p=${fmtP(1 / Math.max(1, ng.mod))} each)`, 'branch');
    const sides: SideSpec[] = ng.entries.map((e) => ({ conds: [], p: 1 / Math.max(1, ng.mod), label: `numgen ${e.index}: ${e.verdict ? verdictText(e.verdict) : e.value ?? ''} (p=${fmtP(1 / Math.max(1, ng.mod))})` }));
    const missing = ng.mod - new Set(ng.entries.map((e) => e.index)).size;
    if (missing > 0) sides.push({ conds: [], p: missing / ng.mod, label: `numgen value with no entry (p=${fmtP(missing / ng.mod)}): next rule` });
    return each(ctx, fork(env, p, sides, true), base, (q, idx) => {
      const v = ng.entries[idx]?.verdict;
      return v ? verdict(ctx, m, chain, i, q, depth, stack, v, hit) : walkFrom(ctx, m, chain, i + 1, q, depth, stack);
    });
  }
  if (rule.vmap) {
    const elements = rule.vmap.map ? (namedSet(m.table, rule.vmap.map)?.elements ?? []) : (rule.vmap.entries ?? []);
    const where = rule.vmap.map ? `@${rule.vmap.map}` : 'inline map';
    const hits = lookupElements(m, p, rule.vmap.key, elements).filter((h) => h.element.verdict);
    if (hits.length === 0) {
      say(`${rule.vmap.key} -> no element in ${where}: next rule`, false);
      return null;
    }
    const sure = hits.find((h) => h.conds.length === 0);
    if (sure?.element.verdict) {
      say(`${where} element line ${sure.element.line}: ${sure.element.raw.trim()}`);
      return verdict(ctx, m, chain, i, p, depth, stack, sure.element.verdict, { ...hit, line: sure.element.line, raw: sure.element.raw.trim() });
    }
    const first = hits[0];
    say(`${where} element line ${first.element.line} if ${clauseText(first.conds)}`, 'branch');
    const sides = conditionSides(p, first.conds, (ok, c) => `${ok ? 'element matches' : 'element does not match'}: ${clauseText(c)}`);
    return each(ctx, fork(env, p, sides, false), base, (q, idx) => (idx === 0 && first.element.verdict ? verdict(ctx, m, chain, i, q, depth, stack, first.element.verdict, hit) : walkFrom(ctx, m, chain, i + 1, q, depth, stack)));
  }
  if (rule.verdict) {
    say(verdictText(rule.verdict));
    return verdict(ctx, m, chain, i, p, depth, stack, rule.verdict, hit);
  }
  say(notes.length > 0 ? '' : 'matches, no verdict: next rule');
  return null;
}

function verdictText(v: NftVerdict): string {
  return v.target ? `${v.kind} ${v.target}` : v.kind;
}

function fmtP(p: number): string {
  return Number(p.toFixed(4)).toString();
}

function verdict(ctx: Ctx, m: NftMatchEnv, chain: NftChain, i: number, p: PathState, depth: number, stack: string[], v: NftVerdict, hit: TraceHit): Leaf[] {
  const { env } = ctx;
  switch (v.kind) {
    case 'accept':
      return [{ state: p, status: 'accept', hit }];
    case 'drop':
      return [{ state: p, status: 'drop', hit }];
    case 'reject':
      return [{ state: p, status: 'reject', hit }];
    case 'queue':
      return [{ state: p, status: 'incomplete', hit, note: 'handed to userspace (queue)' }];
    case 'continue':
      return walkFrom(ctx, m, chain, i + 1, p, depth, stack);
    case 'return':
      return [chain.hook ? policyLeaf(chain, p) : { state: p, status: 'return' }];
  }
  const target = v.target !== undefined ? m.table.chains.get(v.target) : undefined;
  if (!target) {
    env.notes.push(`chain ${v.target ?? '?'} (line ${hit.line}) does not exist in ${tableName(m.table)}`);
    return [{ state: p, status: 'incomplete', hit, note: `${v.kind} to a missing chain ${v.target ?? ''}` }];
  }
  if (stack.includes(target.name) || depth + 1 > env.limits.maxDepth) {
    env.truncated = true;
    return [{ state: p, status: 'incomplete', hit, note: stack.includes(target.name) ? `loop through ${target.name}` : 'chains nested too deep' }];
  }
  const leaves = walkFrom(ctx, m, target, 0, p, depth + 1, [...stack, target.name]);
  const out: Leaf[] = [];
  for (const leaf of leaves) {
    if (leaf.status !== 'return') out.push(leaf);
    else if (v.kind === 'goto') out.push(chain.hook ? policyLeaf(chain, leaf.state) : leaf);
    else out.push(...walkFrom(ctx, m, chain, i + 1, leaf.state, depth, stack));
  }
  return out;
}

/** Leaving a base chain through return: its policy applies. */
function policyLeaf(chain: NftChain, p: PathState): Leaf {
  return { state: p, status: chain.policy === 'drop' ? 'drop' : 'accept' };
}

/** Bits OR-ed into the mark when that is all the rule does: `meta mark set meta mark | X`, or a jump to a chain of only that. */
function markOnlyBits(table: NftTable, rule: NftRule): number | null {
  const or = (r: NftRule): number | null => {
    const ms = nftMarkSet(r);
    const plain = !r.dnat && !r.snat && !r.masquerade && !r.vmap && r.setUpdates.length === 0;
    return ms && ms.op === 'or' && plain && (!r.verdict || r.verdict.kind === 'continue') ? ms.value : null;
  };
  if (!rule.verdict) return or(rule);
  if (rule.verdict.kind !== 'jump' || rule.dnat || rule.vmap || nftMarkSet(rule)) return null;
  const chain = rule.verdict.target !== undefined ? table.chains.get(rule.verdict.target) : undefined;
  if (!chain || chain.hook || chain.rules.length === 0) return null;
  let bits = 0;
  for (const r of chain.rules) {
    const b = r.matches.length === 0 ? or(r) : null;
    if (b === null) return null;
    bits |= b;
  }
  return bits === 0 ? null : bits;
}
