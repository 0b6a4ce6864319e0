import { randomBytes } from 'node:crypto';
import type { KubeClient } from '../kube/kubeClient';
import { apiEndpoint } from './apiEndpoint';
import { sweepDebugPods } from './debugPod';
import { debugPodRoleYaml } from './debugPodRbac';
import { DEFAULT_POD_IMAGE, DEFAULT_POD_NAMESPACE, DEFAULT_POD_TIMEOUT_SEC } from './debugPodSpec';
import { scanNodeViaPod } from './scanNodeViaPod';
import type { ScanNodeTarget } from './scanNodes';
import type { NodeScanResult, ScanEvent, ScanInfo, ScanPodOptions } from './scanTypes';

// `scan --via pod`: sweep what an earlier run left, then one debug pod per node, at most
// `parallelism` at a time, each deleted when its node is done (scanNodeViaPod.ts).

export interface PodScanSettings {
  pod: ScanPodOptions;
  parallelism: number;
  commandTimeoutSec: number;
  maxBytes?: number;
  signal?: AbortSignal;
  emit: (e: ScanEvent) => void;
  mapBounded: <T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>) => Promise<R[]>;
}

export interface PodScanOutcome {
  results: NodeScanResult[];
  info: NonNullable<ScanInfo['pod']>;
  warnings: string[];
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
// An image reference: registry/path:tag or @digest; no spaces or control characters.
const IMAGE_REF = /^[A-Za-z0-9][A-Za-z0-9._\-/:@]{0,254}$/;

/** Why the pod options cannot be used (a usage error), or null. */
export function podOptionsProblem(p: ScanPodOptions): string | null {
  if (p.namespace !== undefined && !DNS_LABEL.test(p.namespace)) return `--pod-namespace ${JSON.stringify(p.namespace)} is not a valid namespace name`;
  if (p.image !== undefined && !IMAGE_REF.test(p.image)) return `--pod-image ${JSON.stringify(p.image)} is not an image reference`;
  if (p.podTimeoutSec !== undefined && (!Number.isInteger(p.podTimeoutSec) || p.podTimeoutSec < 1 || p.podTimeoutSec > 3600)) return '--pod-timeout must be 1..3600 seconds';
  return null;
}

export async function scanViaPods(client: KubeClient, targets: ScanNodeTarget[], s: PodScanSettings): Promise<PodScanOutcome> {
  const namespace = s.pod.namespace ?? DEFAULT_POD_NAMESPACE;
  const image = s.pod.image ?? DEFAULT_POD_IMAGE;
  const runId = randomBytes(4).toString('hex');
  const ep = await apiEndpoint(client, s.signal);
  const warnings: string[] = [];
  const sweep = await sweepDebugPods({ ep, namespace, ...(s.signal ? { signal: s.signal } : {}) });
  if (sweep.problem) warnings.push(sweep.problem);
  if (sweep.deleted.length > 0) warnings.push(`deleted ${sweep.deleted.length} debug pod(s) an earlier run left in namespace ${namespace}: ${sweep.deleted.join(', ')}`);
  let rbacRefused = false;
  const indexed = targets.map((t, i) => ({ t, i }));
  const results = await s.mapBounded(indexed, s.parallelism, ({ t, i }) =>
    scanNodeViaPod(t, i, {
      ep,
      namespace,
      image,
      runId,
      podTimeoutSec: s.pod.podTimeoutSec ?? DEFAULT_POD_TIMEOUT_SEC,
      commandTimeoutSec: s.commandTimeoutSec,
      ...(s.maxBytes !== undefined ? { maxBytes: s.maxBytes } : {}),
      ...(s.pod.pollMs !== undefined ? { pollMs: s.pod.pollMs } : {}),
      ...(s.signal ? { signal: s.signal } : {}),
      emit: s.emit,
      onRbacRefusal: () => (rbacRefused = true),
    }),
  );
  if (rbacRefused) warnings.push(`the debug-pod mode was refused by RBAC; a cluster admin can grant the minimal access with \`kubectl apply -f -\`:\n${debugPodRoleYaml(namespace)}`);
  return { results, info: { namespace, image, runId, swept: sweep.deleted }, warnings };
}
