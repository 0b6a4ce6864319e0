import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type SSHConfig from 'ssh-config';
import type { SnapshotData } from '../../common/model';
import { connectContext } from '../kube/kubeClient';
import type { KubeClient } from '../kube/kubeClient';
import { loadKubeconfig } from '../kube/kubeconfig';
import { listClusterObjects } from '../kube/listCluster';
import type { ClusterListing } from '../kube/listCluster';
import { saveSnapshot } from '../snapshot/saveSnapshot';
import { invalidNameReason } from '../snapshot/snapshotLayout';
import { loadKnownHostsFiles } from '../ssh/knownHostsStore';
import { parseSshConfig } from '../ssh/sshConfig';
import { scanNode } from './scanNode';
import { nodeObjects, pickScanNodes } from './scanNodes';
import { podOptionsProblem, scanViaPods } from './scanViaPods';
import type { NodeScanResult, ScanEvent, ScanInfo, ScanOptions, ScanResult } from './scanTypes';

// `proxyscope scan` over SSH or through debug pods (issue 4): list the API objects, pick the nodes, then visit at most
// `parallelism` nodes at a time. Every node ends with a status; one bad node never stops the
// others, and an AbortSignal cancels the API listing, open sessions, running commands (the
// node's watcher stops them) and the nodes not yet started. A cancel during the listing is an
// answer too, not an exception: every node known by then is `cancelled`.

export type { ScanEvent, ScanOptions, ScanResult, NodeScanResult } from './scanTypes';

/** A usage or input problem (unknown node names); the CLI exits 2 on it. */
export class ScanInputError extends Error {
  override name = 'ScanInputError';
}

export const DEFAULT_PARALLELISM = 8;
export const DEFAULT_COMMAND_TIMEOUT_SEC = 60;
export const SCAN_FILE = 'scan.json';
export const NODE_FILE = 'node.json';

export async function scanCluster(opts: ScanOptions): Promise<ScanResult> {
  const startedAt = new Date().toISOString();
  const emit = (e: ScanEvent): void => opts.onProgress?.(e);
  const kc = loadKubeconfig(opts.kubeconfig !== undefined ? { explicit: opts.kubeconfig } : {});
  const client = await connectContext(kc, { ...(opts.context !== undefined ? { context: opts.context } : {}), allowExec: opts.allowExec === true });
  try {
    return await scanWithClient(client, kc.warnings, opts, startedAt, emit);
  } finally {
    client.close();
  }
}

