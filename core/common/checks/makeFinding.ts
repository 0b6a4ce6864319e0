import type { CheckId, Evidence, Finding, L4Protocol, Severity } from '../model';

// One constructor for findings so every check fills every field (null, not undefined) and
// keeps evidence short: a finding quotes the lines that prove it, not the whole dump.

export interface FindingInput {
  check: CheckId;
  severity: Severity;
  node: string | null;
  service?: string | null;
  port?: string | null;
  protocol?: L4Protocol | null;
  endpoint?: string | null;
  pod?: string | null;
  title: string;
  message: string;
  nextSteps: string[];
  evidence: Evidence[];
}

/** Evidence lines kept per finding; the rest is summarised in the message by the check. */
export const MAX_EVIDENCE = 12;

export function makeFinding(f: FindingInput): Finding {
  return {
    check: f.check,
    severity: f.severity,
    node: f.node,
    service: f.service ?? null,
    port: f.port ?? null,
    protocol: f.protocol ?? null,
    endpoint: f.endpoint ?? null,
    pod: f.pod ?? null,
    title: f.title,
    message: f.message,
    nextSteps: f.nextSteps,
    evidence: dedupeEvidence(f.evidence).slice(0, MAX_EVIDENCE),
  };
}

/** Evidence that is an API object rather than a dump line (Evidence.line 0 by convention). */
export function apiEvidence(raw: string): Evidence {
  return { node: null, file: 'cluster.json', line: 0, raw };
}

function dedupeEvidence(list: Evidence[]): Evidence[] {
  const seen = new Set<string>();
  const out: Evidence[] = [];
  for (const e of list) {
    const k = `${e.node ?? ''}\u0000${e.file}\u0000${e.line}\u0000${e.line === 0 ? e.raw : ''}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(e);
  }
  return out;
}

/** "a, b, c and 4 more" for messages. */
export function listSome(items: string[], max = 5): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
