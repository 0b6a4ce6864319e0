import type { Cidr } from '../ip/ipMath';
import { cidrContainsIp, parseIp } from '../ip/ipMath';
import type { Cond } from './traceConditions';
import { clauseKey, clauseText, condKey, knownSrcIn, simplifyClause } from './traceConditions';
import type { LeafOutcome, TreeNode } from './tracePath';
import type { TraceOutcome } from './traceTypes';

// Reads the fork tree back into end states. For each end state (kind + DNAT target) it computes
// under which facts, and with which probability, the packet gets there: random forks add up
// their sides' probabilities, condition forks whose sides all lead to the same result disappear
// (the fact did not matter), the others contribute their fact to the conditions. Masquerading is
// then computed the same way and attached to each end state as yes / no / conditional.

interface Entry {
  conds: Cond[];
  p: number;
}

const EPS = 1e-9;

function sameEntries(a: Entry[], b: Entry[]): boolean {
  if (a.length !== b.length) return false;
  const key = (e: Entry) => `${clauseKey(e.conds)}@${e.p.toFixed(9)}`;
  const ka = a.map(key).sort();
  const kb = b.map(key).sort();
  return ka.every((k, i) => k === kb[i]);
}

function addEntry(out: Entry[], e: Entry): void {
  const k = clauseKey(e.conds);
  const same = out.find((x) => clauseKey(x.conds) === k);
  if (same) same.p += e.p;
  else out.push(e);
}

/** Under which facts (and how likely) a leaf satisfying `pred` is reached from `node`. */
function collect(node: TreeNode | null, pred: (o: LeafOutcome) => boolean, memo: Map<TreeNode, Entry[]>): Entry[] {
  if (node === null) return [];
  const cached = memo.get(node);
  if (cached) return cached;
  let result: Entry[];
  if (node.kind === 'leaf') result = pred(node.outcome) ? [{ conds: [], p: 1 }] : [];
  else {
    const sides = node.sides.filter((s) => s.possible);
    const subs = sides.map((s) => collect(s.child, pred, memo));
    result = [];
    if (node.random) {
      sides.forEach((s, i) => {
        for (const e of subs[i]) addEntry(result, { conds: e.conds, p: e.p * s.p });
      });
    } else if (subs.length > 0 && subs.every((r) => sameEntries(r, subs[0]))) {
      result = subs[0].map((e) => ({ conds: e.conds, p: e.p }));
    } else {
      sides.forEach((s, i) => {
        for (const e of subs[i]) addEntry(result, { conds: simplifyClause([...s.conds, ...e.conds]), p: e.p });
      });
    }
  }
  memo.set(node, result);
  return result;
}

function leaves(node: TreeNode | null, out: LeafOutcome[]): LeafOutcome[] {
  if (node === null) return out;
  if (node.kind === 'leaf') out.push(node.outcome);
  else for (const s of node.sides) if (s.possible) leaves(s.child, out);
  return out;
}

function outcomeKey(o: LeafOutcome): string {
  return `${o.kind}|${o.ip ?? ''}|${o.port ?? ''}`;
}

/** True when the facts `sup` imply every fact of `sub` (source facts by CIDR containment). */
function covers(sup: readonly Cond[], sub: readonly Cond[]): boolean {
  const keys = new Set(sup.map(condKey));
  return sub.every((c) => keys.has(condKey(c)) || (c.src !== undefined && knownSrcIn(sup, c.src) === c.holds));
}

export function collectOutcomes(root: TreeNode | null, podCIDRs: readonly Cidr[]): TraceOutcome[] {
  const all = leaves(root, []);
  const firstByKey = new Map<string, LeafOutcome>();
  for (const o of all) if (!firstByKey.has(outcomeKey(o))) firstByKey.set(outcomeKey(o), o);
  const rows: TraceOutcome[] = [];
  for (const [key, first] of firstByKey) {
    const entries = collect(root, (o) => outcomeKey(o) === key, new Map());
    const masq = collect(root, (o) => outcomeKey(o) === key && o.masquerade, new Map());
    for (const e of entries) {
      const matching = masq.filter((m) => Math.abs(m.p - e.p) < EPS && covers(m.conds, e.conds));
      let masquerade: TraceOutcome['masquerade'] = false;
      let masqueradeWhen: string[] | undefined;
      if (matching.some((m) => clauseKey(m.conds) === clauseKey(e.conds))) masquerade = true;
      else if (matching.length > 0) {
        masquerade = 'conditional';
        masqueradeWhen = matching.map((m) => clauseText(m.conds.filter((c) => !covers(e.conds, [c]))));
      } else if (masq.length > 0 && e.conds.length > 0) {
        // The masquerading paths carry facts that do not line up with this row: say so rather than guess.
        masquerade = 'conditional';
        masqueradeWhen = masq.map((m) => clauseText(m.conds));
      }
      const row: TraceOutcome = {
        kind: first.kind,
        probability: e.p,
        when: e.conds.length === 0 ? [] : [clauseText(e.conds)],
        masquerade,
        ...(masqueradeWhen ? { masqueradeWhen: dedupe(masqueradeWhen) } : {}),
      };
      if (first.ip !== undefined) row.ip = first.ip;
      if (first.port !== undefined) row.port = first.port;
      if (first.weight !== undefined) row.weight = first.weight;
      if (first.decidedBy) row.decidedBy = first.decidedBy;
      if (first.note) row.note = first.note;
      if (first.ip !== undefined && podCIDRs.length > 0) {
        const ip = parseIp(first.ip);
        if (ip) row.localBackend = podCIDRs.some((c) => cidrContainsIp(c, ip));
      }
      mergeRow(rows, row);
    }
  }
  return rows.sort(
    (a, b) =>
      (Math.abs(b.probability - a.probability) > EPS ? b.probability - a.probability : 0) ||
      KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
      (a.ip ?? '').localeCompare(b.ip ?? '', 'en', { numeric: true }) ||
      (a.port ?? 0) - (b.port ?? 0),
  );
}

const KIND_ORDER = ['dnat', 'accept-no-dnat', 'reject', 'drop', 'incomplete'];

function dedupe(xs: string[]): string[] {
  return [...new Set(xs)];
}

/** Rows with the same end state, probability and masquerading become one row with alternative conditions. */
function mergeRow(rows: TraceOutcome[], row: TraceOutcome): void {
  const same = rows.find(
    (r) =>
      r.kind === row.kind &&
      r.ip === row.ip &&
      r.port === row.port &&
      Math.abs(r.probability - row.probability) < EPS &&
      r.masquerade === row.masquerade &&
      JSON.stringify(r.masqueradeWhen ?? []) === JSON.stringify(row.masqueradeWhen ?? []),
  );
  if (!same) {
    rows.push(row);
    return;
  }
  if (same.when.length === 0 || row.when.length === 0) same.when = [];
  else same.when = dedupe([...same.when, ...row.when]);
}
