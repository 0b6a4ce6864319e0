import { visibleText as v } from '../report/visibleText';
import { hostPort } from '../ip/ipMath';
import type { PlaneTrace, TraceOutcome, TraceResult, TraceStep } from './traceTypes';

// Terminal rendering of a TraceResult: per data plane, every rule met (line number, raw text, a
// mark for matched / not matched / branch), then the end states with their probability and
// conditions. Text from the dumps is untrusted and goes through visibleText.

const MARK = { yes: '+', no: '-', branch: '?' };

export function renderTraceText(r: TraceResult): string {
  const q = r.query;
  const out: string[] = [];
  const from = q.src !== undefined ? `from ${v(q.src)}` : q.fromLocalProcess ? 'from a process on the node' : 'from any source';
  out.push(`Trace of ${v(String(q.protocol))} to ${hostPort(v(String(q.dst)), q.port)} ${from}, node ${v(r.node)}${r.family ? ` (IPv${r.family})` : ''}`);
  if (r.error !== undefined) {
    out.push(`error: ${v(r.error)}`);
    return out.join('\n') + '\n';
  }
  for (const n of r.notes) out.push(`note: ${v(n)}`);
  for (const plane of r.planes) out.push('', ...renderPlane(plane));
  return out.join('\n') + '\n';
}

function renderPlane(p: PlaneTrace): string[] {
  const out: string[] = [`== ${p.plane} (${v(p.file)})${p.truncated ? ' [cut short]' : ''}`];
  for (const n of p.notes) out.push(`  note: ${v(n)}`);
  out.push('  Rules met');
  let last = '';
  for (const s of p.steps) {
    const indent = '    ' + '  '.repeat(s.depth);
    if (s.kind === 'branch') {
      out.push(`  -- branch ${s.branch}: ${v(s.note)}${s.line > 0 ? ` [${v(s.chain)} line ${s.line}]` : ''}`);
      last = '';
      continue;
    }
    const where = `${s.table} ${s.chain}`.trim();
    if (where !== last && s.table !== 'routing' && s.kind !== 'end') {
      out.push(`${indent}${v(where)}`);
      last = where;
    }
    out.push(...renderStep(s, indent + '  '));
  }
  out.push('  Outcomes');
  if (p.outcomes.length === 0) out.push('    none');
  for (const o of p.outcomes) out.push(...renderOutcome(o));
  return out;
}

function renderStep(s: TraceStep, indent: string): string[] {
  const mark = s.matched === true ? MARK.yes : s.matched === false ? MARK.no : MARK.branch;
  if (s.kind === 'skipped') return [`${indent}${MARK.no} ...     ${v(s.note)}`];
  if (s.kind === 'info') return [`${indent}${mark} ${v(s.note)}`];
  if (s.kind === 'end') return [`    ${v(s.note)}`];
  if (s.kind === 'policy') return [`${indent}${mark} ${v(s.note)}`];
  const line = s.line > 0 ? `L${s.line}`.padEnd(7) : ''.padEnd(7);
  const out = [`${indent}${mark} ${line} ${v(s.raw.trimEnd())}`];
  if (s.note !== '') out.push(`${indent}          ${s.matched === false ? 'no: ' : ''}${v(s.note)}`);
  return out;
}

function pct(p: number): string {
  const x = p * 100;
  return `${x >= 99.995 ? '100' : x.toFixed(x < 1 && x > 0 ? 2 : 1)}%`.padStart(6);
}

function renderOutcome(o: TraceOutcome): string[] {
  let what: string;
  switch (o.kind) {
    case 'dnat':
      what = `DNAT -> ${hostPort(v(o.ip ?? '?'), o.port)}${o.weight !== undefined ? ` (weight ${o.weight})` : ''}${o.draining ? ' draining' : ''}${o.localBackend ? ' (on this node)' : ''}`;
      break;
    case 'accept-no-dnat':
      what = 'accepted without DNAT';
      break;
    case 'reject':
      what = 'REJECT';
      break;
    case 'drop':
      what = 'DROP';
      break;
    default:
      what = 'incomplete';
  }
  const masq = o.kind === 'dnat' || o.kind === 'accept-no-dnat' ? (o.masquerade === true ? ', masqueraded' : o.masquerade === 'conditional' ? `, masqueraded if ${(o.masqueradeWhen ?? []).map((w) => v(w)).join('; or ')}` : '') : '';
  const out = [`    ${pct(o.probability)}  ${what}${masq}`];
  if (o.when.length > 0) out.push(`            when ${o.when.map((w) => v(w)).join('; or when ')}`);
  if (o.note) out.push(`            ${v(o.note)}`);
  if (o.decidedBy) out.push(`            at ${v(o.decidedBy.file)}:${o.decidedBy.line} ${v(o.decidedBy.chain)}`);
  return out;
}
