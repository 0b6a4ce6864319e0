import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ApiError, ApiEvent, NodeScanState, ScanRequest } from '../../common/contract';
import type { SnapshotData } from '../../common/model';
import { scanCluster, ScanInputError, scanSnapshotData } from '../collect/scan';
import { sortNodes } from '../snapshot/snapshotLayout';
import type { ScanEvent } from '../collect/scan';
import type { ScanSshOptions } from '../collect/scanTypes';
import { ExecNotApprovedError, isExecApproved, loadExecApprovals } from '../kube/execApproval';
import { KubeconfigError } from '../kube/kubeconfig';
import { defaultKnownHostsFiles, refuseForeignKnownHosts } from '../ssh/knownHostsStore';
import { safeMessage } from './apiGuard';
import { approvalsFile, execOf, explicitKubeconfig, loadContexts, ownKnownHostsFile } from './kubeContexts';
import type { KubeSettings } from './kubeContexts';

// A cluster scan started from the Clusters view, over SSH or through debug pods: the same
// scanCluster as `proxyscope scan` (cli/commands/scan.ts builds the same SSH options from its
// flags; pods use scanCluster's defaults: namespace proxyscope, its default image), reported as `scan-node`
// events per node and one `scan-done` with the new session, or with why there is none. An exec
// credential plugin runs only when approved in Proxyscope's store (else scan-done carries
// `exec-approval-required` and what would run, for the approval dialog).
// A rescan (`mergeInto`) scans only the asked-for nodes and opens the old snapshot with those
// nodes' folders and cluster.json replaced (mergeScanSnapshot) as a new session.

export interface ScanDeps {
  settings: KubeSettings;
  emit(e: ApiEvent): void;
  /** Analyses the scanned snapshot and opens it as a session; returns its id. */
  openSession(snapshot: SnapshotData, title: string, jobId: string, signal: AbortSignal): Promise<{ ok: true; id: string } | { ok: false; error: ApiError }>;
  /** Rescan: the snapshot the scanned nodes are merged into. */
  mergeBase?: SnapshotData;
}

/**
 * A rescan's snapshot: `base` with the scanned nodes' folders replaced by `fresh`'s (a node
 * whose rescan failed keeps only its new node.json: its old dumps no longer describe it) and
 * cluster.json from the new listing. A rescan of every node (`scanned` empty or absent) is the
 * fresh scan as it is: nodes gone from the cluster go from the snapshot too.
 */
export function mergeScanSnapshot(base: SnapshotData, fresh: SnapshotData, scanned: readonly string[] | undefined): SnapshotData {
  if (scanned === undefined || scanned.length === 0) return fresh;
  const replaced = new Set(scanned);
  for (const n of fresh.nodes) replaced.add(n.name);
  const kept = base.nodes.filter((n) => !replaced.has(n.name));
  const clusterJson = fresh.clusterJson ?? base.clusterJson;
  return { source: fresh.source, ...(clusterJson !== undefined ? { clusterJson } : {}), nodes: sortNodes([...kept, ...fresh.nodes]) };
}

/** cli/commands/scan.ts's option building, from the app's SSH settings. */
export function scanSshOptions(req: ScanRequest, settings: KubeSettings): { ssh: ScanSshOptions } | { error: string } {
  const home = settings.home ?? homedir();
  const own = ownKnownHostsFile(settings);
  const s = req.ssh ?? {};
  if (s.acceptNew) {
    const why = refuseForeignKnownHosts(own, home);
    if (why) return { error: `cannot accept new host keys: ${why}` };
  }
  const config = join(home, '.ssh', 'config');
  const ssh: ScanSshOptions = {
    knownHostsFiles: [...defaultKnownHostsFiles(home), own],
    ...(existsSync(config) ? { configFile: config } : {}),
    ...(s.acceptNew ? { acceptNewFile: own } : {}),
    ...(s.user !== undefined ? { user: s.user } : {}),
    ...(s.port !== undefined ? { port: s.port } : {}),
    ...(s.jump !== undefined ? { jump: s.jump } : {}),
    ...(s.sudo ? { sudo: true } : {}),
    ...(s.identityFile !== undefined ? { identityFiles: [s.identityFile] } : {}),
    // The passphrase stays in memory for this scan (the electron main process may have read it
    // from the OS keychain); scanCluster never writes or logs it.
    ...(s.identityFile !== undefined && s.identityPassphrase !== undefined ? { passphrases: { [s.identityFile]: s.identityPassphrase } } : {}),
    ...(s.perNode !== undefined ? { perNode: s.perNode } : {}),
    ...(settings.home !== undefined ? { home: settings.home } : {}),
  };
  return { ssh };
}

