import { KILL_AFTER_SEC, MAX_TIMEOUT_SEC, nodeCommand, WATCH_SCRIPT } from './commands';
import type { NodeCommandId } from './commands';

// The debug pod for nodes without SSH (issue 4) and the argv it is asked to run.
//
// The pod: privileged, hostNetwork and hostPID, pinned to one node by spec.nodeName (the
// scheduler is bypassed, so taints are no obstacle to placement; the `operator: Exists`
// toleration keeps the kubelet and taint-based eviction from turning it away), in its own
// namespace (never kube-system by default: Lens's node shell did that and slipped past AKS
// admission), with no service-account token (a pod would otherwise carry the rights of the
// namespace's default account) and `sleep` as its only process, bounded by
// activeDeadlineSeconds: if Proxyscope dies, the kubelet ends the pod anyway.
//
// The commands: the SAME allowlisted argv as over SSH (commands.ts), run in the host's
// namespaces by `nsenter -t 1 -m -u -i -n -p --` (PID 1 is the host's init thanks to hostPID),
// so the host's own iptables-save/nft/ipvsadm/conntrack read the kernel state, exactly what an
// SSH session sees. Wrapped the same way: the stdin watcher (WATCH_SCRIPT) stops the command
// when the exec stream closes, `timeout -k` bounds it on the node, LC_ALL=C keeps messages
// classifiable. pods/exec passes argv as a list of `command` parameters; no shell re-parses
// it, and nothing from the cluster is ever part of it.
//
// The image only needs `nsenter` (util-linux) and `sleep`: the tools are the host's.
// Default: Debian's official bookworm-slim image, where util-linux is Essential (it ships
// /usr/bin/nsenter) and coreutils gives sleep. The kube-proxy image (registry.k8s.io/kube-proxy,
// built on distroless-iptables) has iptables/ip6tables (nft and legacy), nft and ipset but
// no nsenter, no conntrack and no ipvsadm (kubernetes/release images/build/distroless-iptables),
// so it cannot serve here.

export const DEFAULT_POD_NAMESPACE = 'proxyscope';
export const DEFAULT_POD_IMAGE = 'docker.io/library/debian:bookworm-slim';
export const DEFAULT_POD_TIMEOUT_SEC = 120;
export const CONTAINER_NAME = 'proxyscope';

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'proxyscope';
export const RUN_LABEL = 'proxyscope.io/run';
export const NODE_ANNOTATION = 'proxyscope.io/node';

/** What a pod is for: `scan` (collector) or `terminal` (an interactive shell someone has open). */
export const ROLE_LABEL = 'proxyscope.io/role';
export type DebugPodRole = 'scan' | 'terminal';

/**
 * Selects every debug pod a scan may delete at its start: Proxyscope's, except terminal pods
 * (someone may be typing in one; they are deleted when their terminal closes and stop by
 * themselves at their activeDeadlineSeconds). Pods from before the role label have none and
 * match `!=`.
 */
export const SWEEP_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY},${ROLE_LABEL}!=terminal`;

export const NSENTER_PREFIX: readonly string[] = Object.freeze(['nsenter', '-t', '1', '-m', '-u', '-i', '-n', '-p', '--']);

export interface DebugPodParams {
  name: string;
  namespace: string;
  node: string;
  image: string;
  runId: string;
  /** The dead-man switch: the kubelet kills the pod this long after it started. */
  activeDeadlineSeconds: number;
  /** Default 'scan'. */
  role?: DebugPodRole;
}

export function debugPodManifest(p: DebugPodParams): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: p.name,
      namespace: p.namespace,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [RUN_LABEL]: p.runId, [ROLE_LABEL]: p.role ?? 'scan', 'app.kubernetes.io/name': 'proxyscope-debug' },
      annotations: { [NODE_ANNOTATION]: p.node, 'proxyscope.io/purpose': 'read-only dump of the node data plane; safe to delete' },
    },
    spec: {
      nodeName: p.node,
      hostNetwork: true,
      hostPID: true,
      dnsPolicy: 'ClusterFirstWithHostNet',
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: 1,
      activeDeadlineSeconds: p.activeDeadlineSeconds,
      tolerations: [{ operator: 'Exists' }],
      containers: [
        {
          name: CONTAINER_NAME,
          image: p.image,
          imagePullPolicy: 'IfNotPresent',
          command: ['sleep', String(p.activeDeadlineSeconds)],
          securityContext: { privileged: true },
          resources: { requests: { cpu: '10m', memory: '32Mi' } },
        },
      ],
    },
  };
}

/** The exec argv for an allowlisted command (no sudo: the pod is root). */
export function podExecArgv(id: NodeCommandId, timeoutSec: number, variant = 0): string[] {
  const argv = nodeCommand(id).variants[variant];
  if (!argv) throw new Error(`${id} has no variant ${variant}`);
  if (!Number.isInteger(timeoutSec) || timeoutSec < 1 || timeoutSec > MAX_TIMEOUT_SEC) throw new Error(`timeoutSec must be an integer between 1 and ${MAX_TIMEOUT_SEC}`);
  return [...NSENTER_PREFIX, 'sh', '-c', WATCH_SCRIPT, 'proxyscope', 'env', 'LC_ALL=C', 'timeout', '-k', String(KILL_AFTER_SEC), String(timeoutSec), ...argv];
}

/** How long the pod may live: start + every command at its bound + a minute of slack. */
export function podDeadlineSec(podTimeoutSec: number, commands: number, commandTimeoutSec: number): number {
  return podTimeoutSec + commands * (commandTimeoutSec + KILL_AFTER_SEC) + 60;
}

/** A DNS-1123 pod name from the run id and the target's index, never from the node name. */
export function debugPodName(runId: string, index: number): string {
  return `proxyscope-${runId}-${index}`;
}
