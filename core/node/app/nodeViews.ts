import type { NodeView, ScanRequest } from '../../common/contract';
import { nodeView } from '../../common/views/nodeView';
import type { Session } from './sessions';

// The Nodes view of one session: each analysed node with what its scan recorded. A session a
// scan made in this backend remembers the scan's request (context, via, SSH settings), which is
// what makes its nodes rescannable: startScan({ mergeInto }) reuses it.

/** The scan behind a session: its request without the node list (every rescan names its own). */
export type SessionScan = Omit<ScanRequest, 'nodes' | 'mergeInto'>;

export function nodeViews(s: Session, scan: SessionScan | undefined): NodeView[] {
  const ctx = scan ? { via: scan.via, context: scan.context } : undefined;
  const files = new Map(s.snapshot.nodes.map((n) => [n.name, n.files]));
  return s.info.nodes.map((summary) => nodeView(summary, files.get(summary.node) ?? {}, ctx));
}

/**
 * What a session remembers of the scan that made it, for rescans. Never the key passphrase: a
 * secret lives no longer than the scan it was given for (Electron's keychain can supply it again).
 */
export function sessionScan(req: ScanRequest): SessionScan {
  const { nodes: _nodes, mergeInto: _merge, ...rest } = req;
  if (rest.ssh?.identityPassphrase === undefined && rest.ssh?.rememberPassphrase === undefined) return rest;
  const { identityPassphrase: _secret, rememberPassphrase: _remember, ...ssh } = rest.ssh;
  return { ...rest, ssh };
}

/**
 * The request a rescan runs: the session's scan, with what the rescan request gives winning
 * (the UI sends context, via, nodes). Null when the context differs: nodes of another cluster
 * cannot be merged into this snapshot.
 */
export function rescanRequest(scan: SessionScan, req: ScanRequest): ScanRequest | null {
  if (req.context !== scan.context) return null;
  return {
    ...scan,
    via: req.via,
    ...(req.kubeconfig !== undefined ? { kubeconfig: req.kubeconfig } : {}),
    ...(req.ssh !== undefined ? { ssh: req.ssh } : {}),
    ...(req.nodes !== undefined ? { nodes: req.nodes } : {}),
    ...(req.mergeInto !== undefined ? { mergeInto: req.mergeInto } : {}),
  };
}
