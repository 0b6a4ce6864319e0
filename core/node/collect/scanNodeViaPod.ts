import { invalidNameReason } from '../snapshot/snapshotLayout';
import type { ApiEndpoint } from './apiEndpoint';
import { NODE_COMMANDS } from './commands';
import { createDebugPod, deleteDebugPod, waitForPodRunning } from './debugPod';
import { PodApiError } from './debugPodRbac';
import { debugPodManifest, debugPodName, podDeadlineSec } from './debugPodSpec';
import { commandRecord } from './scanNodeRecord';
import { nodeStatusFromCommands } from './scanNodeStatus';
import type { CommandResult } from './runCommand';
import type { ScanNodeTarget } from './scanNodes';
import type { CommandRecord, NodeScanResult, ScanEvent } from './scanTypes';
import { runPodCommand } from './runPodCommand';

// One node through a debug pod: create it pinned to the node, wait for it, run every
// allowlisted command through pods/exec, delete it - also when anything fails or the scan is
// cancelled. Like scanNode (SSH), never throws for the node's own problems.

export interface PodScanContext {
  ep: ApiEndpoint;
  namespace: string;
  image: string;
  runId: string;
  podTimeoutSec: number;
  commandTimeoutSec: number;
  maxBytes?: number;
  pollMs?: number;
  signal?: AbortSignal;
  emit: (event: ScanEvent) => void;
  /** Set when a pod request was refused by RBAC (the scan prints the Role once). */
  onRbacRefusal?: () => void;
}

export async function scanNodeViaPod(target: ScanNodeTarget, index: number, ctx: PodScanContext): Promise<NodeScanResult> {
  const started = performance.now();
  const name = debugPodName(ctx.runId, index);
  const address = `pod ${ctx.namespace}/${name}`;
  const result = (fields: Omit<NodeScanResult, 'node' | 'durationMs' | 'commands' | 'files'> & Partial<Pick<NodeScanResult, 'commands' | 'files'>>): NodeScanResult => {
    const r: NodeScanResult = { node: target.name, commands: [], files: {}, ...fields, durationMs: Math.round(performance.now() - started) };
    ctx.emit({ type: 'node-done', node: r.node, status: r.status, message: r.message });
    return r;
  };
  if (ctx.signal?.aborted) return result({ status: 'cancelled', message: 'cancelled before the node was contacted' });
  // The pod path needs no address; only a name the snapshot cannot hold stops it.
  const bad = invalidNameReason(target.name);
  if (bad) return result({ status: 'unreachable', message: target.problem ?? bad });

  const api = { ep: ctx.ep, namespace: ctx.namespace, ...(ctx.signal ? { signal: ctx.signal } : {}) };
  const fail = (err: unknown, commands: CommandRecord[] = [], files: Record<string, string> = {}): NodeScanResult => {
    if (!(err instanceof PodApiError)) throw err;
    if (err.rbac) ctx.onRbacRefusal?.();
    const status = ctx.signal?.aborted ? 'cancelled' : err.status;
    return result({ address, status, message: err.message, commands, files });
  };

  ctx.emit({ type: 'node-connecting', node: target.name, address });
  let created = false;
  try {
    const manifest = debugPodManifest({
      name,
      namespace: ctx.namespace,
      node: target.name,
      image: ctx.image,
      runId: ctx.runId,
      activeDeadlineSeconds: podDeadlineSec(ctx.podTimeoutSec, NODE_COMMANDS.length, ctx.commandTimeoutSec),
    });
    try {
      // Marked before the request: a create whose answer is lost may still have made the pod.
      created = true;
      await createDebugPod(api, manifest);
      await waitForPodRunning(api, name, ctx.podTimeoutSec, ctx.pollMs);
    } catch (err) {
      return fail(err);
    }
    ctx.emit({ type: 'node-connected', node: target.name });

    const commands: CommandRecord[] = [];
    const files: Record<string, string> = {};
    for (const cmd of NODE_COMMANDS) {
      ctx.emit({ type: 'command-start', node: target.name, command: cmd.id });
      let r: CommandResult;
      try {
        r = await runPodCommand(ctx.ep, { namespace: ctx.namespace, pod: name }, cmd.id, {
          timeoutSec: ctx.commandTimeoutSec,
          ...(ctx.maxBytes !== undefined ? { maxBytes: ctx.maxBytes } : {}),
          ...(ctx.signal ? { signal: ctx.signal } : {}),
        });
      } catch (err) {
        // Cancelled while the exec stream was opening: a command verdict like any other.
        if (!(err instanceof PodApiError) || err.status !== 'cancelled') return fail(err, commands, files);
        r = { id: cmd.id, file: cmd.file, status: 'cancelled', message: err.message, remoteCommand: '', variant: 0, bytes: 0, truncated: false, stderr: '', stderrTruncated: false, durationMs: 0 };
      }
      const rec = commandRecord(r);
      if (rec.saved && r.stdout) files[cmd.file] = r.stdout.toString('utf8');
      commands.push(rec);
      ctx.emit({ type: 'command-done', node: target.name, command: cmd.id, status: r.status, bytes: r.bytes, durationMs: rec.durationMs });
    }
    return result({ address, ...nodeStatusFromCommands(commands), commands, files });
  } finally {
    if (created) await deleteDebugPod(api, name);
  }
}
