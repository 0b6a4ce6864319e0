import type { AnalysisResult, Finding } from '../model';
import { SEVERITIES } from '../model';
import { mdCode, mdCodeBlock, mdParagraph, mdRow, mdText } from './markdownEscape';
import { clusterSummary, evidenceLocation, findingFacts, groupBySeverity, SEVERITY_LABEL, totalFindings } from './reportFormat';

// A Markdown report for tickets and pull requests: summary by severity, nodes, then every
// finding with its evidence lines quoted from the dumps.

export function renderMarkdown(result: AnalysisResult): string {
  const out: string[] = [];
  out.push(`# Proxyscope report: ${mdText(result.snapshot.source)}`, '');
  out.push(`- Snapshot: ${mdCode(result.snapshot.source)}`);
  out.push(`- Generated: ${mdText(result.generatedAt)} by ${mdText(result.tool.name)} ${mdText(result.tool.version)}`);
  out.push(`- Nodes: ${result.snapshot.nodes.length}`);
  out.push(`- Cluster objects: ${mdText(clusterSummary(result))}`);
  out.push('');

  out.push('## Summary', '');
  out.push(mdRow(['Severity', 'Findings']), mdRow(['---', '---:']));
  for (const s of SEVERITIES) out.push(mdRow([SEVERITY_LABEL[s], String(result.counts[s])]));
  out.push(mdRow(['**Total**', `**${totalFindings(result.counts)}**`]), '');

  if (result.limitations.length > 0) {
    out.push('## Limitations', '');
    for (const l of result.limitations) out.push(`- ${mdText(l)}`);
    out.push('');
  }

  out.push('## Nodes', '');
  out.push(mdRow(['Node', 'Status', 'Mode', 'Rules', 'Service ports', 'Backends', 'Malformed lines', 'Files']));
  out.push(mdRow(['---', '---', '---', '---:', '---:', '---:', '---:', '---']));
  for (const n of result.nodes) {
    const status = n.error !== undefined ? `${n.status}: ${n.error}` : n.status;
    const mode = n.iptablesBackend !== undefined ? `${n.mode} (${n.iptablesBackend})` : n.mode;
    out.push(
      mdRow([
        mdCode(n.node, true),
        mdText(status),
        mdText(mode),
        String(n.ruleCount),
        String(n.servicePorts),
        String(n.backends),
        String(n.malformedLines),
        n.files.map((f) => mdCode(f, true)).join(', ') || '(none)',
      ]),
    );
  }
  out.push('');

  out.push('## Findings', '');
  const groups = groupBySeverity(result.findings);
  if (groups.length === 0) out.push('No findings.', '');
  let number = 0;
  for (const g of groups) {
    out.push(`### ${SEVERITY_LABEL[g.severity]} (${g.findings.length})`, '');
    for (const f of g.findings) out.push(...renderFinding(f, ++number));
  }
  return out.join('\n').replace(/\n+$/, '\n');
}

function renderFinding(f: Finding, number: number): string[] {
  const out: string[] = [];
  out.push(`#### ${number}. ${mdText(f.title)}`, '');
  out.push(findingFacts(f).map(([label, value]) => `${label}: ${mdCode(value)}`).join(' · '), '');
  out.push(mdParagraph(f.message), '');
  if (f.nextSteps.length > 0) {
    out.push('Next steps:', '');
    for (const step of f.nextSteps) out.push(`- ${mdText(step)}`);
    out.push('');
  }
  if (f.evidence.length > 0) {
    out.push('Evidence:', '');
    const lines: string[] = [];
    for (const e of f.evidence) lines.push(`# ${evidenceLocation(e)}`, e.raw);
    out.push(mdCodeBlock(lines), '');
  }
  return out;
}
