import type { IpsetDump } from '../model/ipset';
import type { IptablesDump, IptChain, IptRule } from '../model/iptables';
import { dnatDestination, targetOption } from '../parse/iptablesRule';
import { formatIp, hostPort, parseIp } from '../ip/ipMath';
import type { IptMatchEnv, RuleEval } from './iptablesMatch';
import { evalIptRule } from './iptablesMatch';
import { markOnlyBits, markTarget } from './iptablesMarks';
import { clauseText, knownAtom } from './traceConditions';
import { routeLocal } from './traceFacts';
import type { PathState, TraceEnv } from './tracePath';
import { conditionSides, finish, fork, overBudget, resolveMarks } from './tracePath';
import { flushRun, step } from './traceSteps';
import type { TraceHit } from './traceTypes';

// Follows a packet through the tables of an iptables-save dump the way netfilter does for the
// first packet of a connection: raw/mangle/nat PREROUTING (or OUTPUT for a local process), the
// routing decision, filter INPUT or FORWARD, then mangle/nat POSTROUTING. Chains are walked with
// jump/goto/RETURN semantics and built-in policies (pkg/proxy/iptables/proxier.go builds
// KUBE-SERVICES -> KUBE-SVC/SVL/EXT/FW -> KUBE-SEP -> DNAT and KUBE-POSTROUTING's MASQUERADE on
// mark 0x4000, but nothing here depends on those names or on comments).

type Status = 'accept' | 'drop' | 'reject' | 'return' | 'incomplete';

interface Leaf {
  state: PathState;
  status: Status;
  hit?: TraceHit;
  note?: string;
}

export interface IptTraceInput {
  env: TraceEnv;
  dump: IptablesDump;
  ipset?: IpsetDump;
  /** IPVS plane: schedules the packet between filter INPUT (or nat OUTPUT) and POSTROUTING. */
  ipvs?: (p: PathState) => PathState[];
}

interface Ctx extends IptTraceInput {
  m: IptMatchEnv;
  markOnly: Map<IptChain, number | null>;
}

/** A matched rule whose target lets the walk go on in the same chain. */
const CONTINUE = Symbol('continue');

type Stage = { table: string; chain: string } | 'route' | 'ipvs' | 'local-in';

const hook = (table: string, chain: string): Stage => ({ table, chain });
const PRE: Stage[] = [hook('raw', 'PREROUTING'), hook('mangle', 'PREROUTING'), hook('nat', 'PREROUTING'), 'route'];
const INPUT: Stage[] = [hook('mangle', 'INPUT'), hook('filter', 'INPUT'), hook('nat', 'INPUT')];
const FORWARD: Stage[] = [hook('mangle', 'FORWARD'), hook('filter', 'FORWARD')];
const POST: Stage[] = [hook('mangle', 'POSTROUTING'), hook('nat', 'POSTROUTING')];

const NON_TERMINATING = new Set([
  'CONNMARK', 'LOG', 'NFLOG', 'ULOG', 'TRACE', 'CT', 'NOTRACK', 'AUDIT', 'TCPMSS', 'CHECKSUM', 'CLASSIFY', 'DSCP', 'TOS', 'TTL', 'HL',
  'SET', 'TEE', 'SECMARK', 'CONNSECMARK', 'IDLETIMER', 'LED', 'RATEEST', 'ECN', 'HMARK', 'TPROXY',
]);

export function traceIptables(input: IptTraceInput, start: PathState): void {
  const ctx: Ctx = { ...input, m: { env: input.env, ipset: input.ipset, origDst: start.dstText, origPort: start.dport }, markOnly: new Map() };
  const stages: Stage[] = input.env.query.fromLocalProcess
    ? [hook('raw', 'OUTPUT'), hook('mangle', 'OUTPUT'), hook('nat', 'OUTPUT'), ...(input.ipvs ? ['ipvs' as const] : []), hook('filter', 'OUTPUT'), ...POST, 'local-in']
    : PRE;
  runStages(ctx, start, stages, 0);
  flushRun(input.env);
}

