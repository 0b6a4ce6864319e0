import { expectedFor, usableCluster } from '../../common/analyze/prepareCluster';
import type { ApiResult, ExportedFile, ReportFormat, RuleFileInfo, RuleText, ServiceDetail, ServiceRow, TraceRequest } from '../../common/contract';
import { fail, ok } from '../../common/contract';
import { explainServicePort } from '../../common/explain/explainServicePort';
import type { ExpectedByFamily } from '../../common/explain/explainServicePort';
import type { SnapshotNode } from '../../common/model';
import { renderHtml } from '../../common/report/renderHtml';
import { renderJson } from '../../common/report/renderJson';
import { renderMarkdown } from '../../common/report/renderMarkdown';
import { traceNode } from '../../common/trace/traceNode';
import { traceOptionsFromCluster } from '../../common/trace/traceOptionsFromCluster';
import type { TraceResult } from '../../common/trace/traceTypes';
import { chainLabels } from '../../common/views/chainLabels';
import { fileServiceLabels } from '../../common/views/chainServiceLabels';
import { REPORT_MIME, reportFileName } from '../../common/views/exportNames';
import { countLines, nftJsonItems, nftJsonLines, ruleLines } from '../../common/views/ruleLines';
import { ruleSyntax } from '../../common/views/ruleSyntax';
import { buildServiceRows, servicesFromProgrammed } from '../../common/views/serviceRows';
import { servicePortViews } from '../../common/views/serviceDetailView';
import type { NodeExplain } from '../../common/views/serviceDetailView';
import { DETAIL_CACHE_SIZE, LABEL_CACHE_SIZE, cached, findNode, hasNodeAnalysis, nodeAnalysis } from './sessions';
import type { Session } from './sessions';

// The read-only views of one session: Services list and detail, the node files with chain
// labels, packet traces and reports. The pure shaping lives in core/common/views.

const NODE_META_FILE = 'node.json';

export function serviceRows(s: Session): ServiceRow[] {
  if (s.rows) return s.rows;
  const usable = usableCluster(s.cluster);
  // Without a usable cluster.json the nodes' decoded models are the only list of Services.
  const programmed = usable ? undefined : servicesFromProgrammed(s.snapshot.nodes.flatMap((n) => nodeAnalysis(s, n).programmed));
  s.rows = buildServiceRows(usable ? usable.state.services : null, s.result.findings, programmed);
  return s.rows;
}

export function serviceDetail(s: Session, service: string): ApiResult<ServiceDetail> {
  return cached(s.detailCache, service, DETAIL_CACHE_SIZE, () => buildServiceDetail(s, service));
}

function buildServiceDetail(s: Session, service: string): ApiResult<ServiceDetail> {
  const row = serviceRows(s).find((r) => r.key === service);
  if (!row) return fail('not-found', `Service ${JSON.stringify(service)} is not in this snapshot`);
  const usable = usableCluster(s.cluster);
  const nodes = s.snapshot.nodes;
  // Nodes whose model is in memory first: walking the nodes in order through an LRU smaller
  // than the node count would evict each model just before it is needed again.
  const order = nodes.map((_, i) => i).sort((a, b) => Number(hasNodeAnalysis(s, nodes[b])) - Number(hasNodeAnalysis(s, nodes[a])));
  const perNode: NodeExplain[] = new Array<NodeExplain>(nodes.length);
  for (const i of order) {
    const node = nodes[i];
    const analysis = nodeAnalysis(s, node);
    const expected: ExpectedByFamily | null = usable ? { 4: expectedFor(usable, node.name, 4), 6: expectedFor(usable, node.name, 6) } : null;
    perNode[i] = { mode: analysis.summary.mode, result: explainServicePort(analysis, expected, { namespace: row.namespace, name: row.name }) };
  }
  return ok({ row, ports: servicePortViews(perNode), findings: s.result.findings.filter((f) => f.service === service) });
}

