import type { ExpectedEndpoint, ProgrammedBackend } from '../model';
import type { PortJoin } from './context';
import { usesClusterPath, usesLocalPath } from './context';
import { endpointAt, endpointIndex, hasPort } from './endpointIndex';
import type { EndpointIndex } from './endpointIndex';

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
const NO_ENDPOINTS: ExpectedEndpoint[] = [];

/**
 * Whether `eps` lists each ip:port once (what the positional shortcut below needs for its count);
 * false for long lists, which then count through the index.
 */
function distinct(eps: readonly ExpectedEndpoint[]): boolean {
  if (eps.length > 16) return false;
  for (let i = 1; i < eps.length; i++) {
    const a = eps[i];
    for (let k = 0; k < i; k++) if (eps[k].port === a.port && eps[k].ip === a.ip) return false;
  }
  return true;
}

/** null when the join has no expected, proxied, non-orphan Service port to compare with. */
export function joinStatus(j: PortJoin): JoinStatus | null {
  const cached = j.status;
  if (cached !== undefined) return cached;
  const e = j.e;
  let status: JoinStatus | null = null;
  if (e && e.proxied && !j.orphan) {
    // kube-proxy writes a path's backends in the order of its endpoint list (sorted by ip:port),
    // so backend i is usually expected endpoint i: a hit without any lookup. Anything else goes
    // through the per-IP index, built only then (a healthy node never builds one).
    let idx: EndpointIndex | undefined;
    let anomalies: BackendAnomaly[] | undefined;
    let clusterOk = true;
    let localOk = true;
    for (let k = 0; k < 2; k++) {
      const cluster = k === 0;
      const uses = cluster ? usesClusterPath(e) : usesLocalPath(e);
      const eps = uses ? (cluster ? e.clusterEndpoints : e.localEndpoints) : NO_ENDPOINTS;
      let ok = true;
      let n = 0;
      for (let s = 0; s < j.sps.length; s++) {
        const sp = j.sps[s];
        const path = cluster ? sp.clusterPath : sp.localPath;
        if (!path) continue;
        const backends = path.backends;
        for (let i = 0; i < backends.length; i++) {
          const backend = backends[i];
          const at = i < eps.length ? eps[i] : undefined;
          if (at !== undefined && at.port === backend.port && at.ip === backend.ip) {
            n++;
            continue;
          }
          idx ??= endpointIndex(e);
          const selected = uses ? (cluster ? idx.cluster : idx.local) : NONE;
          if (hasPort(selected, backend.ip, backend.port)) {
            n++;
            continue;
          }
          ok = false;
          (anomalies ??= []).push({ policy: cluster ? 'cluster' : 'local', backend, ep: endpointAt(idx, backend.ip, backend.port) });
        }
      }
      // The number of distinct selected endpoints: the list's length when it has no repeats.
      let want = 0;
      if (uses) {
        if (idx === undefined && distinct(eps)) want = eps.length;
        else {
          idx ??= endpointIndex(e);
          want = cluster ? idx.clusterCount : idx.localCount;
        }
      }
      if (n !== want) ok = false;
      if (cluster) clusterOk = ok;
      else localOk = ok;
    }
    status = { anomalies: anomalies ?? [], clusterOk, localOk };
  }
  j.status = status;
  return status;
}