function runStages(ctx: Ctx, p: PathState, stages: Stage[], i: number): void {
  const { env } = ctx;
  if (overBudget(env)) return finish(env, p, { kind: 'incomplete', masquerade: !!p.masquerade, note: 'trace limit reached' });
  if (i >= stages.length) return finishAccepted(env, p);
  const s = stages[i];
  if (s === 'route' || s === 'local-in') {
    const local = routeLocal(env, p);
    const next = s === 'route' ? (local ? [...INPUT, ...(ctx.ipvs ? ['ipvs' as const] : [])] : [...FORWARD, ...POST]) : local ? INPUT : [];
    if (s === 'route') info(env, p, `routing: ${p.dstText} is ${local ? 'a local address: INPUT' : 'not a local address: FORWARD'}`);
    return runStages(ctx, p, [...stages.slice(0, i + 1), ...next], i + 1);
  }
  if (s === 'ipvs') {
    const after = ctx.ipvs ? ctx.ipvs(p) : [p];
    for (const q of after) {
      // Scheduled by IPVS: the rewritten packet leaves through LOCAL_OUT and POSTROUTING.
      const incoming = !env.query.fromLocalProcess;
      const next = incoming && q.ipvs ? [hook('mangle', 'OUTPUT'), hook('filter', 'OUTPUT'), ...POST] : [];
      runStages(ctx, q, [...stages.slice(0, i + 1), ...next, ...stages.slice(i + 1)], i + 1);
    }
    return;
  }
  const chain = ctx.dump.tables.get(s.table)?.chains.get(s.chain);
  if (!chain || (chain.rules.length === 0 && chain.policy !== 'DROP')) return runStages(ctx, p, stages, i + 1);
  for (const leaf of walkFrom(ctx, s.table, chain, 0, p, 0, [chain.name])) {
    if (leaf.status === 'accept') runStages(ctx, leaf.state, stages, i + 1);
    else if (leaf.status === 'drop' || leaf.status === 'reject') {
      finish(env, leaf.state, { kind: leaf.status, masquerade: !!leaf.state.masquerade, ...(leaf.hit ? { decidedBy: leaf.hit } : {}), ...(leaf.note ? { note: leaf.note } : {}) });
    } else finish(env, leaf.state, { kind: 'incomplete', masquerade: !!leaf.state.masquerade, note: leaf.note ?? 'trace stopped', ...(leaf.hit ? { decidedBy: leaf.hit } : {}) });
  }
}

export function finishAccepted(env: TraceEnv, p: PathState): void {
  const note = p.notes.length > 0 ? p.notes.join('; ') : undefined;
  if (p.dnat) {
    const { ip, port, ...hit } = p.dnat;
    finish(env, p, { kind: 'dnat', ip, port, masquerade: !!p.masquerade, decidedBy: hit, ...(note ? { note } : {}) });
  } else finish(env, p, { kind: 'accept-no-dnat', masquerade: !!p.masquerade, ...(note ? { note } : {}) });
}

function info(env: TraceEnv, p: PathState, note: string): void {
  step(env, p, { kind: 'info', table: 'routing', chain: '', line: 0, raw: '', matched: true, note, depth: 0 });
}

function hitOf(ctx: Ctx, table: string, rule: IptRule): TraceHit {
  return { plane: ctx.env.plane, file: ctx.env.file, table, chain: rule.chain, line: rule.line, raw: rule.raw };
}

