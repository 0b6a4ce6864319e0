import type { AnalysisResult, Finding, Severity } from '../model';
import { SEVERITIES } from '../model';
import { clusterSummary, evidenceLocation, findingFacts, groupBySeverity, totalFindings } from './reportFormat';
import { visibleText } from './visibleText';

// The terminal summary (`proxyscope analyze` default). Untrusted text goes through visibleText,
// so a hostile name cannot move the cursor, recolour the terminal or reorder what is shown.

export interface TextOptions {
  /** ANSI colours (the CLI enables them on a TTY without NO_COLOR). */
  color?: boolean;
  /** Wrap width for messages. */
  width?: number;
  /** Info findings shown before "N more" (they can be numerous); default 10. */
  maxInfo?: number;
  /** Evidence lines shown per finding; default 3. */
  maxEvidence?: number;
}

const SEVERITY_STYLE: Record<Severity, string> = { critical: '1;31', high: '31', medium: '33', low: '36', info: '2' };

export function renderText(result: AnalysisResult, opts: TextOptions = {}): string {
  const color = opts.color ?? false;
  const width = Math.max(60, opts.width ?? 100);
  const paint = (code: string, s: string): string => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const v = (s: string): string => visibleText(s);
  const out: string[] = [];

  out.push(paint('1', `Proxyscope ${v(result.tool.version)}`) + ` · snapshot ${v(result.snapshot.source)} · ${v(result.generatedAt)}`);
  out.push(`${result.snapshot.nodes.length} node(s) · ${clusterSummary(result)}`);
  out.push('');

  const header = ['NODE', 'STATUS', 'MODE', 'RULES', 'SVC PORTS', 'BACKENDS', 'MALFORMED'];
  const rows = result.nodes.map((n) => [
    v(n.node),
    n.status,
    n.mode + (n.iptablesBackend !== undefined ? ` (${v(n.iptablesBackend)})` : ''),
    String(n.ruleCount),
    String(n.servicePorts),
    String(n.backends),
    String(n.malformedLines),
  ]);
  out.push(...table(header, rows, [false, false, false, true, true, true, true]).map((l, i) => (i === 0 ? paint('1', l) : l)));
  for (const n of result.nodes) if (n.error !== undefined) out.push(paint('31', `  ${v(n.node)}: ${v(n.error)}`));
  out.push('');

  const total = totalFindings(result.counts);
  const counts = SEVERITIES.map((s) => paint(result.counts[s] > 0 ? SEVERITY_STYLE[s] : '2', `${result.counts[s]} ${s}`)).join(', ');
  out.push(`${paint('1', 'Findings')}: ${total === 0 ? 'none' : counts}`);

  const maxInfo = opts.maxInfo ?? 10;
  const maxEvidence = opts.maxEvidence ?? 3;
  for (const g of groupBySeverity(result.findings)) {
    const shown = g.severity === 'info' ? g.findings.slice(0, maxInfo) : g.findings;
    for (const f of shown) {
      out.push('');
      out.push(...renderFinding(f, { paint, width, maxEvidence }));
    }
    if (shown.length < g.findings.length) {
      out.push('', paint('2', `… ${g.findings.length - shown.length} more ${g.severity} finding(s); use --format markdown, html or json for all.`));
    }
  }

  if (result.limitations.length > 0) {
    out.push('', paint('1', 'Limitations'));
    for (const l of result.limitations) out.push(...wrap(v(l), width, '  - ', '    '));
  }
  return out.join('\n') + '\n';
}

interface FindingStyle {
  paint: (code: string, s: string) => string;
  width: number;
  maxEvidence: number;
}

const INDENT = '          ';

function renderFinding(f: Finding, st: FindingStyle): string[] {
  const out: string[] = [];
  const label = f.severity.toUpperCase().padEnd(INDENT.length);
  out.push(st.paint(SEVERITY_STYLE[f.severity], label) + st.paint('1', visibleText(f.title)));
  const facts = findingFacts(f).map(([k, val]) => (k === 'Check' ? val : `${k.toLowerCase()} ${visibleText(val)}`));
  out.push(st.paint('2', INDENT + facts.join(' · ')));
  for (const para of visibleText(f.message, true).split('\n')) out.push(...wrap(para, st.width, INDENT, INDENT));
  f.evidence.slice(0, st.maxEvidence).forEach((ev, i) => {
    out.push(st.paint('2', `${i === 0 ? 'evidence  ' : INDENT}${visibleText(evidenceLocation(ev))}`));
    out.push(`${INDENT}  ${visibleText(ev.raw)}`);
  });
  if (f.evidence.length > st.maxEvidence) out.push(st.paint('2', `${INDENT}(+${f.evidence.length - st.maxEvidence} more evidence lines)`));
  // Next steps are often commands: never wrapped, so they can be copied as they are.
  f.nextSteps.forEach((step, i) => out.push(`${i === 0 ? 'next      ' : INDENT}${visibleText(step)}`));
  return out;
}

/** Word wrap; words longer than the line are kept whole (rules and names must stay copyable). */
export function wrap(text: string, width: number, first: string, rest: string): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of text.split(/ +/)) {
    if (word === '') continue;
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = rest + word;
    } else {
      line += (empty ? '' : ' ') + word;
    }
    empty = false;
  }
  lines.push(line);
  return lines;
}

/** Left/right aligned columns separated by two spaces. */
export function table(header: string[], rows: string[][], right: boolean[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (cells: string[]): string =>
    cells
      .map((c, i) => (right[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [fmt(header), ...rows.map(fmt)];
}
