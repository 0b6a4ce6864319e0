import { defaultSleep } from '../kube/kubeClient';
import type { ApiEndpoint } from './apiEndpoint';
import { apiRequest, ApiTransportError } from './apiEndpoint';
import { PodApiError, podApiError } from './debugPodRbac';
import type { PodApiTarget } from './debugPodRbac';
import { SWEEP_SELECTOR } from './debugPodSpec';

// The debug pod's life: create, wait until its container runs (bounded; a pod that never starts
// says why: image pull, admission by the kubelet, a node that is gone), delete (after the
// commands, on cancel, on failure) and the start-of-scan sweep of pods an earlier run left
// behind (a crash, a killed process). Deletion never takes the scan's AbortSignal: cleaning
// up is exactly what must still happen after a cancel.

export interface PodApiContext {
  ep: ApiEndpoint;
  namespace: string;
  /** Per request (default 30 s). */
  requestTimeoutMs?: number;
  signal?: AbortSignal;
}

interface PodObject {
  metadata?: { name?: string; deletionTimestamp?: string };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    conditions?: { type?: string; status?: string; reason?: string; message?: string }[];
    containerStatuses?: { state?: { waiting?: { reason?: string; message?: string }; running?: unknown; terminated?: { reason?: string; exitCode?: number; message?: string } } }[];
  };
}

const podsPath = (ns: string): string => `/api/v1/namespaces/${encodeURIComponent(ns)}/pods`;

async function call(ctx: PodApiContext, method: 'GET' | 'POST' | 'DELETE', path: string, body: unknown, target: PodApiTarget, signal: AbortSignal | undefined): Promise<unknown> {
  let res;
  try {
    res = await apiRequest(ctx.ep, method, path, body, { timeoutMs: ctx.requestTimeoutMs ?? 30_000, ...(signal ? { signal } : {}) });
  } catch (err) {
    if (!(err instanceof ApiTransportError)) throw err;
    const status = err.kind === 'cancelled' ? 'cancelled' : err.kind === 'timeout' ? 'timeout' : 'unreachable';
    throw new PodApiError(status, err.message);
  }
  if (res.status < 200 || res.status >= 300) throw podApiError(target, res.status, res.body, ctx.ep.redact);
  try {
    return JSON.parse(res.body.toString('utf8'));
  } catch {
    throw new PodApiError('unreachable', `the API server's answer to ${method} ${path} is not JSON`, res.status);
  }
}

export async function createDebugPod(ctx: PodApiContext, manifest: Record<string, unknown>): Promise<void> {
  const name = (manifest.metadata as { name: string }).name;
  await call(ctx, 'POST', podsPath(ctx.namespace), manifest, { verb: 'create', resource: 'pods', namespace: ctx.namespace, name }, ctx.signal);
}

/** One line on why a pod is not running: the container's waiting reason beats the phase. */
export function podStateReason(pod: PodObject): string {
  const st = pod.status ?? {};
  const c = st.containerStatuses?.[0]?.state;
  const parts: string[] = [`phase ${st.phase ?? 'unknown'}`];
  if (st.reason) parts.push(`${st.reason}${st.message ? `: ${st.message}` : ''}`);
  if (c?.waiting?.reason) parts.push(`${c.waiting.reason}${c.waiting.message ? `: ${c.waiting.message}` : ''}`);
  if (c?.terminated) parts.push(`terminated (${c.terminated.reason ?? 'exit'} ${c.terminated.exitCode ?? ''})`.replace(/ \)$/, ')'));
  const unscheduled = st.conditions?.find((x) => x.status === 'False' && x.reason);
  if (unscheduled && !c) parts.push(`${unscheduled.type}: ${unscheduled.reason}${unscheduled.message ? ` (${unscheduled.message})` : ''}`);
  if (!c && !st.reason && !unscheduled) parts.push('no container status yet (is the node Ready and its kubelet reachable?)');
  const line = parts.join('; ').replace(/\s+/g, ' ');
  return line.length > 400 ? `${line.slice(0, 400)}…` : line;
}