/** Walks `chain` from rule `start`. Loops over non-matching rules; recurses only on forks and jumps. */
function walkFrom(ctx: Ctx, table: string, chain: IptChain, start: number, p: PathState, depth: number, stack: string[]): Leaf[] {
  const { env } = ctx;
  const rules = chain.rules;
  for (let i = start; i < rules.length; i++) {
    const rule = rules[i];
    env.work++;
    if (env.work > env.limits.maxWork) return [{ state: p, status: 'incomplete', note: 'trace limit reached' }];
    const ev = settle(evalIptRule(ctx.m, rule, p), p);
    const base = { table, chain: chain.name, line: rule.line, raw: rule.raw, depth };
    if (ev.kind === 'no') {
      step(env, p, { ...base, kind: 'rule', matched: false, note: ev.why });
      continue;
    }
    if (ev.kind === 'mark') {
      step(env, p, { ...base, kind: 'rule', matched: 'branch', note: 'depends on a mark set under a condition earlier on this path' });
      return forkEach(ctx, resolveMarks(env, p, ev.mask), (q) => walkFrom(ctx, table, chain, i, q, depth, stack), base);
    }
    if (ev.conds.length > 0) {
      const bits = ev.p === undefined ? markOnlyBits(ctx.dump, ctx.markOnly, table, rule) : null;
      if (bits !== null) {
        // A conditional mark (kube-proxy's `! -s <clusterCIDR> -j KUBE-MARK-MASQ`): no fork here,
        // the mark is resolved where it is tested (POSTROUTING).
        p.maybe.push({ bits, when: ev.conds });
        step(env, p, { ...base, kind: 'rule', matched: 'branch', note: `if ${clauseText(ev.conds)}: mark |= 0x${bits.toString(16)}` });
        continue;
      }
      step(env, p, { ...base, kind: 'rule', matched: 'branch', note: `depends on: ${clauseText(ev.conds)}` });
      const sides = conditionSides(p, ev.conds, (m, c) => `${m ? 'matches' : 'does not match'}: ${clauseText(c)}`);
      return forkEach(ctx, fork(env, p, sides, false), (q) => walkFrom(ctx, table, chain, i, q, depth, stack), base);
    }
    if (ev.p !== undefined && ev.p < 1) {
      const pr = ev.p;
      step(env, p, { ...base, kind: 'rule', matched: 'branch', note: `random: taken with p=${fmtP(pr)}` });
      const sides = [
        { conds: [], p: pr, label: `taken (p=${fmtP(pr)})` },
        { conds: [], p: 1 - pr, label: `not taken (p=${fmtP(1 - pr)})` },
      ];
      const open = fork(env, p, sides, true);
      return forkEach(ctx, open, (q, idx) => {
        const r = idx === 0 ? target(ctx, table, chain, i, q, depth, stack, ev.notes) : CONTINUE;
        return r === CONTINUE ? walkFrom(ctx, table, chain, i + 1, q, depth, stack) : r;
      }, base);
    }
    const r = target(ctx, table, chain, i, p, depth, stack, ev.notes);
    if (r !== CONTINUE) return r;
  }
  if (chain.policy !== null) {
    const policy = chain.policy === 'DROP' ? 'drop' : 'accept';
    step(env, p, { kind: 'policy', table, chain: chain.name, line: chain.line, raw: '', matched: true, note: `end of built-in chain: policy ${chain.policy}`, depth });
    return [{ state: p, status: policy, ...(policy === 'drop' ? { hit: { plane: env.plane, file: env.file, table, chain: chain.name, line: chain.line, raw: `:${chain.name} ${chain.policy}` } } : {}) }];
  }
  return [{ state: p, status: 'return' }];
}

/** Facts already assumed on this path decide the rule's conditions. */
function settle(ev: RuleEval, p: PathState): RuleEval {
  if (ev.kind !== 'yes' || ev.conds.length === 0) return ev;
  const left = [];
  for (const c of ev.conds) {
    const k = knownAtom(p.conds, c.atom);
    if (k === undefined) left.push(c);
    else if (k !== c.holds) return { kind: 'no', why: `${clauseText([c])} does not hold on this branch` };
  }
  return { ...ev, conds: left };
}

function forkEach(
  ctx: Ctx,
  open: { state: PathState; label: string; index: number }[],
  body: (q: PathState, index: number) => Leaf[],
  base: { table: string; chain: string; line: number; raw: string; depth: number },
): Leaf[] {
  const out: Leaf[] = [];
  for (const o of open) {
    step(ctx.env, o.state, { ...base, kind: 'branch', matched: 'branch', note: o.label });
    out.push(...body(o.state, o.index));
  }
  return out;
}

function fmtP(p: number): string {
  return Number(p.toFixed(4)).toString();
}