function nodeOrFail(s: Session, name: string): SnapshotNode | ApiResult<never> {
  return findNode(s, name) ?? fail('not-found', `node ${JSON.stringify(name)} is not in this snapshot`);
}

function isNode(x: SnapshotNode | ApiResult<never>): x is SnapshotNode {
  return 'files' in x;
}

/** `items`: the nft.json objects when the caller parsed them already (null: not nft JSON). */
function fileInfo(node: string, name: string, text: string, items: unknown[] | null = ruleSyntax(name) === 'nft-json' ? nftJsonItems(text) : null): RuleFileInfo {
  const syntax = ruleSyntax(name);
  return {
    name,
    path: `nodes/${node}/${name}`,
    lines: items ? items.length : countLines(text),
    bytes: Buffer.byteLength(text, 'utf8'),
    syntax: syntax === 'nft-json' && !items ? 'text' : syntax,
  };
}

export function ruleFiles(s: Session, nodeName: string): ApiResult<RuleFileInfo[]> {
  const node = nodeOrFail(s, nodeName);
  if (!isNode(node)) return node;
  const names = Object.keys(node.files).filter((f) => f !== NODE_META_FILE).sort();
  return ok(names.map((name) => fileInfo(node.name, name, node.files[name])));
}

export function ruleText(s: Session, nodeName: string, file: string): ApiResult<RuleText> {
  const node = nodeOrFail(s, nodeName);
  if (!isNode(node)) return node;
  const text = file === NODE_META_FILE || !Object.prototype.hasOwnProperty.call(node.files, file) ? undefined : node.files[file];
  if (text === undefined) return fail('not-found', `node ${JSON.stringify(nodeName)} has no file ${JSON.stringify(file)}`);
  const items = ruleSyntax(file) === 'nft-json' ? nftJsonItems(text) : null;
  const info = fileInfo(node.name, file, text, items);
  // nft.json is parsed once: its objects are both the line count and the lines.
  const lines = items ? nftJsonLines(items) : ruleLines(text, info.syntax);
  const hasChains = info.syntax === 'iptables' || info.syntax === 'nft' || info.syntax === 'nft-json' || info.syntax === 'ipvsadm';
  // Labels are cached per node file: the node's model (rebuilt when the LRU dropped it) is only
  // needed the first time a file is shown.
  const chains = hasChains
    ? cached(s.labelCache, `${node.name}\u0000${file}`, LABEL_CACHE_SIZE, () => {
        const services = fileServiceLabels({ node: node.name, name: file, text, syntax: info.syntax, programmed: nodeAnalysis(s, node).programmed, cluster: s.cluster });
        return chainLabels(lines, info.syntax, services, text);
      })
    : [];
  return ok({ node: node.name, file: info, lines, chains });
}

export function trace(s: Session, req: TraceRequest): ApiResult<TraceResult> {
  const node = nodeOrFail(s, req.node);
  if (!isNode(node)) return node;
  // Only this Node object is handed over: re-reading a 40 MB cluster.json per trace is waste.
  let clusterJson: string | undefined;
  if (s.snapshot.clusterJson !== undefined) {
    const obj = s.cluster?.state.nodes.find((n) => n.metadata?.name === node.name);
    clusterJson = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: obj ? [obj] : [] });
  }
  const { options, notes } = traceOptionsFromCluster(clusterJson, node.name);
  const query = {
    dst: req.dst,
    port: req.port,
    protocol: req.protocol,
    ...(req.src !== undefined ? { src: req.src } : {}),
    ...(req.fromLocalProcess !== undefined ? { fromLocalProcess: req.fromLocalProcess } : {}),
  };
  const result = traceNode(node, query, options);
  result.notes.unshift(...notes);
  return ok(result);
}

export function exportReport(s: Session, format: ReportFormat): ExportedFile {
  const data = format === 'html' ? renderHtml(s.result) : format === 'markdown' ? renderMarkdown(s.result) : renderJson(s.result);
  return { fileName: reportFileName(s.info.source, format), mime: REPORT_MIME[format], data, encoding: 'utf8' };
}
