import { debugPodManifest, debugPodName, NSENTER_PREFIX } from '../collect/debugPodSpec';

// The debug pod of a node terminal (the `kubectl debug node/…` way, issue 5): the collector's
// pod (core/node/collect/debugPodSpec.ts: privileged, hostNetwork + hostPID, pinned by
// spec.nodeName, its own namespace, no service-account token, the same managed-by label so
// `kubectl delete pod -l app.kubernetes.io/managed-by=proxyscope` finds it, but role `terminal`
// so a scan's start-up sweep leaves an open shell alone) and ONE fixed argv:
// a login shell in the host's namespaces. The node name goes into spec.nodeName (and the
// builder's annotation) only; nothing from the cluster or the UI is ever part of the argv.

/** Exactly what pods/exec runs; the fixture API server refuses anything else. */
export const POD_SHELL_ARGV: readonly string[] = Object.freeze([...NSENTER_PREFIX, '/bin/sh', '-l']);

/** How long a terminal pod may live when Proxyscope dies without deleting it (the dead-man switch). */
export const DEFAULT_TERMINAL_SESSION_SEC = 8 * 3600;

export const TERMINAL_PURPOSE = 'interactive node shell (Proxyscope terminal); safe to delete';

export interface TerminalPodParams {
  runId: string;
  namespace: string;
  node: string;
  image: string;
  /** Pod start-up bound + the longest session. */
  activeDeadlineSeconds: number;
}

export function terminalPodName(runId: string): string {
  return debugPodName(runId, 0);
}

/** The collector's manifest, with the purpose annotation telling what this pod is for. */
export function terminalPodManifest(p: TerminalPodParams): Record<string, unknown> {
  const m = debugPodManifest({ name: terminalPodName(p.runId), namespace: p.namespace, node: p.node, image: p.image, runId: p.runId, activeDeadlineSeconds: p.activeDeadlineSeconds, role: 'terminal' });
  const meta = m.metadata as { annotations: Record<string, string> };
  meta.annotations = { ...meta.annotations, 'proxyscope.io/purpose': TERMINAL_PURPOSE };
  return m;
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Why `node` cannot be a pod's spec.nodeName (the API server checks the rest), or null. */
export function terminalNodeProblem(node: string): string | null {
  if (node.length === 0 || node.length > 253) return 'a node name is 1 to 253 characters';
  if (CONTROL.test(node)) return 'the node name contains control characters';
  return null;
}