/** Polls until the container runs. Rejects with a timeout or the pod's terminal reason. */
export async function waitForPodRunning(ctx: PodApiContext, name: string, timeoutSec: number, pollMs = 1_000): Promise<void> {
  const deadline = Date.now() + timeoutSec * 1000;
  const target: PodApiTarget = { verb: 'get', resource: 'pods', namespace: ctx.namespace, name };
  let last = 'not seen yet';
  for (;;) {
    const pod = (await call(ctx, 'GET', `${podsPath(ctx.namespace)}/${encodeURIComponent(name)}`, undefined, target, ctx.signal)) as PodObject;
    const phase = pod.status?.phase;
    if (phase === 'Running' && pod.status?.containerStatuses?.[0]?.state?.running) return;
    last = podStateReason(pod);
    if (phase === 'Failed' || phase === 'Succeeded') throw new PodApiError('unreachable', `the debug pod ${name} ended before it could be used: ${ctx.ep.redact(last)}`);
    if (Date.now() >= deadline) break;
    try {
      await defaultSleep(Math.min(pollMs, Math.max(0, deadline - Date.now())), ctx.signal);
    } catch {
      throw new PodApiError('cancelled', `cancelled while waiting for the debug pod ${name} (${last})`);
    }
  }
  throw new PodApiError('timeout', `the debug pod ${name} was not running after ${timeoutSec} s: ${ctx.ep.redact(last)}`);
}

/** Deletes a pod right away (grace 0). True when it is gone (or was never there). Never throws. */
export async function deleteDebugPod(ctx: PodApiContext, name: string): Promise<boolean> {
  const body = { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0, propagationPolicy: 'Background' };
  try {
    await call({ ...ctx, signal: undefined }, 'DELETE', `${podsPath(ctx.namespace)}/${encodeURIComponent(name)}`, body, { verb: 'delete', resource: 'pods', namespace: ctx.namespace, name }, undefined);
    return true;
  } catch (err) {
    return err instanceof PodApiError && err.httpStatus === 404;
  }
}

export interface SweepResult {
  deleted: string[];
  /** Why the sweep could not run or finish (RBAC, API down); the scan goes on. */
  problem?: string;
}

/** Pages of the sweep's list (500 pods each); more leftovers than that wait for the next scan. */
const SWEEP_PAGES = 20;

/** Deletes every scan pod (managed-by label, not a terminal) left in the namespace. */
export async function sweepDebugPods(ctx: PodApiContext): Promise<SweepResult> {
  const names: string[] = [];
  let next: string | undefined;
  try {
    for (let page = 0; page < SWEEP_PAGES; page++) {
      const q = new URLSearchParams({ labelSelector: SWEEP_SELECTOR, limit: '500' });
      if (next) q.set('continue', next);
      const list = (await call(ctx, 'GET', `${podsPath(ctx.namespace)}?${q.toString()}`, undefined, { verb: 'list', resource: 'pods', namespace: ctx.namespace }, ctx.signal)) as {
        items?: PodObject[];
        metadata?: { continue?: string };
      };
      for (const p of list.items ?? []) if (typeof p.metadata?.name === 'string') names.push(p.metadata.name);
      next = list.metadata?.continue || undefined;
      if (!next) break;
    }
  } catch (err) {
    if (err instanceof PodApiError && err.httpStatus === 404) return { deleted: [] };
    if (names.length === 0) return { deleted: [], problem: `could not look for leftover debug pods: ${(err as Error).message}` };
  }
  const deleted: string[] = [];
  const failed: string[] = [];
  for (const n of names) {
    if (await deleteDebugPod(ctx, n)) deleted.push(n);
    else failed.push(n);
  }
  return { deleted, ...(failed.length ? { problem: `could not delete leftover debug pods: ${failed.join(', ')}` } : {}) };
}
