import type { AnalysisResult, Finding, NodeSummary } from '../model';

// The machine-readable report: the AnalysisResult itself, keys in a fixed, documented order
// (docs/report-schema.md) so diffs between two runs are readable. schemaVersion is bumped on
// any incompatible change; fields may be added without a bump, so consumers ignore unknown keys.

export const REPORT_SCHEMA_VERSION = 1;

export function renderJson(result: AnalysisResult): string {
  const ordered = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: result.tool.name, version: result.tool.version },
    generatedAt: result.generatedAt,
    snapshot: {
      source: result.snapshot.source,
      nodes: result.snapshot.nodes,
      cluster: result.snapshot.cluster,
    },
    counts: {
      critical: result.counts.critical,
      high: result.counts.high,
      medium: result.counts.medium,
      low: result.counts.low,
      info: result.counts.info,
    },
    limitations: result.limitations,
    nodes: result.nodes.map(orderNode),
    findings: result.findings.map(orderFinding),
  };
  return JSON.stringify(withExtras(ordered, result), null, 2) + '\n';
}

function orderNode(n: NodeSummary): NodeSummary {
  const base: NodeSummary = {
    node: n.node,
    status: n.status,
    mode: n.mode,
    files: n.files,
    ruleCount: n.ruleCount,
    servicePorts: n.servicePorts,
    backends: n.backends,
    malformedLines: n.malformedLines,
    ...(n.iptablesBackend !== undefined ? { iptablesBackend: n.iptablesBackend } : {}),
    ...(n.error !== undefined ? { error: n.error } : {}),
  };
  return withExtras(base, n);
}

function orderFinding(f: Finding): Finding {
  const base: Finding = {
    check: f.check,
    severity: f.severity,
    node: f.node,
    service: f.service,
    port: f.port,
    protocol: f.protocol,
    endpoint: f.endpoint,
    pod: f.pod,
    title: f.title,
    message: f.message,
    nextSteps: f.nextSteps,
    evidence: f.evidence.map((e) => ({ node: e.node, file: e.file, line: e.line, raw: e.raw })),
  };
  return withExtras(base, f);
}

/** Keeps fields added to the model later (after the documented ones) instead of dropping them. */
function withExtras<T extends object>(ordered: T, source: object): T {
  const out: Record<string, unknown> = { ...(ordered as Record<string, unknown>) };
  for (const [k, v] of Object.entries(source)) if (!(k in out) && v !== undefined) out[k] = v;
  return out as T;
}
