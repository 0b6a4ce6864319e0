import type { ApiResult } from '../../core/common/contract';
import type { ClusterState } from '../../core/common/model';

// Small helpers the backend and scan tests share.

/** The value of an ok ApiResult; a failure throws with its code and message. */
export function value<T>(r: ApiResult<T>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

/** 'ok' or the error code. */
export const code = (r: ApiResult<unknown>): string => (r.ok ? 'ok' : r.error.code);

/** Polls `find` until it returns something (events arrive asynchronously). */
export async function waitFor<T>(find: () => T | undefined, timeoutMs = 45_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = find();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error('timed out waiting for an event');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The cluster with every Node's InternalIP on 127.0.0.1 (the loopback sshd nodes of a test). */
export function onLoopback(state: ClusterState): ClusterState {
  const copy = structuredClone(state);
  for (const n of copy.nodes) {
    if (n.status) n.status.addresses = [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: n.metadata.name }];
  }
  return copy;
}