/** Applies rule i's target to p (the rule matched). CONTINUE when the walk goes on in this chain. */
function target(ctx: Ctx, table: string, chain: IptChain, i: number, p: PathState, depth: number, stack: string[], notes: string[]): Leaf[] | typeof CONTINUE {
  const { env } = ctx;
  const rule = chain.rules[i];
  const base = { table, chain: chain.name, line: rule.line, raw: rule.raw, depth, kind: 'rule' as const, matched: true };
  const extra = notes.length > 0 ? ` (${notes.join('; ')})` : '';
  const t = rule.target;
  const hit = hitOf(ctx, table, rule);
  const cont = (note: string): typeof CONTINUE => {
    step(env, p, { ...base, note: note + extra });
    return CONTINUE;
  };
  const policy = (q: PathState): Leaf => ({ state: q, status: chain.policy === 'DROP' ? 'drop' : 'accept' });
  if (t === undefined) return cont('matches, no target: next rule');
  switch (t) {
    case 'ACCEPT':
      step(env, p, { ...base, note: `ACCEPT: leaves the ${table} table${extra}` });
      return [{ state: p, status: 'accept', hit }];
    case 'DROP':
      step(env, p, { ...base, note: `DROP${extra}` });
      return [{ state: p, status: 'drop', hit }];
    case 'REJECT': {
      const w = targetOption(rule, '--reject-with')?.values[0];
      step(env, p, { ...base, note: `REJECT${w ? ` with ${w}` : ''}${extra}` });
      return [{ state: p, status: 'reject', hit, ...(w ? { note: `rejected with ${w}` } : {}) }];
    }
    case 'RETURN':
      step(env, p, { ...base, note: `RETURN${extra}` });
      return [chain.policy !== null ? policy(p) : { state: p, status: 'return' }];
    case 'DNAT':
    case 'REDIRECT':
      return dnat(ctx, rule, p, base, hit, extra);
    case 'MASQUERADE':
    case 'SNAT': {
      p.masquerade = hit;
      const to = targetOption(rule, '--to-source')?.values[0];
      step(env, p, { ...base, note: `${t}${to ? ` to ${to}` : ''}: source address rewritten${extra}` });
      return [{ state: p, status: 'accept', hit }];
    }
    case 'MARK': {
      const before = p.mark;
      p.mark = markTarget(rule, p.mark);
      return cont(`MARK: 0x${before.toString(16)} -> 0x${p.mark.toString(16)}`);
    }
    case 'NFQUEUE':
    case 'QUEUE':
      step(env, p, { ...base, note: `${t}: a userspace program decides${extra}` });
      return [{ state: p, status: 'incomplete', hit, note: `handed to userspace (${t})` }];
  }
  if (NON_TERMINATING.has(t)) return cont(`${t}: no effect on the path`);
  const sub = ctx.dump.tables.get(table)?.chains.get(t);
  if (!sub) return cont(`target ${t} is not a chain of the ${table} table and not understood: assumed to continue`);
  if (stack.includes(t) || depth + 1 > env.limits.maxDepth) {
    step(env, p, { ...base, note: `${rule.goto ? 'goto' : 'jump'} ${t}: stopped (${stack.includes(t) ? 'loop' : 'too deep'})` });
    env.truncated = true;
    return [{ state: p, status: 'incomplete', hit, note: stack.includes(t) ? `loop through ${t}` : 'chains nested too deep' }];
  }
  step(env, p, { ...base, note: `${rule.goto ? 'goto' : 'jump'} ${t}${extra}` });
  const leaves = walkFrom(ctx, table, sub, 0, p, depth + 1, [...stack, t]);
  const out: Leaf[] = [];
  for (const leaf of leaves) {
    if (leaf.status !== 'return') out.push(leaf);
    else if (rule.goto) out.push(chain.policy !== null ? policy(leaf.state) : leaf);
    else out.push(...walkFrom(ctx, table, chain, i + 1, leaf.state, depth, stack));
  }
  return out;
}

function dnat(ctx: Ctx, rule: IptRule, p: PathState, base: Omit<Parameters<typeof step>[2], 'note'>, hit: TraceHit, extra: string): Leaf[] {
  const { env } = ctx;
  let ip: string | undefined;
  let port: number | undefined;
  if (rule.target === 'REDIRECT') {
    const ports = targetOption(rule, '--to-ports')?.values[0];
    ip = env.query.fromLocalProcess ? (env.family === 4 ? '127.0.0.1' : '::1') : p.dstText;
    port = ports !== undefined ? Number(ports.split('-')[0]) : p.dport;
  } else {
    const d = dnatDestination(rule);
    if (d) [ip, port] = [d.ip, d.port];
    else {
      const v = targetOption(rule, '--to-destination')?.values[0] ?? '';
      const addr = v.startsWith('[') ? v.slice(1, v.indexOf(']')) : v.split(':')[0].split('-')[0];
      if (addr !== '') ip = addr;
      port = p.dport;
    }
  }
  const parsed = ip !== undefined ? parseIp(ip) : null;
  if (!parsed || port === undefined || !Number.isFinite(port)) {
    step(env, p, { ...base, note: `${rule.target}: destination not understood${extra}` });
    return [{ state: p, status: 'incomplete', hit, note: 'DNAT destination not understood' }];
  }
  const text = formatIp(parsed);
  p.dst = parsed;
  p.dstText = text;
  p.dport = port;
  p.dnat = { ...hit, ip: text, port };
  step(env, p, { ...base, note: `${rule.target} to ${hostPort(text, port)}${extra}` });
  return [{ state: p, status: 'accept', hit }];
}