function nodeEvent(scanId: string, e: Exclude<ScanEvent, { type: 'api-listed' }>): ApiEvent {
  const ev = (state: NodeScanState, message: string): ApiEvent => ({ type: 'scan-node', scanId, node: e.node, state, message });
  switch (e.type) {
    case 'node-queued':
      return ev('queued', e.address !== undefined ? `will connect to ${e.address}` : '');
    case 'node-connecting':
      return ev('connecting', `connecting to ${e.address}`);
    case 'node-connected':
      return ev('collecting', 'connected');
    case 'command-start':
      return ev('collecting', `running ${e.command}`);
    case 'command-done':
      return ev('collecting', `${e.command}: ${e.status}`);
    case 'node-done':
      return ev(e.status, e.message);
  }
}

/** Why the scan cannot use the context's credentials yet, or whether the plugin may run. */
function execCheck(req: ScanRequest, settings: KubeSettings): { allowExec: boolean } | { error: ApiError } {
  const { contexts } = loadContexts(settings, req.kubeconfig);
  const c = contexts.find((x) => x.name === req.context);
  if (!c) return { error: { code: 'not-found', message: `context ${JSON.stringify(req.context)} is not in the kubeconfig` } };
  const exec = execOf(c);
  if (!exec) return { allowExec: false };
  if (isExecApproved(exec, loadExecApprovals(approvalsFile(settings)))) return { allowExec: true };
  return { error: { code: 'exec-approval-required', message: new ExecNotApprovedError(c.name, exec).message, exec } };
}

function scanError(err: unknown): ApiError {
  if (err instanceof ExecNotApprovedError) return { code: 'exec-approval-required', message: err.message, exec: err.exec };
  if (err instanceof KubeconfigError) return { code: 'not-found', message: err.message };
  if (err instanceof ScanInputError) return { code: 'not-found', message: err.message };
  return { code: 'failed', message: safeMessage(err) };
}

/** Runs the scan to its end; every outcome ends in exactly one scan-done event. */
export async function runScan(scanId: string, req: ScanRequest, signal: AbortSignal, deps: ScanDeps): Promise<void> {
  const done = (sessionId: string | null, error?: ApiError): void => deps.emit({ type: 'scan-done', scanId, sessionId, ...(error ? { error } : {}) });
  try {
    // Through debug pods no SSH setting applies (scanCluster reads `ssh` only for via 'ssh').
    const built = req.via === 'pod' ? { ssh: { knownHostsFiles: [] } } : scanSshOptions(req, deps.settings);
    if ('error' in built) return done(null, { code: 'failed', message: built.error });
    const check = execCheck(req, deps.settings);
    if ('error' in check) return done(null, check.error);
    if (signal.aborted) return done(null, { code: 'cancelled', message: 'the scan was cancelled' });
    const kubeconfig = explicitKubeconfig(deps.settings, req.kubeconfig);
    let queued = 0;
    let finished = 0;
    const result = await scanCluster({
      ...(kubeconfig !== undefined ? { kubeconfig } : {}),
      context: req.context,
      nodes: req.nodes && req.nodes.length > 0 ? req.nodes : 'all',
      via: req.via,
      ssh: built.ssh,
      allowExec: check.allowExec,
      signal,
      onProgress: (e) => {
        if (e.type === 'api-listed') return;
        if (e.type === 'node-queued') queued++;
        deps.emit(nodeEvent(scanId, e));
        if (e.type === 'node-done') {
          finished++;
          deps.emit({ type: 'progress', jobId: scanId, phase: 'scan', done: finished, total: queued });
        }
      },
    });
    if (signal.aborted) return done(null, { code: 'cancelled', message: 'the scan was cancelled' });
    const title = `scan of ${req.context}`;
    const fresh = scanSnapshotData(result, title);
    const snapshot = deps.mergeBase ? mergeScanSnapshot(deps.mergeBase, fresh, req.nodes) : fresh;
    const opened = await deps.openSession(snapshot, title, scanId, signal);
    return opened.ok ? done(opened.id) : done(null, opened.error);
  } catch (err) {
    if (signal.aborted) return done(null, { code: 'cancelled', message: 'the scan was cancelled' });
    return done(null, scanError(err));
  }
}
