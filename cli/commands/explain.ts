import { analyzeNode } from '../../core/common/analyze/analyzeNode';
import { expectedFor, prepareCluster, usableCluster } from '../../core/common/analyze/prepareCluster';
import { explainServicePort, type ExpectedByFamily, type ExplainQuery } from '../../core/common/explain/explainServicePort';
import { renderExplainText } from '../../core/common/explain/renderExplainText';
import type { NodeAnalysis } from '../../core/common/model';
import { visibleText } from '../../core/common/report/visibleText';
import { analyzeSnapshotParallel } from '../../core/node/analyzeParallel';
import { loadSnapshot } from '../../core/node/snapshot/loadSnapshot';
import { toolVersion } from '../version';
import { CliError, onePositional, parse } from '../args';
import { writeStdout } from '../output';
import { EXPLAIN_HELP } from '../usage';

export async function explainCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('explain', argv, {
    node: { type: 'string' },
    service: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    await writeStdout(EXPLAIN_HELP);
    return 0;
  }
  const path = onePositional('explain', positionals, '<snapshot> (a directory or .tar.gz)');
  const nodeName = values.node as string | undefined;
  if (nodeName === undefined || nodeName === '') throw new CliError('explain: --node NODE is required', true);
  const query = parseServiceQuery(values.service as string | undefined);

  const snapshot = await loadSnapshot(path);
  const node = snapshot.nodes.find((n) => n.name === nodeName);
  if (!node) {
    throw new CliError(`node ${quote(nodeName)} is not in the snapshot; nodes: ${listOf(snapshot.nodes.map((n) => n.name))}`);
  }
  const cluster = snapshot.clusterJson !== undefined ? prepareCluster(snapshot.clusterJson) : null;
  const analysis = analyzeNode(node, cluster);
  // Same rule as the analysis: an unusable cluster.json (no Services at all) is not compared with.
  const usable = usableCluster(cluster);
  const expected: ExpectedByFamily | null = usable ? { 4: expectedFor(usable, node.name, 4), 6: expectedFor(usable, node.name, 6) } : null;
  if (snapshot.nodes.length > 1) {
    // Cross-node findings (node-divergence) need every node; the node's own are the same either way.
    const all = await analyzeSnapshotParallel(snapshot, { version: toolVersion() });
    analysis.findings = all.findings.filter((f) => f.node === node.name);
  }
  const result = explainServicePort(analysis, expected, query);
  if (result.servicePorts.length === 0) throw notFound(query, analysis, expected, node.name);
  await writeStdout(renderExplainText(result));
  return 0;
}

/** `ns/name` or `ns/name:port`. */
export function parseServiceQuery(value: string | undefined): ExplainQuery {
  if (value === undefined || value === '') throw new CliError('explain: --service NAMESPACE/NAME[:PORT] is required', true);
  const m = /^([^/:]+)\/([^/:]+)(?::([^/:]+))?$/.exec(value);
  if (!m) throw new CliError(`explain: --service must look like NAMESPACE/NAME or NAMESPACE/NAME:PORT, got ${quote(value)}`, true);
  return { namespace: m[1], name: m[2], ...(m[3] !== undefined ? { port: m[3] } : {}) };
}

/** The error for an unknown Service or port, listing what the node does have. */
function notFound(query: ExplainQuery, analysis: NodeAnalysis, expected: ExpectedByFamily | null, node: string): CliError {
  const service = `${query.namespace}/${query.name}`;
  const services = new Set<string>();
  const ports = new Set<string>();
  const add = (ns: string, name: string, portName: string, portNumber?: number): void => {
    const key = `${ns}/${name}`;
    services.add(key);
    if (key === service) {
      if (portName !== '') ports.add(portName);
      if (portNumber !== undefined) ports.add(String(portNumber));
    }
  };
  for (const e of [...(expected?.[4] ?? []), ...(expected?.[6] ?? [])]) add(e.id.namespace, e.id.name, e.id.portName, e.servicePort.port);
  for (const pn of analysis.programmed) {
    for (const sp of pn.servicePorts) {
      if (!sp.id) continue;
      const cip = sp.frontends.find((f) => f.kind === 'cluster-ip');
      add(sp.id.namespace, sp.id.name, sp.id.portName, cip?.port);
    }
  }
  if (services.has(service)) {
    return new CliError(`Service ${quote(service)} has no port ${quote(query.port ?? '')} on node ${quote(node)}; ports: ${listOf([...ports])}`);
  }
  return new CliError(`Service ${quote(service)} is not known on node ${quote(node)}; Services: ${listOf([...services])}`);
}

function quote(s: string): string {
  return JSON.stringify(visibleText(s));
}

function listOf(items: string[], max = 30): string {
  if (items.length === 0) return '(none)';
  const sorted = [...items].sort().map((s) => visibleText(s));
  return sorted.length > max ? `${sorted.slice(0, max).join(', ')} … (${sorted.length - max} more)` : sorted.join(', ');
}
