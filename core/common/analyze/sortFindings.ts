import type { Finding, Severity } from '../model';
import { SEVERITIES, SEVERITY_RANK } from '../model';
import { MAX_EVIDENCE } from '../checks/makeFinding';

// Findings are deterministic: duplicates (the same fact reported by several nodes or families)
// merge into one with the union of their evidence, then a total order sorts them.

function identity(f: Finding): string {
  return [f.check, f.severity, f.node ?? '', f.service ?? '', f.port ?? '', f.protocol ?? '', f.endpoint ?? '', f.title].join('\u0000');
}

function evidenceKey(e: Finding['evidence'][number]): string {
  return `${e.node ?? ''}\u0000${e.file}\u0000${e.line}\u0000${e.line === 0 ? e.raw : ''}`;
}

export function mergeFindings(findings: Finding[]): Finding[] {
  const byId = new Map<string, Finding>();
  for (const f of findings) {
    const k = identity(f);
    const prev = byId.get(k);
    if (!prev) {
      byId.set(k, { ...f, evidence: [...f.evidence] });
      continue;
    }
    if (prev.evidence.length >= MAX_EVIDENCE) continue;
    const seen = new Set(prev.evidence.map(evidenceKey));
    for (const e of f.evidence) {
      if (prev.evidence.length >= MAX_EVIDENCE) break;
      const ek = evidenceKey(e);
      if (!seen.has(ek)) {
        seen.add(ek);
        prev.evidence.push(e);
      }
    }
  }
  return [...byId.values()];
}

function cmp(a: string | null, b: string | null): number {
  // Cluster-wide (null) first within a severity.
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}

/** Severity (worst first), then node, service, port, protocol, endpoint, check, title. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
    cmp(a.node, b.node) ||
    cmp(a.service, b.service) ||
    cmp(a.port, b.port) ||
    cmp(a.protocol, b.protocol) ||
    cmp(a.endpoint, b.endpoint) ||
    cmp(a.check, b.check) ||
    cmp(a.title, b.title)
  );
}

export function sortFindings(findings: Finding[]): Finding[] {
  return mergeFindings(findings).sort(compareFindings);
}

export function countBySeverity(findings: Finding[]): Record<Severity, number> {
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) counts[f.severity]++;
  return counts;
}
