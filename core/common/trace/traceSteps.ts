import type { TraceEnv, PathState } from './tracePath';
import type { TraceStep } from './traceTypes';

// Recording the steps of a trace: long runs of non-matching rules are folded (first two, a
// count, the last one) unless allRules; the list is regrouped path by path at the end.


export function step(env: TraceEnv, p: PathState, s: Omit<TraceStep, 'plane' | 'file' | 'branch'>): void {
  if (s.matched === false && s.kind === 'rule' && !env.allRules) {
    const run = env.run;
    const prev = run?.last ?? run?.head[run.head.length - 1];
    if (run && prev && prev.chain === s.chain && prev.table === s.table && prev.depth === s.depth && prev.branch === p.branch) {
      const full = { ...s, plane: env.plane, file: env.file, branch: p.branch };
      if (run.head.length < 2) run.head.push(full);
      else {
        if (run.last) {
          if (run.count === 0) run.from = run.last.line;
          run.count++;
          run.to = run.last.line;
        }
        run.last = full;
      }
      return;
    }
    flushRun(env);
    env.run = { head: [{ ...s, plane: env.plane, file: env.file, branch: p.branch }], count: 0, from: 0, to: 0 };
    return;
  }
  flushRun(env);
  const parent = s.kind === 'branch' ? env.parentOf.get(p.branch) : undefined;
  push(env, { ...s, plane: env.plane, file: env.file, branch: p.branch, ...(parent !== undefined ? { parent } : {}) });
}

/**
 * Steps in path order. The walk records them depth first per table, so a fork's sides are
 * interleaved with later hooks of earlier sides; regrouped here by branch: a branch's own steps,
 * then each child branch (in creation order). No step is added to a branch after it forks.
 */
export function orderSteps(steps: TraceStep[]): TraceStep[] {
  const own = new Map<number, TraceStep[]>();
  const children = new Map<number, number[]>();
  for (const s of steps) {
    const list = own.get(s.branch);
    if (list) list.push(s);
    else own.set(s.branch, [s]);
    if (s.kind === 'branch' && s.parent !== undefined && list === undefined) {
      const c = children.get(s.parent);
      if (c) c.push(s.branch);
      else children.set(s.parent, [s.branch]);
    }
  }
  const out: TraceStep[] = [];
  const seen = new Set<number>();
  const emit = (b: number): void => {
    // Iterative over the branch tree's depth (a 100-endpoint statistic chain nests 100 deep).
    const stack = [b];
    while (stack.length > 0) {
      const id = stack.pop() as number;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(...(own.get(id) ?? []));
      const kids = children.get(id) ?? [];
      for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
    }
  };
  emit(0);
  // Branches whose header step was cut by the step limit: keep their steps at the end.
  for (const id of own.keys()) if (!seen.has(id)) emit(id);
  return out;
}

/** Writes out the pending run of non-matching rules: the first two, a count, the last one. */
export function flushRun(env: TraceEnv): void {
  const run = env.run;
  if (!run) return;
  env.run = null;
  for (const s of run.head) push(env, s);
  if (run.count > 0 && run.last) {
    const lines = run.count === 1 ? `line ${run.from}` : `lines ${run.from}-${run.to}`;
    push(env, { ...run.last, kind: 'skipped', raw: '', line: run.from, note: `${run.count} more rule${run.count === 1 ? '' : 's'} did not match (${lines})` });
  }
  if (run.last) push(env, run.last);
}

function push(env: TraceEnv, s: TraceStep): void {
  if (env.steps.length >= env.limits.maxSteps) {
    if (!env.truncated) env.notes.push(`step list cut at ${env.limits.maxSteps} steps`);
    env.truncated = true;
    return;
  }
  env.steps.push(s);
}
