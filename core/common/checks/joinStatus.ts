import type { ExpectedEndpoint, ProgrammedBackend } from '../model';
import type { PortJoin } from './context';
import { usesClusterPath, usesLocalPath } from './context';
import { endpointAt, endpointIndex, hasPort } from './endpointIndex';

// One pass over a Service port's programmed backends that the backend checks and the digest share:
// every backend is looked up once in what kube-proxy would select for its path. Healthy backends
// leave no trace; only anomalies are kept, so a healthy 10k-Service node allocates almost nothing.

export interface BackendAnomaly {
  policy: 'cluster' | 'local';
  backend: ProgrammedBackend;
  /** The Service's endpoint at that ip:port; undefined when no slice lists it (stale). */
  ep: ExpectedEndpoint | undefined;
}

export interface JoinStatus {
  /** Programmed backends kube-proxy would not select for their path (stale or not selected). */
  anomalies: BackendAnomaly[];
  /** The path holds exactly the selected endpoints (nothing extra, nothing missing). */
  clusterOk: boolean;
  localOk: boolean;
}

const NONE = new Map<string, number[]>();
const cache = new WeakMap<PortJoin, JoinStatus | null>();

/** null when the join has no expected, proxied, non-orphan Service port to compare with. */
export function joinStatus(j: PortJoin): JoinStatus | null {
  const cached = cache.get(j);
  if (cached !== undefined) return cached;
  const e = j.e;
  let status: JoinStatus | null = null;
  if (e && e.proxied && !j.orphan) {
    const idx = endpointIndex(e);
    const anomalies: BackendAnomaly[] = [];
    const ok = { cluster: true, local: true };
    for (const policy of ['cluster', 'local'] as const) {
      const uses = policy === 'cluster' ? usesClusterPath(e) : usesLocalPath(e);
      const selected = uses ? (policy === 'cluster' ? idx.cluster : idx.local) : NONE;
      const want = uses ? (policy === 'cluster' ? idx.clusterCount : idx.localCount) : 0;
      let n = 0;
      for (const sp of j.sps) {
        const path = policy === 'cluster' ? sp.clusterPath : sp.localPath;
        if (!path) continue;
        for (const backend of path.backends) {
          if (hasPort(selected, backend.ip, backend.port)) {
            n++;
            continue;
          }
          ok[policy] = false;
          anomalies.push({ policy, backend, ep: endpointAt(idx, backend.ip, backend.port) });
        }
      }
      if (n !== want) ok[policy] = false;
    }
    status = { anomalies, clusterOk: ok.cluster, localOk: ok.local };
  }
  cache.set(j, status);
  return status;
}
