import type { ServiceRow } from '../contract';
import { notProxiedReason } from '../kube/serviceFamilyView';
import type { Finding, ProgrammedNode, Service, Severity } from '../model';
import { SEVERITY_RANK } from '../model';

// The Services list: one row per Service of cluster.json, plus one per Service that only the
// findings or the rules name (a deleted Service whose rules linger is exactly what the user is
// looking for). Without cluster.json the rows come from the Service ports the nodes' decoded
// models identify.

interface FindingStats {
  count: number;
  worst: Severity | null;
}

function statsByService(findings: readonly Finding[]): Map<string, FindingStats> {
  const out = new Map<string, FindingStats>();
  for (const f of findings) {
    if (f.service === null) continue;
    let s = out.get(f.service);
    if (!s) out.set(f.service, (s = { count: 0, worst: null }));
    s.count++;
    if (s.worst === null || SEVERITY_RANK[f.severity] > SEVERITY_RANK[s.worst]) s.worst = f.severity;
  }
  return out;
}

/** `http 80/tcp` for a named port, `80/tcp` otherwise. */
export function portLabel(p: { name?: string; port: number; protocol?: string }): string {
  const proto = (p.protocol ?? 'TCP').toLowerCase();
  return `${p.name ? `${p.name} ` : ''}${p.port}/${proto}`;
}

export function serviceRowFromApi(svc: Service, stats: FindingStats | undefined): ServiceRow {
  const namespace = svc.metadata.namespace ?? 'default';
  const name = svc.metadata.name;
  const spec = svc.spec ?? {};
  const ips = spec.clusterIPs ?? (spec.clusterIP !== undefined ? [spec.clusterIP] : []);
  return {
    key: `${namespace}/${name}`,
    namespace,
    name,
    type: spec.type ?? 'ClusterIP',
    clusterIPs: ips.filter((ip) => typeof ip === 'string' && ip !== ''),
    ports: (spec.ports ?? []).map(portLabel),
    findings: stats?.count ?? 0,
    worst: stats?.worst ?? null,
    proxied: notProxiedReason(svc) === undefined,
  };
}

/** A Service known only from rules or findings (not in cluster.json, or no cluster.json). */
function unknownRow(key: string, stats: FindingStats | undefined, seen?: SeenService): ServiceRow {
  const slash = key.indexOf('/');
  return {
    key,
    namespace: slash === -1 ? '' : key.slice(0, slash),
    name: slash === -1 ? key : key.slice(slash + 1),
    type: 'unknown',
    clusterIPs: seen ? [...seen.ips].sort() : [],
    ports: seen ? [...seen.ports].sort() : [],
    findings: stats?.count ?? 0,
    worst: stats?.worst ?? null,
    proxied: true,
  };
}

interface SeenService {
  ips: Set<string>;
  ports: Set<string>;
}

/** Services the decoded models identify, with ClusterIPs and `port/proto` labels from their frontends. */
export function servicesFromProgrammed(programmed: readonly ProgrammedNode[]): Map<string, SeenService> {
  const out = new Map<string, SeenService>();
  for (const p of programmed) {
    for (const sp of p.servicePorts) {
      if (sp.id === null) continue;
      const key = `${sp.id.namespace}/${sp.id.name}`;
      let s = out.get(key);
      if (!s) out.set(key, (s = { ips: new Set(), ports: new Set() }));
      const cip = sp.frontends.find((f) => f.kind === 'cluster-ip');
      if (cip?.ip !== undefined) s.ips.add(cip.ip);
      if (cip) s.ports.add(portLabel({ name: sp.id.portName, port: cip.port, protocol: sp.id.protocol }));
    }
  }
  return out;
}

export function buildServiceRows(
  services: readonly Service[] | null,
  findings: readonly Finding[],
  programmed: ReadonlyMap<string, SeenService> = new Map(),
): ServiceRow[] {
  const stats = statsByService(findings);
  const rows = new Map<string, ServiceRow>();
  for (const svc of services ?? []) {
    const row = serviceRowFromApi(svc, stats.get(`${svc.metadata.namespace ?? 'default'}/${svc.metadata.name}`));
    if (!rows.has(row.key)) rows.set(row.key, row);
  }
  for (const [key, seen] of programmed) if (!rows.has(key)) rows.set(key, unknownRow(key, stats.get(key), seen));
  for (const key of stats.keys()) if (!rows.has(key)) rows.set(key, unknownRow(key, stats.get(key)));
  return [...rows.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
