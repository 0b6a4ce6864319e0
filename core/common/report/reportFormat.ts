import type { AnalysisResult, Evidence, Finding, Severity } from '../model';
import { SEVERITIES } from '../model';

// Small pieces of wording every report format shares, so JSON, Markdown, HTML and the terminal
// summary say the same thing the same way.

export const SEVERITY_LABEL: Record<Severity, string> = {
  critical: 'Critical',
  high: 'High',
  medium: 'Medium',
  low: 'Low',
  info: 'Info',
};

export interface SeverityGroup {
  severity: Severity;
  findings: Finding[];
}

/** Findings by severity, most severe first; empty groups left out; order within a group kept. */
export function groupBySeverity(findings: readonly Finding[]): SeverityGroup[] {
  const groups = new Map<Severity, Finding[]>(SEVERITIES.map((s) => [s, []]));
  for (const f of findings) groups.get(f.severity)?.push(f);
  return SEVERITIES.filter((s) => (groups.get(s)?.length ?? 0) > 0).map((s) => ({ severity: s, findings: groups.get(s) ?? [] }));
}

/** `ns/name:port/tcp`, `ns/name`, or null when the finding is not about one Service. */
export function serviceLabel(f: Finding): string | null {
  if (f.service === null) return null;
  let s = f.service;
  if (f.port !== null && f.port !== '') s += `:${f.port}`;
  if (f.protocol !== null) s += `/${f.protocol}`;
  return s;
}

/** `nodes/n1/iptables-save.txt:42`, or just the file for API evidence (line 0). */
export function evidenceLocation(e: Evidence): string {
  return e.line > 0 ? `${e.file}:${e.line}` : e.file;
}

export function clusterSummary(result: AnalysisResult): string {
  const c = result.snapshot.cluster;
  if (c === null) return 'no cluster.json (API objects not available)';
  return `${c.services} Services, ${c.endpointSlices} EndpointSlices, ${c.pods} Pods, ${c.nodes} Nodes`;
}

export function countsSummary(counts: Record<Severity, number>): string {
  return SEVERITIES.map((s) => `${counts[s]} ${s}`).join(', ');
}

export function totalFindings(counts: Record<Severity, number>): number {
  return SEVERITIES.reduce((sum, s) => sum + counts[s], 0);
}

/** Labelled facts identifying what a finding is about, in display order, absent ones left out. */
export function findingFacts(f: Finding): [string, string][] {
  const facts: [string, string][] = [['Check', f.check]];
  if (f.node !== null) facts.push(['Node', f.node]);
  const svc = serviceLabel(f);
  if (svc !== null) facts.push(['Service', svc]);
  if (f.endpoint !== null) facts.push(['Endpoint', f.endpoint]);
  if (f.pod !== null) facts.push(['Pod', f.pod]);
  return facts;
}
