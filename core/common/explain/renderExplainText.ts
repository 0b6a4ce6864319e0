import type { Evidence, ExpectedServicePort, ProgrammedFrontend } from '../model';
import { evidenceLocation, serviceLabel } from '../report/reportFormat';
import { table, wrap } from '../report/renderText';
import { visibleText as v } from '../report/visibleText';
import type { ExplainedServicePort, ExplainPath, ExplainResult } from './explainServicePort';

// Plain-text rendering of an ExplainResult for the terminal. Untrusted text goes through
// visibleText (no escape sequences or bidi controls reach the terminal).

const RULE = '      ';

export function renderExplainText(r: ExplainResult): string {
  const out: string[] = [];
  const target = `${r.query.namespace}/${r.query.name}${r.query.port !== undefined ? `:${r.query.port}` : ''}`;
  out.push(`Service ${v(target)} on node ${v(r.node)}`);
  if (r.servicePorts.length === 0) out.push('', 'No matching Service port in the API objects or in the dumps of this node.');
  for (const sp of r.servicePorts) out.push('', ...renderServicePort(sp));
  out.push('', `Findings (${r.findings.length})`);
  if (r.findings.length === 0) out.push('  none');
  for (const f of r.findings) {
    const about = [f.endpoint, f.pod].filter((x): x is string => x !== null).map((s) => v(s)).join(' ');
    out.push(`  ${f.severity.toUpperCase().padEnd(9)}${f.check}  ${v(f.title)}${about !== '' ? `  [${about}]` : ''}`);
    out.push(...wrap(v(f.message, true).replace(/\n/g, ' '), 100, '           ', '           '));
    const svc = serviceLabel(f);
    if (svc !== null && f.node === null) out.push(`           (cluster-wide, ${v(svc)})`);
  }
  return out.join('\n') + '\n';
}

function renderServicePort(sp: ExplainedServicePort): string[] {
  const out: string[] = [];
  out.push(`== ${v(sp.label)} (IPv${sp.family})`);
  if (sp.expected) out.push(`  ${describeExpected(sp.expected)}`);
  for (const note of sp.notes) out.push(`  note: ${note}`);

  out.push('  Frontends');
  if (sp.frontends.length === 0) out.push('    none');
  for (const fe of sp.frontends) {
    out.push(`    ${frontendLabel(fe)} -> ${v(fe.target)}  (${fe.path} path)`);
    out.push(...evidenceLines([fe.evidence, ...(fe.extraEvidence ?? [])]));
  }
  for (const m of sp.markers) {
    const fe = m.frontend ? ` for ${m.frontend.kind} ${m.frontend.ip ?? '*'}:${m.frontend.port}/${m.frontend.protocol}` : '';
    out.push(`  Marker: ${m.kind.toUpperCase()} (${m.reason})${fe}`);
    out.push(...evidenceLines([m.evidence]));
  }
  for (const path of sp.paths) out.push(...renderPath(path));
  return out;
}

function renderPath(p: ExplainPath): string[] {
  const out: string[] = [];
  const chain = p.programmed ? v(p.programmed.chain) : '(no chain found)';
  const affinity = p.programmed?.affinitySeconds !== undefined ? `, session affinity ${p.programmed.affinitySeconds}s` : '';
  out.push(`  ${p.policy === 'cluster' ? 'Cluster' : 'Local'} path ${chain}${affinity}${p.terminatingFallback ? ' (terminating fallback)' : ''}`);
  p.steps.forEach(({ step, backend }, i) => {
    // As written in the rule (iptables-save prints 11 decimals), not rounded again.
    const prob = step.probability !== undefined ? `p=${step.probability}` : 'always';
    const dest = backend ? ` -> ${backend.ip.includes(':') ? `[${v(backend.ip)}]` : v(backend.ip)}:${backend.port}` : '';
    out.push(`    ${i + 1}. ${prob} -> ${v(step.target)}${dest}`);
    out.push(...evidenceLines([step.evidence, ...(backend?.evidence ?? [])]));
  });
  if (p.steps.length === 0 && p.programmed) {
    for (const b of p.programmed.backends) {
      out.push(`    -> ${v(b.ip)}:${b.port}${b.weight !== undefined ? ` weight ${b.weight}` : ''}`);
      out.push(...evidenceLines(b.evidence));
    }
  }
  if (p.rows.length > 0) {
    out.push(`  Expected vs programmed (${p.policy} path)`);
    const rows = p.rows.map((r) => [
      r.mark,
      v(r.endpoint),
      r.expected ? 'yes' : 'no',
      r.programmed ? 'yes' : 'no',
      r.endpointInfo?.pod !== undefined ? v(r.endpointInfo.pod) : '-',
      r.endpointInfo ? readiness(r.endpointInfo) : '-',
      r.endpointInfo?.nodeName !== undefined ? v(r.endpointInfo.nodeName) : '-',
    ]);
    const lines = table(['MARK', 'ENDPOINT', 'EXPECTED', 'PROGRAMMED', 'POD', 'READY', 'NODE'], rows, [false, false, false, false, false, false, false]);
    out.push(...lines.map((l) => `    ${l}`));
  }
  return out;
}

function readiness(ep: { ready: boolean; serving: boolean; terminating: boolean }): string {
  if (ep.ready) return 'ready';
  if (ep.terminating) return ep.serving ? 'terminating(serving)' : 'terminating';
  return 'not-ready';
}

function frontendLabel(fe: ProgrammedFrontend): string {
  const ip = fe.ip === undefined ? '*' : fe.ip.includes(':') ? `[${v(fe.ip)}]` : v(fe.ip);
  return `${fe.kind} ${ip}:${fe.port}/${fe.protocol}`;
}

function describeExpected(e: ExpectedServicePort): string {
  const parts: string[] = [];
  parts.push(`type ${e.service.spec.type ?? 'ClusterIP'}`);
  if (e.clusterIP !== undefined) parts.push(`clusterIP ${v(e.clusterIP)}`);
  parts.push(`port ${e.servicePort.port}${e.servicePort.targetPort !== undefined ? ` -> targetPort ${v(String(e.servicePort.targetPort))}` : ''}`);
  if (e.nodePort !== undefined) parts.push(`nodePort ${e.nodePort}`);
  if (e.externalIPs.length > 0) parts.push(`externalIPs ${e.externalIPs.map((s) => v(s)).join(',')}`);
  if (e.loadBalancerIPs.length > 0) parts.push(`LB ${e.loadBalancerIPs.map((s) => v(s)).join(',')}`);
  parts.push(`ITP ${e.internalPolicyLocal ? 'Local' : 'Cluster'}`);
  if (e.hasExternal) parts.push(`ETP ${e.externalPolicyLocal ? 'Local' : 'Cluster'}`);
  if (e.affinitySeconds !== undefined) parts.push(`affinity ClientIP ${e.affinitySeconds}s`);
  if (e.topology !== 'none') parts.push(`topology ${e.topology}`);
  parts.push(`${e.allEndpoints.length} endpoint(s) in slices`);
  return parts.join(', ');
}

/** file:line then the raw rule, each line once (a backend's evidence repeats its LB step). */
function evidenceLines(evidence: Evidence[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const e of evidence) {
    const loc = evidenceLocation(e);
    if (seen.has(loc) && e.line > 0) continue;
    seen.add(loc);
    out.push(`${RULE}${v(loc)}`, `${RULE}  ${v(e.raw)}`);
  }
  return out;
}