async function scanWithClient(client: KubeClient, kcWarnings: string[], opts: ScanOptions, startedAt: string, emit: (e: ScanEvent) => void): Promise<ScanResult> {
  const via = opts.via ?? 'ssh';
  if (via === 'pod') {
    const problem = podOptionsProblem(opts.pod ?? {});
    if (problem) throw new ScanInputError(problem);
  }
  const tee = teeNodeList(client);
  let listing: ClusterListing;
  try {
    listing = await listClusterObjects(tee.client, { ...(opts.signal ? { signal: opts.signal } : {}) });
  } catch (err) {
    // A cancel while listing is the user's choice, not a failure: every node it knows of gets its status.
    if (!opts.signal?.aborted) throw err;
    return cancelledWhileListing(client, kcWarnings, opts, startedAt, emit, tee.nodes());
  }
  const nodes = nodeObjects(listing.list);
  emit({ type: 'api-listed', context: client.contextName, nodes: nodes.length, partial: listing.partial });
  const { targets, unknown } = pickScanNodes(nodes, opts.nodes ?? 'all', via === 'ssh' ? opts.ssh.perNode : undefined);
  if (unknown.length > 0) throw new ScanInputError(`not nodes of this cluster: ${unknown.join(', ')} (it has ${nodes.length} nodes)`);
  const parallelism = Math.max(1, opts.parallelism ?? DEFAULT_PARALLELISM);
  const commandTimeoutSec = opts.commandTimeoutSec ?? DEFAULT_COMMAND_TIMEOUT_SEC;

  let results: NodeScanResult[];
  let podInfo: ScanInfo['pod'];
  const extraWarnings: string[] = [];
  if (via === 'pod') {
    for (const t of targets) emit({ type: 'node-queued', node: t.name });
    const out = await scanViaPods(client, targets, {
      pod: opts.pod ?? {},
      parallelism,
      commandTimeoutSec,
      ...(opts.maxBytes !== undefined ? { maxBytes: opts.maxBytes } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      emit,
      mapBounded,
    });
    results = out.results;
    podInfo = out.info;
    extraWarnings.push(...out.warnings);
  } else {
    const [known, sshConfig] = await Promise.all([loadKnownHostsFiles(opts.ssh.knownHostsFiles), readSshConfig(opts.ssh.configFile)]);
    if (opts.ssh.acceptNewFile) {
      const own = await loadKnownHostsFiles([opts.ssh.acceptNewFile]);
      known.entries.push(...own.entries);
    }
    for (const t of targets) emit({ type: 'node-queued', node: t.name, ...(t.address ? { address: t.address } : {}) });
    const ctx = {
      ssh: opts.ssh,
      ...(sshConfig ? { sshConfig } : {}),
      knownHosts: known.entries,
      commandTimeoutSec,
      ...(opts.maxBytes !== undefined ? { maxBytes: opts.maxBytes } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      emit,
    };
    results = await mapBounded(targets, parallelism, (t) => scanNode(t, ctx));
    extraWarnings.push(...known.malformed.map((m) => `known_hosts ${m.source}: ${m.reason}`));
  }

  const warnings = [...listing.warnings, ...client.warnings, ...kcWarnings, ...extraWarnings];
  const redact = (s: string): string => client.secrets.redact(s);
  const info: ScanInfo = {
    tool: 'proxyscope',
    via,
    ...(podInfo ? { pod: podInfo } : {}),
    context: client.contextName,
    server: redact(client.server),
    startedAt,
    finishedAt: new Date().toISOString(),
    insecureSkipTlsVerify: client.insecureSkipTlsVerify,
    warnings: [...new Set(warnings.map(redact))],
    api: { partial: listing.partial, problems: listing.problems.map(redact), notes: listing.notes, resources: listing.resources },
    nodes: results.map((r) => ({ node: r.node, status: r.status, message: redact(r.message), ...(r.address ? { address: r.address } : {}) })),
  };
  return { nodes: results, clusterJson: listing.list, info, ok: results.every((r) => r.status === 'ok') };
}

const NODES_PATH = '/api/v1/nodes';

/**
 * The client with a record of the Node list pages that arrived, so a scan cancelled while the
 * other lists are still coming can still name its nodes. A request without a continue token
 * starts the list over (page 1, or the full re-list after a 410), so it drops what came before.
 */
function teeNodeList(client: KubeClient): { client: KubeClient; nodes: () => unknown[] } {
  let pages: unknown[][] = [];
  const getJson: KubeClient['getJson'] = async (path, r) => {
    const answer = await client.getJson(path, r);
    if (path === NODES_PATH) {
      if (!r?.query?.continue) pages = [];
      const items = (answer as { items?: unknown } | null)?.items;
      if (Array.isArray(items)) pages.push(items);
    }
    return answer;
  };
  return { client: { ...client, getJson }, nodes: () => pages.flat() };
}

/** cluster.json of a scan cancelled while listing: the Node objects that arrived, printed as listCluster prints them. */
function nodesOnlyList(items: unknown[]): string {
  const printed = items
    .filter((o): o is Record<string, unknown> => typeof o === 'object' && o !== null)
    .map((o) => {
      const meta = o.metadata as Record<string, unknown> | undefined;
      const { managedFields: _drop, ...rest } = meta ?? {};
      return JSON.stringify({ apiVersion: 'v1', kind: 'Node', ...o, ...(meta ? { metadata: rest } : {}) });
    });
  return `{"apiVersion":"v1","items":[\n${printed.join(',\n')}\n],"kind":"List","metadata":{"resourceVersion":""}}\n`;
}

/** Every node the scan knows of (the asked-for names, else the Nodes listed so far) as `cancelled`; nothing was contacted. */
function cancelledWhileListing(client: KubeClient, kcWarnings: string[], opts: ScanOptions, startedAt: string, emit: (e: ScanEvent) => void, nodeItems: unknown[]): ScanResult {
  const clusterJson = nodesOnlyList(nodeItems);
  const wanted = opts.nodes ?? 'all';
  const names = wanted === 'all' ? pickScanNodes(nodeObjects(clusterJson), 'all').targets.map((t) => t.name) : [...new Set(wanted)].sort();
  const message = 'cancelled while the API objects were being listed; the node was not contacted';
  const results = names.map((node): NodeScanResult => {
    emit({ type: 'node-queued', node });
    emit({ type: 'node-done', node, status: 'cancelled', message });
    return { node, status: 'cancelled', message, commands: [], files: {}, durationMs: 0 };
  });
  const problem =
    wanted === 'all' && names.length === 0
      ? 'cancelled before the Node list arrived: no node is known, so none is listed'
      : 'cancelled while the API objects were being listed: cluster.json holds only the Node objects that had arrived';
  const redact = (text: string): string => client.secrets.redact(text);
  const info: ScanInfo = {
    tool: 'proxyscope',
    via: opts.via ?? 'ssh',
    context: client.contextName,
    server: redact(client.server),
    startedAt,
    finishedAt: new Date().toISOString(),
    insecureSkipTlsVerify: client.insecureSkipTlsVerify,
    warnings: [...new Set([...client.warnings, ...kcWarnings].map(redact))],
    api: { partial: true, problems: [problem], notes: [], resources: {} },
    nodes: results.map((r) => ({ node: r.node, status: r.status, message: r.message })),
  };
  return { nodes: results, clusterJson, info, ok: false };
}

async function readSshConfig(file: string | undefined): Promise<SSHConfig | undefined> {
  if (file === undefined) return undefined;
  return parseSshConfig(await readFile(file, 'utf8'));
}

/** Runs `fn` over `items` with at most `limit` in flight; results keep the input order. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** The snapshot the scan produced, as loadSnapshot and the analysis read it. */
export function scanSnapshotData(result: ScanResult, source: string): SnapshotData {
  return {
    source,
    clusterJson: result.clusterJson,
    nodes: result.nodes
      // A name the layout refuses keeps its status in scan.json but gets no folder.
      .filter((n) => invalidNameReason(n.node) === null)
      .map((n) => ({
        name: n.node,
        files: {
          ...n.files,
          [NODE_FILE]: `${JSON.stringify({ node: n.node, address: n.address, status: n.status, message: n.message, hostKeyFingerprint: n.hostKeyFingerprint, durationMs: n.durationMs, commands: n.commands }, null, 2)}\n`,
        },
      })),
  };
}

/** Writes cluster.json, nodes/<node>/{dumps,node.json} and scan.json into `dir` (must be empty or absent). */
export async function writeScanSnapshot(result: ScanResult, dir: string): Promise<void> {
  await saveSnapshot(scanSnapshotData(result, dir), dir);
  await writeFile(join(dir, SCAN_FILE), `${JSON.stringify(result.info, null, 2)}\n`, { mode: 0o600 });
}
