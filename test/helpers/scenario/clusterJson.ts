import type { ClusterState } from '../../../core/common/model';

// `kubectl get services,endpointslices,pods,nodes -A -o json` prints a v1 List whose items are
// unstructured objects: kubectl marshals them from Go maps, so every object's keys come out in
// sorted order, with 4-space indentation (kubectl's JSON printer uses MarshalIndent "    ").

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = sortKeys(v);
  }
  return out;
}

/** `indent: 0` writes compact JSON (what `kubectl ... -o json | jq -c .` gives). */
export function toClusterJson(state: ClusterState, opts: { indent?: number } = {}): string {
  const items = [...state.services, ...state.endpointSlices, ...state.pods, ...state.nodes];
  const list = { apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } };
  return `${JSON.stringify(sortKeys(list), null, opts.indent ?? 4)}\n`;
}
